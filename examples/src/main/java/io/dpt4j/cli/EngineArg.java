package io.dpt4j.cli;

import io.dpt4j.core.ExecutionEngine;

/** The {@code --engine pytorch|onnxruntime} option. */
final class EngineArg {
    private EngineArg() {}

    static final ExecutionEngine DEFAULT = ExecutionEngine.AUTO;
    static final String DEFAULT_NAME = "auto: onnxruntime where the family has a graph, else pytorch";
    static final String HELP = "  --engine E           pytorch, onnxruntime or auto (default: onnxruntime where the model's family has a graph)";

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
