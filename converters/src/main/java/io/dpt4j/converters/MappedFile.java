package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * A read-only file accessed through memory maps: one map of the whole file when it is at most
 * {@link ConverterConstants#MAP_REGION_BYTES}, otherwise one map per requested range, so no buffer
 * ever exceeds {@link Integer#MAX_VALUE} bytes and nothing is copied to the heap.
 */
final class MappedFile implements AutoCloseable {
    private final Path path;
    private final FileChannel channel;
    private final long size;
    private MappedByteBuffer whole;

    MappedFile(Path path) throws CheckpointException {
        this.path = path;
        try {
            this.channel = FileChannel.open(path, StandardOpenOption.READ);
            this.size = channel.size();
        } catch (NoSuchFileException e) {
            throw new CheckpointException(Kind.NOT_FOUND, path, null, "no such file");
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, path, null, "cannot open: " + e.getMessage(), e);
        }
    }

    Path path() {
        return path;
    }

    long size() {
        return size;
    }

    /** A read-only little-endian view of bytes [start, start + len); the caller checked the bounds. */
    synchronized ByteBuffer slice(long start, long len, String key) throws CheckpointException {
        if (start < 0 || len < 0 || start > size || len > size - start) {
            throw CheckpointException.entry(Kind.INVALID_OFFSET, path, key, "byte range " + start + "+" + len + " is outside the "
                    + size + "-byte file (truncated?)");
        }
        if (len > Integer.MAX_VALUE) {
            throw CheckpointException.entry(Kind.UNSUPPORTED, path, key, len + " bytes is more than one Java buffer can address");
        }
        if (len == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        try {
            if (size <= ConverterConstants.MAP_REGION_BYTES) {
                if (whole == null) {
                    whole = channel.map(FileChannel.MapMode.READ_ONLY, 0, size);
                }
                return whole.slice((int) start, (int) len).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
            }
            return channel.map(FileChannel.MapMode.READ_ONLY, start, len).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, path, key, "cannot memory-map: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() throws CheckpointException {
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, path, null, "cannot close: " + e.getMessage(), e);
        }
    }
}
