package io.dpt4j.core.nn;

import java.util.Set;

/** transformers' ACT2FN activations by name, written once for both engines. */
public final class Activations {
    private Activations() {}

    static final Set<String> KNOWN = Set.of("gelu", "relu", "tanh", "sigmoid", "silu", "swish", "gelu_new",
            "gelu_pytorch_tanh", "quick_gelu", "linear", "identity");

    public static boolean isKnown(String name) {
        return KNOWN.contains(name);
    }

    public static Tensor apply(String name, Tensor x) {
        switch (name) {
            case "gelu":
                return x.gelu();
            case "relu":
                return x.relu();
            case "tanh":
                return x.tanh();
            case "sigmoid":
                return x.sigmoid();
            case "silu":
            case "swish":
                return x.mul(x.sigmoid());
            case "gelu_new":
            case "gelu_pytorch_tanh": {
                // 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))
                Tensor cube = x.mul(x).mul(x);
                Tensor inner = x.add(cube.mul(0.044715f)).mul((float) Math.sqrt(2.0 / Math.PI));
                return x.mul(0.5f).mul(inner.tanh().add(1f));
            }
            case "quick_gelu":
                return x.mul(x.mul(1.702f).sigmoid());
            case "linear":
            case "identity":
                return x;
            default:
                throw new IllegalArgumentException("unsupported activation '" + name
                        + "'; supported: gelu, relu, tanh, sigmoid, silu, swish, gelu_new, gelu_pytorch_tanh, quick_gelu, linear");
        }
    }
}
