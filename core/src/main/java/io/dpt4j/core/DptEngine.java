package io.dpt4j.core;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;
import ai.djl.pytorch.jni.JniUtils;

/**
 * The DJL PyTorch engine, started offline: the natives come from the {@code pytorch-native-cpu} jar on
 * the class path, never from a download.
 */
public final class DptEngine {
    public static final String ENGINE = "PyTorch";

    private DptEngine() {}

    public static synchronized Engine get() {
        if (System.getProperty(CoreConstants.PROP_DJL_OFFLINE) == null) {
            System.setProperty(CoreConstants.PROP_DJL_OFFLINE, "true");
        }
        try {
            return Engine.getEngine(ENGINE);
        } catch (EngineException | IllegalArgumentException e) {
            throw new IllegalStateException("DJL's PyTorch engine could not start: " + e.getMessage()
                    + ". The natives come from ai.djl.pytorch:pytorch-native-cpu (classifier linux-x86_64) on the class path; "
                    + "check that it is there and matches pytorch-jni.", e);
        }
    }

    /** A new root manager on the PyTorch engine (close it to free everything created on it). */
    public static NDManager newManager() {
        return get().newBaseManager();
    }

    private static volatile int threads = Runtime.getRuntime().availableProcessors();

    /** Sets the intra-op thread count of libtorch and of ONNX Runtime sessions (0 or less: all cores). */
    public static void setNumThreads(int n) {
        get();
        if (n > 0) {
            JniUtils.setNumThreads(n);
            threads = n;
        }
    }

    /** The intra-op thread count in use. */
    public static int numThreads() {
        return threads;
    }
}
