package io.dpt4j.spark;

import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.LoadOptions;
import java.io.Serializable;
import java.nio.file.Path;
import java.util.Objects;
import org.apache.spark.SparkFiles;

/**
 * Which model a transformer runs, as shipped to the executors inside the task closure: names and
 * options only, never model bytes (each executor loads the model itself, once). The token travels with
 * the closure but is no part of the spec's identity or of its {@code toString}.
 */
final class ModelSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    /** A model value with this prefix names a directory added with {@code SparkContext.addFile(dir, true)}. */
    static final String SPARK_FILES = "sparkfiles:";

    final String task;
    final String model;
    /** null: the pipelines' own engine policy (as {@code ./dpt depth} without {@code --engine}). */
    final String engine;
    final String dtype;
    final String revision;
    final String cacheDir;
    private final String token;

    ModelSpec(String task, String model, String engine, String dtype, String revision, String cacheDir, String token) {
        this.task = task;
        this.model = model;
        this.engine = engine;
        this.dtype = dtype;
        this.revision = revision;
        this.cacheDir = cacheDir;
        this.token = token;
    }

    /**
     * Checks the engine and dtype with the library's own parsing; one line naming the value otherwise.
     *
     * @throws IllegalArgumentException naming the parameter and the value
     */
    void validate() {
        if (model == null || model.isBlank()) {
            throw new IllegalArgumentException("model is not set: call setModel with a hub id or a directory every executor can read");
        }
        if (engine != null) {
            engine(engine);
        }
        checkDtype(dtype);
    }

    static ExecutionEngine engine(String engine) {
        try {
            return ExecutionEngine.parse(engine);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("engine: " + e.getMessage(), e);
        }
    }

    /** The dtype through the library's own names ({@code f32}, {@code float32}, {@code int8}, ...). */
    static void checkDtype(String dtype) {
        try {
            InferenceDtype.parse(dtype);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("dtype: " + e.getMessage(), e);
        }
    }

    /** The library's load options for this spec (engine null leaves the choice to the pipeline). */
    LoadOptions loadOptions() {
        LoadOptions o = LoadOptions.defaults().revision(revision).token(token).engine(engine == null ? null : engine(engine))
                .dtype(InferenceDtype.parse(dtype));
        return cacheDir == null ? o : o.cacheDir(Path.of(cacheDir));
    }

    /** The model argument of {@code fromPretrained} on this JVM: a {@code sparkfiles:} name is looked up here. */
    String resolvedModel() {
        return model.startsWith(SPARK_FILES) ? SparkFiles.get(model.substring(SPARK_FILES.length())) : model;
    }

    /** What identifies one loaded pipeline in an executor: everything but the token. */
    String key() {
        return task + "|" + model + "|" + (engine == null ? "default" : engine(engine).name()) + "|"
                + InferenceDtype.parse(dtype).shortName() + "|" + revision + "|" + cacheDir;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ModelSpec && ((ModelSpec) o).key().equals(key());
    }

    @Override
    public int hashCode() {
        return Objects.hash(key());
    }

    @Override
    public String toString() {
        return task + "(" + model + ", engine " + (engine == null ? "default" : engine) + ", dtype " + dtype
                + (revision == null ? "" : ", revision " + revision) + ")";
    }
}
