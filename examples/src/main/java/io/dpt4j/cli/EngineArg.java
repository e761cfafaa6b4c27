package io.dpt4j.cli;

import io.dpt4j.core.ExecutionEngine;

/** The {@code --engine pytorch|onnxruntime} option. */
final class EngineArg {
    private EngineArg() {}

    static final ExecutionEngine DEFAULT = ExecutionEngine.PYTORCH;
    static final String DEFAULT_NAME = "pytorch";

    static ExecutionEngine parse(Args a) {
        String e = a.get("engine");
        if (e == null) {
            return DEFAULT;
        }
        try {
            return ExecutionEngine.parse(e);
        } catch (IllegalArgumentException ex) {
            throw new CliException("--engine: " + ex.getMessage());
        }
    }
}
