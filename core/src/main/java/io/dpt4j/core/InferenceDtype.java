package io.dpt4j.core;

import java.util.Locale;

/** The precision a model computes in. */
public enum InferenceDtype {
    /** float32 everywhere (both engines; the parity tests' precision). */
    FLOAT32,
    /**
     * Dynamic int8 on ONNX Runtime: the weights of every matmul with a constant weight (the transformer's
     * linear layers) quantized in Java, symmetric per output channel; activations quantized per tensor
     * at run time; convolutions stay float32. Primary outputs only; fast on CPUs with VNNI or AMX.
     */
    INT8,
    /**
     * {@link #INT8}, and the decoder's wide "same" convolutions (neck and head, at least 128 channels in
     * and out) as int8 matmuls over a uint8 im2col: faster where convolutions are a large share of the
     * time (dpt-large, DPT-Hybrid), at a larger error (each int8 convolution adds its rounding).
     */
    INT8_CONV;

    /** Whether this dtype runs quantized (on ONNX Runtime only). */
    public boolean isInt8() {
        return this != FLOAT32;
    }

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
            case "int8-conv":
            case "int8_conv":
                return INT8_CONV;
            default:
                throw new IllegalArgumentException("unknown dtype '" + s + "'; expected f32, int8 or int8-conv");
        }
    }

    /** The short name the command line uses (f32, int8, int8-conv). */
    public String shortName() {
        switch (this) {
            case FLOAT32:
                return "f32";
            case INT8:
                return "int8";
            default:
                return "int8-conv";
        }
    }
}
