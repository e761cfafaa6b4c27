package io.dpt4j.spark;

import io.dpt4j.core.DptEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * The executor side of a transformer: runs one partition's rows through the executor's shared pipeline,
 * {@code batchSize} rows at a time, and appends the result struct and the error string to each row. A
 * row whose image fails (undecodable bytes, null content, a model error on that image) gets a null
 * result and its error; the task goes on.
 *
 * <p>Serialised into the task closure: it holds the model's name and options, never its weights.
 *
 * @param <P> the pipeline type
 */
abstract class PartitionRunner<P extends AutoCloseable> implements MapPartitionsFunction<Row, Row> {
    private static final long serialVersionUID = 1L;

    final ModelSpec spec;
    private final int inputIndex;
    /** Index of a string {@code path} column (the binaryFile source's), named in error messages; -1 if none. */
    private final int pathIndex;
    private final int batchSize;

    PartitionRunner(ModelSpec spec, int inputIndex, int pathIndex, int batchSize) {
        this.spec = spec;
        this.inputIndex = inputIndex;
        this.pathIndex = pathIndex;
        this.batchSize = batchSize;
    }

    /** Loads the pipeline on this executor (called once per JVM for a spec). */
    abstract P load(ModelSpec spec) throws IOException;

    /**
     * Runs a batch of encoded images: fills {@code results[i]} (the result struct) or {@code errors[i]}
     * (one line) for every i.
     */
    abstract void predict(P pipeline, List<byte[]> images, Object[] results, String[] errors);

    @Override
    public Iterator<Row> call(Iterator<Row> rows) {
        TaskContext task = TaskContext.get();
        if (task != null) {
            // Intra-op threads follow the task's CPUs (spark.task.cpus): each concurrent task runs its
            // forward passes on its own cores.
            DptEngine.setNumThreads(task.cpus());
        }
        return new Iterator<>() {
            private final List<Row> out = new ArrayList<>();
            private int next;
            private ExecutorPipelines.Entry<P> entry;

            @Override
            public boolean hasNext() {
                if (next < out.size()) {
                    return true;
                }
                out.clear();
                next = 0;
                if (!rows.hasNext()) {
                    return false;
                }
                List<Row> batch = new ArrayList<>(batchSize);
                while (batch.size() < batchSize && rows.hasNext()) {
                    batch.add(rows.next());
                }
                if (entry == null) {
                    try {
                        entry = ExecutorPipelines.acquire(spec, PartitionRunner.this::load);
                    } catch (IOException e) {
                        throw new UncheckedIOException("cannot load " + spec + ": " + e.getMessage(), e);
                    }
                }
                out.addAll(run(entry, batch));
                return true;
            }

            @Override
            public Row next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                return out.get(next++);
            }
        };
    }

    private List<Row> run(ExecutorPipelines.Entry<P> entry, List<Row> batch) {
        int n = batch.size();
        Object[] results = new Object[n];
        String[] errors = new String[n];
        List<Integer> present = new ArrayList<>(n);
        List<byte[]> images = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Row r = batch.get(i);
            if (r.isNullAt(inputIndex)) {
                errors[i] = "no image bytes (the input column is null)";
            } else {
                present.add(i);
                images.add((byte[]) r.get(inputIndex));
            }
        }
        if (!images.isEmpty()) {
            Object[] res = new Object[images.size()];
            String[] err = new String[images.size()];
            entry.use(p -> predict(p, images, res, err));
            for (int j = 0; j < res.length; j++) {
                results[present.get(j)] = res[j];
                errors[present.get(j)] = err[j];
            }
        }
        List<Row> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            Row r = batch.get(i);
            Object[] values = new Object[r.length() + 2];
            for (int c = 0; c < r.length(); c++) {
                values[c] = r.get(c);
            }
            values[r.length()] = results[i];
            values[r.length() + 1] = errors[i] == null ? null : withPath(r, errors[i]);
            out.add(RowFactory.create(values));
        }
        return out;
    }

    private String withPath(Row r, String error) {
        return pathIndex < 0 || r.isNullAt(pathIndex) ? error : r.getString(pathIndex) + ": " + error;
    }

    /** An exception as one line (the error column holds no stack traces). */
    static String oneLine(Exception e) {
        String m = e.getMessage();
        if (m == null || m.isBlank()) {
            m = e.getClass().getSimpleName();
        }
        return m.replace('\n', ' ').replace('\r', ' ');
    }
}
