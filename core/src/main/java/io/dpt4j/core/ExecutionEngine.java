package io.dpt4j.core;

import java.util.Locale;

/** Which engine runs a model's forward pass. */
public enum ExecutionEngine {
    /** libtorch through DJL, eagerly, module by module (every output, every family). */
    PYTORCH,
    /**
     * ONNX Runtime on the same weights: the graph is written as ONNX in Java for each input shape (no
     * Python, no export step). Primary outputs only; a forward that asks for hidden states, attentions
     * or intermediates runs on PyTorch. DPT-ViT, DPT-Hybrid, DINOv2 DPT and Depth Anything.
     */
    ONNXRUNTIME,
    /** ONNX Runtime where the model's family has a graph, PyTorch otherwise. */
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
