package io.dpt4j.core.processing;

/** Array lengths computed without int overflow: a hostile size fails with a message instead of a negative length. */
final class ArraySizes {
    /** The largest array length the JVM reliably allocates. */
    static final long MAX_ARRAY_LENGTH = Integer.MAX_VALUE - 8;

    private ArraySizes() {}

    /**
     * The product of {@code dims} as an array length.
     *
     * @param what what the array holds, for the message (e.g. "a 27000x27000 RGB image")
     * @throws IllegalArgumentException when the product is negative or exceeds {@link #MAX_ARRAY_LENGTH}
     */
    static int of(String what, int... dims) {
        long n = 1;
        try {
            for (int d : dims) {
                if (d < 0) {
                    throw new IllegalArgumentException(what + ": negative dimension " + d);
                }
                n = Math.multiplyExact(n, d);
            }
        } catch (ArithmeticException e) {
            n = Long.MAX_VALUE;
        }
        if (n > MAX_ARRAY_LENGTH) {
            throw new IllegalArgumentException(what + " needs " + (n == Long.MAX_VALUE ? "more than 2^63" : String.valueOf(n))
                    + " array elements, over the Java array limit of " + MAX_ARRAY_LENGTH);
        }
        return (int) n;
    }
}
