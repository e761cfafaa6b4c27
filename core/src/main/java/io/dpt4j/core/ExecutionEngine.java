package io.dpt4j.core;

import java.util.Locale;

/** Which engine runs a model's forward pass. */
public enum ExecutionEngine {
    /** libtorch through DJL, eagerly, module by module (every output, every family). */
    PYTORCH,
    /**
     * ONNX Runtime on the same weights and module definitions, written as one ONNX graph with symbolic
     * batch, height and width (one session for every input size); every output, hidden states,
     * attentions and intermediates included. Every family whose modules are written for both engines.
     */
    ONNXRUNTIME,
    /** ONNX Runtime where the model (with its config) has a graph, PyTorch otherwise. */
    AUTO;

    public static ExecutionEngine parse(String s) {
        switch (s.toLowerCase(Locale.ROOT).replace("-", "").replace("_", "")) {
            case "pytorch":
            case "torch":
            case "libtorch":
                return PYTORCH;
            case "onnxruntime":
            case "ort":
            case "onnx":
                return ONNXRUNTIME;
            case "auto":
                return AUTO;
            default:
                throw new IllegalArgumentException("unknown engine '" + s + "'; expected pytorch, onnxruntime or auto");
        }
    }
}
