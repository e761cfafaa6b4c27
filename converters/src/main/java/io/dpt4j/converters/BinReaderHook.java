package io.dpt4j.converters;

import java.nio.file.Path;

/** Entry point for pytorch_model.bin reading (zip and legacy formats). */
final class BinReaderHook {
    private BinReaderHook() {}

    static TensorReader open(Path file, Checkpoints.FileKind kind) throws CheckpointException {
        throw new CheckpointException(file, null, "pytorch_model.bin reading is not available yet (" + kind + " container)");
    }
}
