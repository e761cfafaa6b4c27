package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opens any supported weights file, index file or model directory. */
public final class Checkpoints {
    private Checkpoints() {}

    /**
     * Opens a {@code .safetensors} file, a {@code .bin} file, an index json, or a directory (tried in
     * order: model.safetensors, model.safetensors.index.json, pytorch_model.bin,
     * pytorch_model.bin.index.json).
     */
    public static TensorReader open(Path fileOrDirectory) throws CheckpointException {
        Path p = fileOrDirectory;
        if (Files.isDirectory(p)) {
            for (String name : new String[] {ConverterConstants.SAFETENSORS_WEIGHTS, ConverterConstants.SAFETENSORS_INDEX,
                    ConverterConstants.BIN_WEIGHTS, ConverterConstants.BIN_INDEX}) {
                Path f = p.resolve(name);
                if (Files.isRegularFile(f)) {
                    return open(f);
                }
            }
            throw new CheckpointException(Kind.NOT_FOUND, p, null, "no weights found (expected " + ConverterConstants.SAFETENSORS_WEIGHTS
                    + ", " + ConverterConstants.SAFETENSORS_INDEX + ", " + ConverterConstants.BIN_WEIGHTS + " or "
                    + ConverterConstants.BIN_INDEX + " in this directory)");
        }
        if (!Files.exists(p)) {
            throw new CheckpointException(Kind.NOT_FOUND, p, null, "no such file or directory");
        }
        if (p.getFileName().toString().endsWith(ConverterConstants.INDEX_SUFFIX)) {
            return ShardedReader.open(p);
        }
        return openFile(p);
    }

    /** Opens one weights file, recognised by its first bytes (zip, pickle) or else as safetensors. */
    static TensorReader openFile(Path file) throws CheckpointException {
        if (!Files.isRegularFile(file)) {
            throw new CheckpointException(Kind.NOT_FOUND, file, null, Files.exists(file) ? "not a regular file" : "no such file");
        }
        byte[] head = new byte[8];
        int n = 0;
        try (InputStream in = Files.newInputStream(file)) {
            while (n < head.length) {
                int r = in.read(head, n, head.length - n);
                if (r < 0) {
                    break;
                }
                n += r;
            }
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, file, null, "cannot read: " + e.getMessage(), e);
        }
        FileKind kind = FileKind.sniff(head, n);
        switch (kind) {
            case ZIP:
            case PICKLE:
                return TorchBinReader.open(file);
            default:
                return SafetensorsReader.open(file);
        }
    }

    /** What the first bytes of a weights file say it is. */
    enum FileKind {
        ZIP, PICKLE, SAFETENSORS;

        /**
         * A safetensors file starts with its header length, at most 100 MB, so its bytes 4..7 are
         * zero; a torch pickle has non-zero bytes there, which is what tells them apart.
         */
        static FileKind sniff(byte[] head, int n) {
            if (n >= 4 && head[0] == 'P' && head[1] == 'K' && head[2] == 3 && head[3] == 4) {
                return ZIP; // as a safetensors length this would be a 67 MB header: never seen in practice
            }
            boolean highZero = n >= 8 && head[4] == 0 && head[5] == 0 && head[6] == 0 && head[7] == 0;
            if (highZero) {
                return SAFETENSORS;
            }
            if (n >= 2 && (head[0] & 0xff) == 0x80 && head[1] >= 2 && head[1] <= 5) {
                return PICKLE;
            }
            return SAFETENSORS;
        }
    }
}
