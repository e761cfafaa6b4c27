package io.dpt4j.spark;

import java.util.Arrays;
import java.util.UUID;
import org.apache.spark.ml.Transformer;
import org.apache.spark.ml.param.IntParam;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsWritable;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * What {@link DepthEstimator} and {@link SemanticSegmenter} share: the model and its options, the input
 * column of encoded image bytes (by default {@code content}, the column of Spark's {@code binaryFile}
 * source), the output struct column and its {@code <outputCol>_error} string column.
 *
 * <p>Every option but the token is a Spark ML param, saved with the stage. The token is held in a
 * transient field: it goes to the executors with the task (to download a gated model), but is never
 * written by {@code save}, shown by {@code explainParams} or printed.
 *
 * @param <T> the concrete transformer (for fluent setters)
 */
public abstract class DptTransformer<T extends DptTransformer<T>> extends Transformer implements DefaultParamsWritable {
    private static final long serialVersionUID = 1L;

    private final String uid;
    private final Param<String> model;
    private final Param<String> engine;
    private final Param<String> dtype;
    private final IntParam batchSize;
    private final Param<String> inputCol;
    private final Param<String> outputCol;
    private final Param<String> revision;
    private final Param<String> cacheDir;
    private transient String token;

    protected DptTransformer(String uid, String defaultOutputCol) {
        this.uid = uid;
        model = new Param<>(this, "model", "hub id or model directory readable by every executor "
                + "(or sparkfiles:NAME for a directory added with SparkContext.addFile(dir, true))");
        engine = new Param<>(this, "engine", "auto, pytorch or onnxruntime (unset: the pipelines' own choice)");
        dtype = new Param<>(this, "dtype", "compute dtype: f32 (default), int8 or int8-conv (both on ONNX Runtime)");
        batchSize = new IntParam(this, "batchSize", "rows handed to the pipeline together (>= 1); the next "
                + "image is decoded while the model runs on the current one", ParamValidators.gtEq(1));
        inputCol = new Param<>(this, "inputCol", "column of encoded image bytes (binary)");
        outputCol = new Param<>(this, "outputCol", "result struct column; errors go to <outputCol>_error");
        revision = new Param<>(this, "revision", "hub revision (branch, tag or commit) of a hub id");
        cacheDir = new Param<>(this, "cacheDir", "Hugging Face cache directory on the executors");
        setDefault(dtype, "f32");
        setDefault(batchSize, 8);
        setDefault(inputCol, "content");
        setDefault(outputCol, defaultOutputCol);
    }

    static String randomUid(String prefix) {
        String u = UUID.randomUUID().toString();
        return prefix + "_" + u.substring(u.length() - 12);
    }

    @SuppressWarnings("unchecked")
    private T self() {
        return (T) this;
    }

    @Override
    public String uid() {
        return uid;
    }

    public Param<String> model() {
        return model;
    }

    public Param<String> engine() {
        return engine;
    }

    public Param<String> dtype() {
        return dtype;
    }

    public IntParam batchSize() {
        return batchSize;
    }

    public Param<String> inputCol() {
        return inputCol;
    }

    public Param<String> outputCol() {
        return outputCol;
    }

    public Param<String> revision() {
        return revision;
    }

    public Param<String> cacheDir() {
        return cacheDir;
    }

    /** A hub id (e.g. {@code Intel/dpt-large}), a directory every executor can read, or {@code sparkfiles:NAME}. */
    public T setModel(String value) {
        set(model, value);
        return self();
    }

    /** {@code auto}, {@code pytorch} or {@code onnxruntime}, parsed by the library ({@code ExecutionEngine.parse}). */
    public T setEngine(String value) {
        ModelSpec.engine(value);
        set(engine, value);
        return self();
    }

    /** The dtype the model runs in, by the library's dtype names; {@code f32} (the default) today. */
    public T setDtype(String value) {
        ModelSpec.checkDtype(value);
        set(dtype, value);
        return self();
    }

    public T setBatchSize(int value) {
        set(batchSize, value);
        return self();
    }

    public T setInputCol(String value) {
        set(inputCol, value);
        return self();
    }

