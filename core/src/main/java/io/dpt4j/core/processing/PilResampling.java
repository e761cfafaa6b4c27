package io.dpt4j.core.processing;

/**
 * Pillow's resampling filters ({@code PIL.Image.Resampling}), with the integer ids that
 * {@code preprocessor_config.json} stores under {@code "resample"}.
 *
 * <p>The filter kernels and supports are those of Pillow 9.4 {@code libImaging/Resample.c}; see
 * {@link PilResize} for how they are applied.
 */
public enum PilResampling {
    /** id 0: nearest neighbour (Pillow's affine scale path, not a convolution). */
    NEAREST(0, 0.0),
    /** id 1: Lanczos-3 (windowed sinc), support 3. */
    LANCZOS(1, 3.0),
    /** id 2: bilinear (triangle), support 1. */
    BILINEAR(2, 1.0),
    /** id 3: bicubic with a = -0.5, support 2. */
    BICUBIC(3, 2.0),
    /** id 4: box, support 0.5. */
    BOX(4, 0.5),
    /** id 5: Hamming-windowed sinc, support 1. */
    HAMMING(5, 1.0);

    private final int id;
    private final double support;

    PilResampling(int id, double support) {
        this.id = id;
        this.support = support;
    }

    /** The integer Pillow (and {@code preprocessor_config.json}) uses for this filter. */
    public int id() {
        return id;
    }

    /** Half-width of the kernel at scale 1 (Pillow's {@code filter->support}). */
    public double support() {
        return support;
    }

    /**
     * The filter for a Pillow resample id.
     *
     * @throws IllegalArgumentException for ids outside 0..5, naming the valid ones
     */
    public static PilResampling fromId(int id) {
        for (PilResampling r : values()) {
            if (r.id == id) {
                return r;
            }
        }
        throw new IllegalArgumentException("unknown resample id " + id
                + "; expected 0 NEAREST, 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX or 5 HAMMING");
    }

    /**
     * Evaluates the kernel at {@code x} exactly as Pillow's C code does (double precision, same
     * operation order; HAMMING keeps the float32 constants 0.54f/0.46f widened to double).
     * {@link StrictMath} keeps the sin/cos results platform independent.
     */
    double weight(double x) {
        switch (this) {
            case BOX:
                return (x > -0.5 && x <= 0.5) ? 1.0 : 0.0;
            case BILINEAR: {
                double a = x < 0.0 ? -x : x;
                return a < 1.0 ? 1.0 - a : 0.0;
            }
            case HAMMING: {
                double a = x < 0.0 ? -x : x;
                if (a == 0.0) {
                    return 1.0;
                }
                if (a >= 1.0) {
                    return 0.0;
                }
                a = a * Math.PI;
                return StrictMath.sin(a) / a * ((double) 0.54f + (double) 0.46f * StrictMath.cos(a));
            }
            case BICUBIC: {
                final double aa = -0.5;
                double a = x < 0.0 ? -x : x;
                if (a < 1.0) {
                    return ((aa + 2.0) * a - (aa + 3.0)) * a * a + 1;
                }
                if (a < 2.0) {
                    return (((a - 5) * a + 8) * a - 4) * aa;
                }
                return 0.0;
            }
            case LANCZOS:
                if (-3.0 <= x && x < 3.0) {
                    return sinc(x) * sinc(x / 3);
                }
                return 0.0;
            default:
                throw new IllegalStateException("NEAREST has no convolution kernel");
        }
    }

    private static double sinc(double x) {
        if (x == 0.0) {
            return 1.0;
        }
        x = x * Math.PI;
        return StrictMath.sin(x) / x;
    }
}
