package io.dpt4j.spark;

import io.dpt4j.core.pipelines.DepthEstimationPipeline;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import io.dpt4j.core.processing.FloatTensor;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.apache.spark.ml.param.Param;
import org.apache.spark.ml.param.ParamValidators;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Depth estimation as a Spark ML transformer: encoded images in (Spark's {@code binaryFile} source gives
 * them in {@code content}), per row the predicted depth at the photo's size, exactly what
 * {@link DepthEstimationPipeline} gives on one machine.
 *
 * <pre>{@code
 * Dataset<Row> images = spark.read().format("binaryFile").load("s3a://bucket/photos/");
 * Dataset<Row> depth = new DepthEstimator().setModel("Intel/dpt-large").transform(images);
 * }</pre>
 *
 * <p>Output column {@code <outputCol>} (default {@code depth}): {@code struct<height int, width int,
 * depth array<float>>}, row-major [height, width]; with {@code setDepthFormat("png16")} instead
 * {@code struct<height int, width int, png binary, depth_min float, depth_max float>}, a 16-bit grayscale
 * PNG of {@code (depth - depth_min) / (depth_max - depth_min) * 65535} (float32, truncated; a constant map
 * is all 0), so that {@code depth ~ depth_min + v / 65535 * (depth_max - depth_min)}. A row whose image
 * cannot be decoded or run gets a null struct and its reason in {@code <outputCol>_error}.
 */
public final class DepthEstimator extends DptTransformer<DepthEstimator> {
    private static final long serialVersionUID = 1L;

    /** The float array (default). */
    public static final String FLOAT = "float";
    /** 16-bit grayscale PNG bytes with the min and max that map back to depth. */
    public static final String PNG16 = "png16";

    private final Param<String> depthFormat;

    public DepthEstimator() {
        this(randomUid("depthEstimator"));
    }

    public DepthEstimator(String uid) {
        super(uid, "depth");
        depthFormat = new Param<>(this, "depthFormat", "float (array<float>) or png16 (16-bit PNG bytes)",
                ParamValidators.inArray(new String[] {FLOAT, PNG16}));
        setDefault(depthFormat, FLOAT);
    }

    public static MLReader<DepthEstimator> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a stage saved with {@code write().save(path)} (the token is not saved: set it again if needed). */
    public static DepthEstimator load(String path) {
        return read().load(path);
    }

    public Param<String> depthFormat() {
        return depthFormat;
    }

    /** {@code float} (default) or {@code png16}. */
    public DepthEstimator setDepthFormat(String value) {
        set(depthFormat, value);
        return this;
    }

    public String getDepthFormat() {
        return getOrDefault(depthFormat);
    }

    @Override
    String task() {
        return "depth-estimation";
    }

    @Override
    StructType resultType() {
        StructType t = new StructType().add("height", DataTypes.IntegerType, false).add("width", DataTypes.IntegerType, false);
        if (PNG16.equals(getDepthFormat())) {
            return t.add("png", DataTypes.BinaryType, false)
                    .add("depth_min", DataTypes.FloatType, false)
                    .add("depth_max", DataTypes.FloatType, false);
        }
        return t.add("depth", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    }

    @Override
    PartitionRunner<?> runner(ModelSpec spec, int inputIndex, int pathIndex, int batchSize) {
        return new Runner(spec, inputIndex, pathIndex, batchSize, PNG16.equals(getDepthFormat()));
    }

    /** The executor side. */
    static final class Runner extends PartitionRunner<DepthEstimationPipeline> {
        private static final long serialVersionUID = 1L;
        private final boolean png16;

        Runner(ModelSpec spec, int inputIndex, int pathIndex, int batchSize, boolean png16) {
            super(spec, inputIndex, pathIndex, batchSize);
            this.png16 = png16;
        }

        @Override
        DepthEstimationPipeline load(ModelSpec spec) throws IOException {
            return DepthEstimationPipeline.fromPretrained(spec.resolvedModel(), spec.loadOptions());
        }

        @Override
        void predict(DepthEstimationPipeline p, List<byte[]> images, Object[] results, String[] errors) {
            try {
                p.predict(images, (i, r) -> results[i] = toStruct(r), (i, e) -> errors[i] = oneLine(e));
            } catch (IOException e) {
                // Not reached: with an error handler the pipeline reports each image's failure there.
                throw new UncheckedIOException(e);
            }
        }

        private Object toStruct(DepthEstimationResult r) {
            FloatTensor d = r.predictedDepth();
            if (!png16) {
                return RowFactory.create(r.height(), r.width(), d.data());
            }
            DepthPng16 png = DepthPng16.encode(d.data(), r.width(), r.height());
            return RowFactory.create(r.height(), r.width(), png.bytes(), png.min(), png.max());
        }
    }
}
