package io.dpt4j.converters;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * Element conversions between stored dtypes and float32, bit-exact with torch: widening to float32
 * is exact for F16/BF16/F8; narrowing rounds to nearest, ties to even, like {@code tensor.to()}.
 */
public final class DTypeConversion {
    private DTypeConversion() {}

    /** IEEE binary16 bits to float32 (exact, subnormals included). */
    public static float halfToFloat(int h) {
        int sign = (h & 0x8000) << 16;
        int exp = (h >>> 10) & 0x1f;
        int mant = h & 0x3ff;
        if (exp == 0) {
            float f = mant * 0x1p-24f; // subnormal (or zero): exact in float32
            return sign != 0 ? -f : f;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp + 112) << 23) | (mant << 13));
    }

    /** Float32 to IEEE binary16 bits, round to nearest even; NaN becomes a quiet NaN keeping the sign. */
    public static short floatToHalf(float f) {
        int x = Float.floatToRawIntBits(f);
        int sign = (x >>> 16) & 0x8000;
        int abs = x & 0x7fffffff;
        if (abs > 0x7f800000) {
            return (short) (sign | 0x7e00);
        }
        if (abs >= 0x477ff000) { // >= 65520 rounds to infinity
            return (short) (sign | 0x7c00);
        }
        if (abs < 0x38800000) { // below 2^-14: subnormal half; scaling by 2^24 is exact
            int m = (int) Math.rint((double) Float.intBitsToFloat(abs) * 0x1p24);
            return (short) (sign | m);
        }
        int exp = (abs >>> 23) - 127 + 15;
        int mant = abs & 0x7fffff;
        int h = (exp << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++;
        }
        return (short) (sign | h);
    }

    /** bfloat16 bits to float32 (exact). */
    public static float bf16ToFloat(int b) {
        return Float.intBitsToFloat((b & 0xffff) << 16);
    }

    /** Float32 to bfloat16 bits, round to nearest even; NaN becomes 0x7FC0 as in torch. */
    public static short floatToBf16(float f) {
        if (Float.isNaN(f)) {
            return (short) 0x7fc0;
        }
        int x = Float.floatToRawIntBits(f);
        int bias = ((x >>> 16) & 1) + 0x7fff;
        return (short) ((x + bias) >>> 16);
    }

    /** float8 e4m3fn (bias 7, no infinities, S.1111.111 is NaN) to float32 (exact). */
    public static float f8e4m3ToFloat(int b) {
        int sign = b & 0x80;
        int exp = (b >>> 3) & 0xf;
        int mant = b & 0x7;
        float f;
        if (exp == 0xf && mant == 0x7) {
            f = Float.NaN;
        } else if (exp == 0) {
            f = mant * 0x1p-9f;
        } else {
            f = Math.scalb(1f + mant / 8f, exp - 7);
        }
        return sign != 0 ? -f : f;
    }

    /** float8 e5m2 (the upper byte of a binary16) to float32 (exact). */
    public static float f8e5m2ToFloat(int b) {
        return halfToFloat((b & 0xff) << 8);
    }

    /** Unsigned 64-bit integer to the nearest float32 (ties to even), as torch converts uint64. */
    static float unsignedLongToFloat(long v) {
        if (v >= 0) {
            return (float) v;
        }
        // halve keeping the sticky bit so the single rounding stays correct
        float half = (float) ((v >>> 1) | (v & 1));
        return half * 2f;
    }

    /**
     * Converts {@code count} elements of {@code src} (little-endian, from its position) to a new
     * direct little-endian float32 buffer.
     */
    public static ByteBuffer toF32(DType dtype, ByteBuffer src) {
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = in.remaining() / dtype.byteSize();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(n, 4)).order(ByteOrder.LITTLE_ENDIAN);
        int p = in.position();
        for (int i = 0; i < n; i++) {
            float v;
            switch (dtype) {
                case F32: v = in.getFloat(p + 4 * i); break;
                case F64: v = (float) in.getDouble(p + 8 * i); break;
                case F16: v = halfToFloat(in.getShort(p + 2 * i) & 0xffff); break;
                case BF16: v = bf16ToFloat(in.getShort(p + 2 * i)); break;
                case F8_E4M3: v = f8e4m3ToFloat(in.get(p + i) & 0xff); break;
                case F8_E5M2: v = f8e5m2ToFloat(in.get(p + i) & 0xff); break;
                case I64: v = (float) in.getLong(p + 8 * i); break;
                case U64: v = unsignedLongToFloat(in.getLong(p + 8 * i)); break;
                case I32: v = (float) in.getInt(p + 4 * i); break;
                case U32: v = (float) (in.getInt(p + 4 * i) & 0xffffffffL); break;
                case I16: v = in.getShort(p + 2 * i); break;
                case U16: v = in.getShort(p + 2 * i) & 0xffff; break;
                case I8: v = in.get(p + i); break;
                case U8: v = in.get(p + i) & 0xff; break;
                case BOOL: v = in.get(p + i) != 0 ? 1f : 0f; break;
                default: throw new IllegalStateException(dtype.name());
            }
            out.putFloat(4 * i, v);
        }
        return out;
    }

    /**
     * Converts floating-point data to another floating dtype (F32, F16, BF16 or F64), rounding to
     * nearest even. Returns a new direct little-endian buffer.
     *
     * @throws IllegalArgumentException for a non-floating source or an unsupported target
     */
    public static ByteBuffer convertFloating(DType from, ByteBuffer src, DType to) {
        if (!from.isFloatingPoint()) {
            throw new IllegalArgumentException("cannot convert " + from + " data to " + to + ": only floating tensors change dtype");
        }
        ByteBuffer in = src.duplicate().order(ByteOrder.LITTLE_ENDIAN);
        int n = in.remaining() / from.byteSize();
        if (from == to) {
            ByteBuffer out = ByteBuffer.allocateDirect(in.remaining()).order(ByteOrder.LITTLE_ENDIAN);
            out.put(in).flip();
            return out;
        }
        int p = in.position();
        ByteBuffer out = ByteBuffer.allocateDirect(Math.multiplyExact(n, to.byteSize())).order(ByteOrder.LITTLE_ENDIAN);
        if (from == DType.F64 && (to == DType.F16 || to == DType.BF16)) {
            // torch rounds double -> half once; going through float32 could round twice
            for (int i = 0; i < n; i++) {
                double d = in.getDouble(p + 8 * i);
                out.putShort(2 * i, to == DType.F16 ? doubleToHalf(d) : doubleToBf16(d));
            }
            return out;
        }
        ByteBuffer f = from == DType.F32 ? in.slice() : toF32(from, in);
        f.order(ByteOrder.LITTLE_ENDIAN);
        for (int i = 0; i < n; i++) {
            float v = f.getFloat(4 * i);
            switch (to) {
                case F32: out.putFloat(4 * i, v); break;
                case F64: out.putDouble(8 * i, v); break;
                case F16: out.putShort(2 * i, floatToHalf(v)); break;
                case BF16: out.putShort(2 * i, floatToBf16(v)); break;
                default: throw new IllegalArgumentException("unsupported target dtype " + to + " (expected F32, F16, BF16 or F64)");
            }
        }
        return out;
    }

    /** Double to binary16 with a single round-to-nearest-even. */
    static short doubleToHalf(double d) {
        float f = (float) d;
        if (Float.isNaN(f) || Float.isInfinite(f) || (double) f == d) {
            return floatToHalf(f);
        }
        return floatToHalf(stickyFloat(f, d));
    }

    /** Double to bfloat16 with a single round-to-nearest-even. */
    static short doubleToBf16(double d) {
        float f = (float) d;
        if (Float.isNaN(f) || Float.isInfinite(f) || (double) f == d) {
            return floatToBf16(f);
        }
        return floatToBf16(stickyFloat(f, d));
    }

    /**
     * Truncates d toward zero to float and sets the lowest mantissa bit when inexact ("round to odd"),
     * which makes a later rounding to a narrower format exact.
     */
    private static float stickyFloat(float nearest, double d) {
        float t = nearest;
        if (Math.abs((double) t) > Math.abs(d)) {
            t = Math.nextAfter(t, 0.0);
        }
        if ((double) t != d) {
            int bits = Float.floatToRawIntBits(t);
            t = Float.intBitsToFloat(bits | 1);
        }
        return t;
    }
}
