package io.dpt4j.converters;

import java.util.Arrays;
import java.util.Locale;

/**
 * Element types a checkpoint may store, named as in the safetensors format.
 *
 * <p>The first twelve constants are the ones a DPT checkpoint may realistically hold; the unsigned
 * wide types follow because the safetensors format allows them.
 */
public enum DType {
    F64(8, true),
    F32(4, true),
    F16(2, true),
    BF16(2, true),
    I64(8, false),
    I32(4, false),
    I16(2, false),
    I8(1, false),
    U8(1, false),
    BOOL(1, false),
    F8_E4M3(1, true),
    F8_E5M2(1, true),
    U16(2, false),
    U32(4, false),
    U64(8, false);

    private final int byteSize;
    private final boolean floating;

    DType(int byteSize, boolean floating) {
        this.byteSize = byteSize;
        this.floating = floating;
    }

    /** Bytes per element. */
    public int byteSize() {
        return byteSize;
    }

    /** Whether this is a floating-point type (converted when a checkpoint changes dtype). */
    public boolean isFloatingPoint() {
        return floating;
    }

    /** The name used in a safetensors header: {@code "F32"}, {@code "BF16"}, {@code "F8_E4M3"}, ... */
    public String safetensorsName() {
        return name();
    }

    /**
     * Looks up a safetensors dtype name (exact, case-sensitive, as the format requires).
     *
     * @throws IllegalArgumentException naming the value when it is not a known dtype
     */
    public static DType fromSafetensorsName(String s) {
        if (s != null) {
            for (DType d : values()) {
                if (d.name().equals(s)) {
                    return d;
                }
            }
        }
        throw new IllegalArgumentException("unknown safetensors dtype '" + s + "' (expected one of "
                + Arrays.toString(values()) + ")");
    }

    /**
     * Parses a user-facing dtype such as {@code f32}, {@code float16}, {@code bfloat16} (torch and
     * config.json spellings).
     *
     * @throws IllegalArgumentException naming the value when it is not a floating dtype name
     */
    public static DType fromTorchName(String s) {
        String v = s == null ? "" : s.toLowerCase(Locale.ROOT).replace("torch.", "");
        switch (v) {
            case "f32": case "fp32": case "float32": case "float": return F32;
            case "f16": case "fp16": case "float16": case "half": return F16;
            case "bf16": case "bfloat16": return BF16;
            case "f64": case "fp64": case "float64": case "double": return F64;
            default:
                throw new IllegalArgumentException("unknown dtype '" + s + "' (expected f32, f16 or bf16)");
        }
    }

    /** The torch spelling used in config.json ({@code "float32"}, {@code "bfloat16"}, ...). */
    public String torchName() {
        switch (this) {
            case F64: return "float64";
            case F32: return "float32";
            case F16: return "float16";
            case BF16: return "bfloat16";
            case I64: return "int64";
            case I32: return "int32";
            case I16: return "int16";
            case I8: return "int8";
            case U8: return "uint8";
            case BOOL: return "bool";
            case F8_E4M3: return "float8_e4m3fn";
            case F8_E5M2: return "float8_e5m2";
            case U16: return "uint16";
            case U32: return "uint32";
            default: return "uint64";
        }
    }

    /**
     * Rank used by the safetensors crate to lay tensors out (larger alignment first): its {@code Dtype}
     * enum order, BOOL lowest and U64 highest.
     */
    int safetensorsLayoutRank() {
        switch (this) {
            case BOOL: return 0;
            case U8: return 1;
            case I8: return 2;
            case F8_E5M2: return 3;
            case F8_E4M3: return 4;
            case I16: return 5;
            case U16: return 6;
            case F16: return 7;
            case BF16: return 8;
            case I32: return 9;
            case U32: return 10;
            case F32: return 11;
            case F64: return 12;
            case I64: return 13;
            default: return 14; // U64
        }
    }
}
