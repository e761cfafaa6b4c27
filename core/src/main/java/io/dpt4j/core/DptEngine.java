package io.dpt4j.core;

import ai.djl.engine.Engine;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDManager;

/**
 * The DJL PyTorch engine, started offline: the natives come from the {@code pytorch-native-cpu} jar on
 * the class path, never from a download.
 */
public final class DptEngine {
    public static final String ENGINE = "PyTorch";

    private DptEngine() {}

    public static synchronized Engine get() {
        if (System.getProperty("ai.djl.offline") == null) {
            System.setProperty("ai.djl.offline", "true");
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

    /** Sets libtorch's intra-op thread count (0 or less leaves the default). */
    public static void setNumThreads(int threads) {
        get();
        if (threads > 0) {
            ai.djl.pytorch.jni.JniUtils.setNumThreads(threads);
        }
    }
}
