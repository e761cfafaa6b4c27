package io.dpt4j.spark;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * The pipelines of one executor JVM: one per (task, model, engine, dtype, revision, cache dir), loaded by
 * the first task that needs it, shared by every later task of that JVM, and closed when the JVM shuts
 * down. DJL's Spark extension instead loads the model per partition and never closes it (djl#3079).
 *
 * <p>Tasks call a pipeline concurrently: the models' forward passes keep their scratch tensors per call
 * and their caches are concurrent maps, and ONNX Runtime sessions allow concurrent runs. Closing waits for
 * running calls (a read-write lock), so a shutdown never frees weights under a forward pass.
 */
public final class ExecutorPipelines {
    private ExecutorPipelines() {}

    /** Loads the pipeline of a spec on this JVM. */
    interface Loader<P extends AutoCloseable> {
        P load(ModelSpec spec) throws IOException;
    }

    /** Work done with a pipeline while it is guaranteed open. */
    interface Call<P> {
        void run(P pipeline);
    }

    /** One loaded pipeline and the locks of its use. */
    static final class Entry<P extends AutoCloseable> {
        private final P pipeline;
        private final String description;
        private final ReentrantReadWriteLock open = new ReentrantReadWriteLock();
        private boolean closed;

        Entry(P pipeline, String description) {
            this.pipeline = pipeline;
            this.description = description;
        }

        void use(Call<P> call) {
            open.readLock().lock();
            try {
                if (closed) {
                    throw new IllegalStateException(description + " was closed (the executor is shutting down)");
                }
                // Concurrent calls are safe on both engines: each pass has its own scratch memory, and
                // ONNX Runtime runs one session (every input size) concurrently.
                call.run(pipeline);
            } finally {
                open.readLock().unlock();
            }
        }

        /** Closes the pipeline once running calls end (waiting at most {@code waitMillis}); false if they did not. */
        boolean close(long waitMillis) {
            try {
                if (!open.writeLock().tryLock(waitMillis, TimeUnit.MILLISECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
            try {
                if (!closed) {
                    closed = true;
                    pipeline.close();
                }
                return true;
            } catch (Exception e) {
                return false;
            } finally {
                open.writeLock().unlock();
            }
        }
    }

    private static final Map<String, Entry<?>> ENTRIES = new ConcurrentHashMap<>();
    private static final Map<String, Object> LOAD_LOCKS = new ConcurrentHashMap<>();
    private static final Map<String, AtomicInteger> LOADS = new ConcurrentHashMap<>();
    private static final AtomicInteger HOOKS = new AtomicInteger();

    /**
     * The pipeline of {@code spec} on this JVM, loaded on first use. Concurrent first uses load it once:
     * the others wait for it.
     */
    @SuppressWarnings("unchecked")
    static <P extends AutoCloseable> Entry<P> acquire(ModelSpec spec, Loader<P> loader)
            throws IOException {
        String key = spec.key();
        Entry<P> e = (Entry<P>) ENTRIES.get(key);
        if (e != null) {
            return e;
        }
        synchronized (LOAD_LOCKS.computeIfAbsent(key, k -> new Object())) {
            e = (Entry<P>) ENTRIES.get(key);
            if (e == null) {
                P p = loader.load(spec);
                LOADS.computeIfAbsent(key, k -> new AtomicInteger()).incrementAndGet();
                e = new Entry<>(p, spec.toString());
                ENTRIES.put(key, e);
                if (HOOKS.getAndIncrement() == 0) {
                    Runtime.getRuntime().addShutdownHook(new Thread(() -> closeAll(SHUTDOWN_WAIT_MILLIS), "dpt4j-spark-close"));
                }
            }
            return e;
        }
    }

    /**
     * How long the shutdown hook waits for running calls before leaving a pipeline to the process's exit.
     * A JVM that exits while a task is inside ONNX Runtime may crash in the library's exit-time cleanup
     * (seen when killing a local-mode job mid-pass), so the wait covers a slow pass.
     */
    static final long SHUTDOWN_WAIT_MILLIS = 30_000;

    /** How many times this JVM loaded the pipeline of {@code spec} (a test hook: once per executor). */
    static int loadCount(ModelSpec spec) {
        AtomicInteger n = LOADS.get(spec.key());
        return n == null ? 0 : n.get();
    }

    /**
     * Closes every pipeline this JVM holds (running calls finish first). Later tasks load them again.
     * For local-mode applications that want the memory back; executors close theirs at shutdown.
     */
    public static void closeAll() {
        closeAll(Long.MAX_VALUE);
    }

    private static void closeAll(long waitMillis) {
        List<String> keys = new ArrayList<>(ENTRIES.keySet());
        for (String k : keys) {
            synchronized (LOAD_LOCKS.computeIfAbsent(k, x -> new Object())) {
                Entry<?> e = ENTRIES.remove(k);
                if (e != null) {
                    e.close(waitMillis);
                }
            }
        }
    }
}
