package io.dpt4j.converters;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Read access to the tensors of a checkpoint (one file, or shards through an index). Implementations
 * read lazily, tensor by tensor; none runs code from the checkpoint.
 */
public interface TensorReader extends AutoCloseable {
    /** Tensor names, sorted. */
    List<String> names();

    boolean contains(String name);

    /** @throws CheckpointException if the tensor is absent */
    TensorInfo info(String name) throws CheckpointException;

    /**
     * Raw little-endian bytes in the stored dtype, read-only, position 0, little-endian order. For
     * safetensors this is a zero-copy slice of the memory map.
     */
    ByteBuffer bytes(String name) throws CheckpointException;

    /**
     * Little-endian float32 data: a zero-copy slice when stored as F32, otherwise a converted direct
     * buffer (F16/BF16/F8 exactly, F64 rounded to nearest even, integers and bool as torch's
     * {@code .float()} does).
     */
    ByteBuffer toF32(String name) throws CheckpointException;

    /** The tensor converted to float32 and copied into a new array. */
    default float[] floats(String name) throws CheckpointException {
        ByteBuffer b = toF32(name);
        long n = b.remaining() / 4;
        float[] out = new float[(int) n];
        b.asFloatBuffer().get(out);
        return out;
    }

    /** The safetensors {@code __metadata__} (empty if none). */
    Map<String, String> metadata();

    /** The file or directory this reads. */
    Path source();

    @Override
    void close() throws CheckpointException;
}
