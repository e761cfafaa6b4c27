package io.dpt4j.core.nn;

/**
 * Counts multiply-add FLOPs (2 per MAC) of the matmul-class ops that go through {@link F} while
 * enabled on the current thread. Used by the benchmark to report achieved GFLOP/s; off by default.
 */
public final class FlopCounter {
    private static final ThreadLocal<long[]> COUNT = new ThreadLocal<>();

    private FlopCounter() {}

    public static void start() {
        COUNT.set(new long[1]);
    }

    /** Stops counting and returns the FLOPs counted since {@link #start()}. */
    public static long stop() {
        long[] c = COUNT.get();
        COUNT.remove();
        return c == null ? 0 : c[0];
    }

    static void add(long flops) {
        long[] c = COUNT.get();
        if (c != null) {
            c[0] += flops;
        }
    }

    static boolean active() {
        return COUNT.get() != null;
    }
}
