package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class DTypeConversionTest {
    @Test
    void halfDecodesKnownPatterns() {
        assertEquals(1.0f, DTypeConversion.halfToFloat(0x3c00));
        assertEquals(-2.0f, DTypeConversion.halfToFloat(0xc000));
        assertEquals(65504f, DTypeConversion.halfToFloat(0x7bff));
        assertEquals(0x1p-24f, DTypeConversion.halfToFloat(0x0001)); // smallest subnormal
        assertEquals(0x1p-14f, DTypeConversion.halfToFloat(0x0400)); // smallest normal
        assertEquals(Float.POSITIVE_INFINITY, DTypeConversion.halfToFloat(0x7c00));
        assertTrue(Float.isNaN(DTypeConversion.halfToFloat(0x7e00)));
        assertEquals(0x80000000, Float.floatToRawIntBits(DTypeConversion.halfToFloat(0x8000)));
    }

    @Test
    void floatToHalfRoundsToNearestEven() {
        assertEquals((short) 0x3c00, DTypeConversion.floatToHalf(1.0f));
        // 1 + 2^-11 is half-way between 1 and 1 + 2^-10: ties to even (1.0)
        assertEquals((short) 0x3c00, DTypeConversion.floatToHalf(1f + 0x1p-11f));
        // 1 + 3*2^-11 is half-way between 1+2^-10 (odd) and 1+2^-9 (even): rounds up
        assertEquals((short) 0x3c02, DTypeConversion.floatToHalf(1f + 3 * 0x1p-11f));
        assertEquals((short) 0x3c01, DTypeConversion.floatToHalf(1f + 0x1p-11f + 0x1p-20f));
        assertEquals((short) 0x7bff, DTypeConversion.floatToHalf(65519.99f));
        assertEquals((short) 0x7c00, DTypeConversion.floatToHalf(65520f));
        assertEquals((short) 0xfc00, DTypeConversion.floatToHalf(-1e10f));
        assertEquals((short) 0x0001, DTypeConversion.floatToHalf(0x1p-24f));
        assertEquals((short) 0x0000, DTypeConversion.floatToHalf(0x1p-25f)); // tie to even zero
        assertEquals((short) 0x0001, DTypeConversion.floatToHalf(0x1.8p-25f));
        assertEquals((short) 0x0002, DTypeConversion.floatToHalf(0x1.8p-24f)); // 1.5 ulp -> 2
        assertEquals((short) 0x0400, DTypeConversion.floatToHalf(0x1.ffcp-15f)); // rounds up into the normals
        assertEquals((short) 0x8000, DTypeConversion.floatToHalf(-0f));
        assertEquals((short) 0x7e00, DTypeConversion.floatToHalf(Float.NaN));
    }

    @Test
    void everyHalfRoundTrips() {
        for (int h = 0; h < 0x10000; h++) {
            float f = DTypeConversion.halfToFloat(h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, DTypeConversion.floatToHalf(f), Integer.toHexString(h));
            }
        }
    }

    @Test
    void bf16RoundsToNearestEvenLikeTorch() {
        assertEquals((short) 0x3f80, DTypeConversion.floatToBf16(1f));
        assertEquals((short) 0x3f80, DTypeConversion.floatToBf16(Float.intBitsToFloat(0x3f808000))); // tie -> even
        assertEquals((short) 0x3f82, DTypeConversion.floatToBf16(Float.intBitsToFloat(0x3f818000))); // tie -> even (up)
        assertEquals((short) 0x3f81, DTypeConversion.floatToBf16(Float.intBitsToFloat(0x3f808001)));
        assertEquals((short) 0x7f80, DTypeConversion.floatToBf16(Float.MAX_VALUE)); // overflows to inf
        assertEquals((short) 0x7fc0, DTypeConversion.floatToBf16(Float.intBitsToFloat(0xffc00001)));
        assertEquals(1.0f, DTypeConversion.bf16ToFloat(0x3f80));
    }

    @Test
    void f8Decodes() {
        assertEquals(448f, DTypeConversion.f8e4m3ToFloat(0x7e));
        assertTrue(Float.isNaN(DTypeConversion.f8e4m3ToFloat(0x7f)));
        assertEquals(0x1p-9f, DTypeConversion.f8e4m3ToFloat(0x01));
        assertEquals(-2.5f, DTypeConversion.f8e4m3ToFloat(0xc2));
        assertEquals(57344f, DTypeConversion.f8e5m2ToFloat(0x7b));
        assertEquals(0x1p-16f, DTypeConversion.f8e5m2ToFloat(0x01));
    }

    @Test
    void doubleNarrowingRoundsOnce() {
        // 1 + 2^-11 + 2^-40: a double just above a half tie; via float it would become the tie and round to 1.0
        double d = 1.0 + 0x1p-11 + 0x1p-40;
        assertEquals((short) 0x3c01, DTypeConversion.doubleToHalf(d));
        double e = 1.0 + 0x1p-8 + 0x1p-40; // bf16 analogue
        assertEquals((short) 0x3f81, DTypeConversion.doubleToBf16(e));
        assertEquals((short) 0x3c00, DTypeConversion.doubleToHalf(1.0 + 0x1p-11)); // an exact tie stays even
    }

    @Test
    void unsignedAndEnumNames() {
        assertEquals(0x1p64f, DTypeConversion.unsignedLongToFloat(-1L));
        assertEquals(0x1p63f, DTypeConversion.unsignedLongToFloat(Long.MIN_VALUE));
        assertEquals(DType.BF16, DType.fromSafetensorsName("BF16"));
        assertEquals("F8_E4M3", DType.F8_E4M3.safetensorsName());
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> DType.fromSafetensorsName("Q4"));
        assertTrue(e.getMessage().contains("'Q4'"));
        assertEquals(2, DType.BF16.byteSize());
        assertEquals(8, DType.I64.byteSize());
    }
}
