package io.dpt4j.spark;

import io.dpt4j.core.pipelines.ImageSegmentationPipeline;
import io.dpt4j.core.pipelines.Segment;
import io.dpt4j.core.pipelines.SegmentationResult;
import java.io.IOException;
import java.util.List;
import org.apache.spark.ml.util.DefaultParamsReader;
import org.apache.spark.ml.util.MLReader;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * Semantic segmentation as a Spark ML transformer: encoded images in, per row the class of every pixel
 * at the photo's size (the label map of {@code ./dpt segment}) and the classes present, exactly what
 * {@link ImageSegmentationPipeline} gives on one machine.
 *
 * <p>Output column {@code <outputCol>} (default {@code segmentation}): {@code struct<height int, width
 * int, labels array<int>, segments array<struct<label string, id int, pixel_share double>>>}, labels
 * row-major [height, width], segments by ascending class id. A row whose image cannot be decoded or run
 * gets a null struct and its reason in {@code <outputCol>_error}.
 */
public final class SemanticSegmenter extends DptTransformer<SemanticSegmenter> {
    private static final long serialVersionUID = 1L;

    static final StructType SEGMENT = new StructType()
            .add("label", DataTypes.StringType, false)
            .add("id", DataTypes.IntegerType, false)
            .add("pixel_share", DataTypes.DoubleType, false);

    public SemanticSegmenter() {
        this(randomUid("semanticSegmenter"));
    }

    public SemanticSegmenter(String uid) {
        super(uid, "segmentation");
    }

    public static MLReader<SemanticSegmenter> read() {
        return new DefaultParamsReader<>();
    }

    /** Loads a stage saved with {@code write().save(path)} (the token is not saved: set it again if needed). */
    public static SemanticSegmenter load(String path) {
        return read().load(path);
    }

    @Override
    String task() {
        return "image-segmentation";
    }

    @Override
    StructType resultType() {
        return new StructType()
                .add("height", DataTypes.IntegerType, false)
                .add("width", DataTypes.IntegerType, false)
                .add("labels", DataTypes.createArrayType(DataTypes.IntegerType, false), false)
                .add("segments", DataTypes.createArrayType(SEGMENT, false), false);
    }

    @Override
    PartitionRunner<?> runner(ModelSpec spec, int inputIndex, int pathIndex, int batchSize) {
        return new Runner(spec, inputIndex, pathIndex, batchSize);
    }

    /** The executor side. */
    static final class Runner extends PartitionRunner<ImageSegmentationPipeline> {
        private static final long serialVersionUID = 1L;

        Runner(ModelSpec spec, int inputIndex, int pathIndex, int batchSize) {
            super(spec, inputIndex, pathIndex, batchSize);
        }

        @Override
        ImageSegmentationPipeline load(ModelSpec spec) throws IOException {
            return ImageSegmentationPipeline.fromPretrained(spec.resolvedModel(), spec.loadOptions());
        }

        @Override
        void predict(ImageSegmentationPipeline p, List<byte[]> images, Object[] results, String[] errors) {
            for (int i = 0; i < images.size(); i++) {
                try {
                    results[i] = toStruct(p.predict(images.get(i)));
                } catch (IOException | RuntimeException e) {
                    errors[i] = oneLine(e);
                }
            }
        }

        private static Row toStruct(SegmentationResult r) {
            long[] map = r.labelMap();
            int[] labels = new int[map.length];
            for (int i = 0; i < map.length; i++) {
                labels[i] = (int) map[i];
            }
            List<Segment> s = r.segments();
            Row[] segments = new Row[s.size()];
            for (int i = 0; i < segments.length; i++) {
                segments[i] = RowFactory.create(s.get(i).label(), s.get(i).labelId(), s.get(i).pixelShare());
            }
            return RowFactory.create(r.height(), r.width(), labels, segments);
        }
    }
}
