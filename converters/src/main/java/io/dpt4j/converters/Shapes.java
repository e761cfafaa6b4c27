package io.dpt4j.converters;

/** Small pure helpers on shapes. */
final class Shapes {
    private Shapes() {}

    /**
     * Element count of a shape with overflow checking.
     *
     * @throws ArithmeticException on overflow
     * @throws IllegalArgumentException on a negative dimension
     */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension " + d);
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }
}