    public T setOutputCol(String value) {
        set(outputCol, value);
        return self();
    }

    public T setRevision(String value) {
        set(revision, value);
        return self();
    }

    /** The Hugging Face cache directory on the executors (default: HF_HUB_CACHE / HF_HOME / ~/.cache/huggingface/hub). */
    public T setCacheDir(String value) {
        set(cacheDir, value);
        return self();
    }

    /**
     * A Hugging Face token for gated or private models. Not a param: never saved with the stage nor
     * printed. On a cluster, {@code spark.executorEnv.HF_TOKEN} is an alternative.
     */
    public T setToken(String value) {
        this.token = value;
        return self();
    }

    public String getModel() {
        return getOrDefault(model);
    }

    /** The engine set, or null when the pipelines choose. */
    public String getEngine() {
        return isDefined(engine) ? getOrDefault(engine) : null;
    }

    public String getDtype() {
        return getOrDefault(dtype);
    }

    public int getBatchSize() {
        return (Integer) getOrDefault(batchSize);
    }

    public String getInputCol() {
        return getOrDefault(inputCol);
    }

    public String getOutputCol() {
        return getOrDefault(outputCol);
    }

    public String getRevision() {
        return isDefined(revision) ? getOrDefault(revision) : null;
    }

    public String getCacheDir() {
        return isDefined(cacheDir) ? getOrDefault(cacheDir) : null;
    }

    /** The error column: {@code <outputCol>_error}. */
    public String getErrorCol() {
        return getOutputCol() + "_error";
    }

    /** "depth-estimation" or "image-segmentation": part of the executor pipelines' key. */
    abstract String task();

    /** The type of the result struct column. */
    abstract StructType resultType();

    /** The executor-side function over one partition. */
    abstract PartitionRunner<?> runner(ModelSpec spec, int inputIndex, int pathIndex, int batchSize);

    ModelSpec spec() {
        String m = isDefined(model) ? getOrDefault(model) : null;
        ModelSpec s = new ModelSpec(task(), m, getEngine(), getDtype(), getRevision(), getCacheDir(), token);
        s.validate();
        return s;
    }

    @Override
    public StructType transformSchema(StructType schema) {
        spec();
        String in = getInputCol();
        if (!Arrays.asList(schema.fieldNames()).contains(in)) {
            throw new IllegalArgumentException("input column '" + in + "' is not in the data (columns: "
                    + String.join(", ", schema.fieldNames()) + "); read images with spark.read().format(\"binaryFile\")");
        }
        DataType t = schema.apply(in).dataType();
        if (!t.equals(DataTypes.BinaryType)) {
            throw new IllegalArgumentException("input column '" + in + "' is " + t.simpleString()
                    + "; expected binary (encoded image file bytes)");
        }
        for (String out : new String[] {getOutputCol(), getErrorCol()}) {
            if (Arrays.asList(schema.fieldNames()).contains(out)) {
                throw new IllegalArgumentException("output column '" + out + "' already exists; choose another with setOutputCol");
            }
        }
        return schema.add(new StructField(getOutputCol(), resultType(), true, Metadata.empty()))
                .add(new StructField(getErrorCol(), DataTypes.StringType, true, Metadata.empty()));
    }

    @Override
    public Dataset<Row> transform(Dataset<?> dataset) {
        StructType in = dataset.schema();
        StructType out = transformSchema(in);
        int inputIndex = in.fieldIndex(getInputCol());
        int pathIndex = Arrays.asList(in.fieldNames()).contains("path") && in.apply("path").dataType().equals(DataTypes.StringType)
                ? in.fieldIndex("path") : -1;
        PartitionRunner<?> f = runner(spec(), inputIndex, pathIndex, getBatchSize());
        return dataset.toDF().mapPartitions(f, Encoders.row(out));
    }

    /** A copy with the same params (and {@code extra}) and the same token. */
    @Override
    public T copy(ParamMap extra) {
        T c = defaultCopy(extra);
        ((DptTransformer<?>) c).token = token;
        return c;
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + "(uid=" + uid + (isDefined(model) ? ", model=" + getOrDefault(model) : "") + ")";
    }
}
