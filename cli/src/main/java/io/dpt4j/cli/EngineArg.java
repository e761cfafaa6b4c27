package io.dpt4j.cli;

import io.dpt4j.core.ExecutionEngine;

/** The {@code --engine pytorch|onnxruntime} option. */
final class EngineArg {
    private EngineArg() {}

    static final ExecutionEngine DEFAULT = ExecutionEngine.AUTO;
    static final String DEFAULT_NAME = "auto: onnxruntime where the family has a graph, else pytorch";
    static final String HELP = "  --engine E           pytorch, onnxruntime or auto (default: onnxruntime where the model has a graph,\n"
            + "                       else pytorch)";

    static ExecutionEngine parse(Args a) {
        ExecutionEngine e = parseOrNull(a);
        return e == null ? DEFAULT : e;
    }

    /** The engine given, or null to leave the choice to the pipeline's policy. */
    static ExecutionEngine parseOrNull(Args a) {
        String e = a.get("engine");
        if (e == null) {
            return null;
        }
        try {
            return ExecutionEngine.parse(e);
        } catch (IllegalArgumentException ex) {
            throw new CliException("--engine: " + ex.getMessage());
        }
    }
}
