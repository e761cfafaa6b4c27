package io.dpt4j.core;

import java.util.Locale;

/** The precision a model computes in. */
public enum InferenceDtype {
    /** float32 everywhere (both engines; the parity tests' precision). */
    FLOAT32,
    /**
     * Dynamic int8 on ONNX Runtime: the weights of every matmul with a constant weight quantized in Java,
     * symmetric per output channel; activations quantized per tensor at run time. Primary outputs only,
     * about 1% relative error against float32; fast on CPUs with VNNI or AMX.
     */
    INT8;

    public static InferenceDtype parse(String s) {
        switch (s.toLowerCase(Locale.ROOT)) {
            case "f32":
            case "fp32":
            case "float32":
            case "float":
                return FLOAT32;
            case "int8":
            case "i8":
            case "qint8":
                return INT8;
            default:
                throw new IllegalArgumentException("unknown dtype '" + s + "'; expected f32 or int8");
        }
    }

    /** The short name the command line uses (f32, int8). */
    public String shortName() {
        return this == FLOAT32 ? "f32" : "int8";
    }
}
