package io.dpt4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpt4j.core.DptEngine;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.pipelines.DepthEstimationPipeline;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import io.dpt4j.core.pipelines.ImageSegmentationPipeline;
import io.dpt4j.core.pipelines.Segment;
import io.dpt4j.core.pipelines.SegmentationResult;
import java.awt.image.BufferedImage;
import java.awt.image.DataBufferUShort;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.param.ParamMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The transformers in local[2] (two concurrent tasks sharing one pipeline) against the single-machine
 * pipelines, on the tiny models shipped in examples/models.
 */
class SparkTransformersTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path DEPTH = ROOT.resolve("examples/models/tiny-dpt-depth");
    static final Path SEG = ROOT.resolve("examples/models/tiny-dpt-segmentation");
    static final String TOKEN = "hf_NotARealTokenButSecret42";

    @TempDir
    static Path tmp;
    static Path images;
    static SparkSession spark;

    @BeforeAll
    static void start() throws IOException {
        images = tmp.resolve("images");
        Files.createDirectories(images);
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/images"))) {
            for (Path p : s.collect(Collectors.toList())) {
                Files.copy(p, images.resolve(p.getFileName()));
            }
        }
        Files.copy(ROOT.resolve("examples/data/chelsea.png"), images.resolve("chelsea.png"));
        spark = SparkSession.builder().master("local[2]").appName("dpt4j-spark-test")
                .config("spark.ui.enabled", "false")
                // Loopback only: no dependence on the machine's host name or network.
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "localhost")
                .config("spark.sql.shuffle.partitions", "2")
                // Small files are not packed into one partition: the tests' photos make two or more
                // partitions, run by two concurrent tasks on one shared pipeline.
                .config("spark.sql.files.openCostInBytes", "1024")
                .getOrCreate();
        // The tasks run with spark.task.cpus = 1 thread; the single-machine reference uses the same.
        DptEngine.setNumThreads(1);
    }

    @AfterAll
    static void stop() {
        if (spark != null) {
            spark.stop();
        }
        ExecutorPipelines.closeAll();
    }

    static Dataset<Row> read(Path dir) {
        Dataset<Row> d = spark.read().format("binaryFile").load(dir.toString());
        assertTrue(d.rdd().getNumPartitions() >= 2, "partitions: " + d.rdd().getNumPartitions());
        return d;
    }

    static Map<String, Row> byPath(Dataset<Row> out, String col) {
        Map<String, Row> m = new HashMap<>();
        for (Row r : out.select("path", col, col + "_error").collectAsList()) {
            m.put(r.getString(0), r);
        }
        return m;
    }

    static Path file(String sparkPath) {
        return Path.of(URI.create(sparkPath));
    }

    static float[] floats(List<Float> l) {
        float[] f = new float[l.size()];
        for (int i = 0; i < f.length; i++) {
            f[i] = l.get(i);
        }
        return f;
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "auto"})
    void depthEqualsTheSingleMachinePipeline(String engine) throws IOException {
        Map<String, Row> out = byPath(new DepthEstimator().setModel(DEPTH.toString()).setEngine(engine).setBatchSize(3)
                .transform(read(images)), "depth");
        assertEquals(7, out.size());
        try (DepthEstimationPipeline ref = DepthEstimationPipeline.fromPretrained(DEPTH.toString(),
                LoadOptions.defaults().engine(ExecutionEngine.parse(engine)))) {
            assertEquals(engine.equals("auto") ? ExecutionEngine.ONNXRUNTIME : ExecutionEngine.PYTORCH, ref.model().getEngine());
            for (Map.Entry<String, Row> e : out.entrySet()) {
                Row r = e.getValue();
                assertNull(r.get(2), e.getKey());
                DepthEstimationResult want = ref.predict(Files.readAllBytes(file(e.getKey())));
                Row got = r.getStruct(1);
                assertEquals(want.height(), got.getInt(0));
                assertEquals(want.width(), got.getInt(1));
                assertArrayEquals(want.predictedDepth().data(), floats(got.getList(2)), e.getKey());
            }
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "auto"})
    void segmentationEqualsTheSingleMachinePipeline(String engine) throws IOException {
        Map<String, Row> out = byPath(new SemanticSegmenter().setModel(SEG.toString()).setEngine(engine)
                .transform(read(images)), "segmentation");
        assertEquals(7, out.size());
        try (ImageSegmentationPipeline ref = ImageSegmentationPipeline.fromPretrained(SEG.toString(),
                LoadOptions.defaults().engine(ExecutionEngine.parse(engine)))) {
            for (Map.Entry<String, Row> e : out.entrySet()) {
                Row r = e.getValue();
                assertNull(r.get(2), e.getKey());
                SegmentationResult want = ref.predict(Files.readAllBytes(file(e.getKey())));
                Row got = r.getStruct(1);
                assertEquals(want.height(), got.getInt(0));
                assertEquals(want.width(), got.getInt(1));
                List<Integer> labels = got.getList(2);
                long[] map = want.labelMap();
                assertEquals(map.length, labels.size());
                for (int i = 0; i < map.length; i++) {
                    if (map[i] != labels.get(i)) {
                        assertEquals(map[i], (long) labels.get(i), e.getKey() + " pixel " + i);
                    }
                }
                List<Row> segments = got.getList(3);
                assertEquals(want.segments().size(), segments.size());
                for (int i = 0; i < segments.size(); i++) {
                    Segment s = want.segments().get(i);
                    assertEquals(s.label(), segments.get(i).getString(0));
                    assertEquals(s.labelId(), segments.get(i).getInt(1));
                    assertEquals(s.pixelShare(), segments.get(i).getDouble(2));
                }
            }
        }
    }

    @Test
    void aBadImageIsAnErrorRowAndTheJobCompletes() throws IOException {
        Path dir = tmp.resolve("with-bad");
        Files.createDirectories(dir);
        Files.copy(images.resolve("chelsea.png"), dir.resolve("chelsea.png"));
        Files.copy(images.resolve("photo_ss1.jpg"), dir.resolve("photo_ss1.jpg"));
        byte[] jpg = Files.readAllBytes(images.resolve("photo_ss1.jpg"));
        Files.write(dir.resolve("truncated.jpg"), Arrays.copyOf(jpg, 200));
        Files.write(dir.resolve("notes.txt"), "not an image".getBytes(StandardCharsets.UTF_8));

        Map<String, Row> out = byPath(new DepthEstimator().setModel(DEPTH.toString()).transform(read(dir)), "depth");
        assertEquals(4, out.size());
        for (Map.Entry<String, Row> e : out.entrySet()) {
            boolean bad = e.getKey().endsWith("truncated.jpg") || e.getKey().endsWith("notes.txt");
            Row r = e.getValue();
            if (bad) {
                assertNull(r.get(1), e.getKey());
                String err = r.getString(2);
                assertNotNull(err, e.getKey());
                assertTrue(err.startsWith(e.getKey() + ": "), err);
                assertFalse(err.contains("\n"), err);
            } else {
                assertNull(r.get(2), e.getKey() + ": " + r.get(2));
                assertNotNull(r.get(1));
            }
        }

        // A null in the input column (no bytes at all) is an error row too.
        StructType schema = new StructType().add("content", DataTypes.BinaryType, true);
        Dataset<Row> nulls = spark.createDataFrame(List.of(RowFactory.create((Object) null),
                RowFactory.create((Object) Files.readAllBytes(images.resolve("gray.jpg")))), schema);
        List<Row> rows = new SemanticSegmenter().setModel(SEG.toString()).transform(nulls).collectAsList();
        assertNull(rows.get(0).get(1));
        assertEquals("no image bytes (the input column is null)", rows.get(0).getString(2));
        assertNotNull(rows.get(1).get(1));
        assertNull(rows.get(1).get(2));
    }

    @Test
    void png16IsTheFloatDepthMinMaxNormalised() throws IOException {
        Dataset<Row> in = read(images);
        Map<String, Row> floats = byPath(new DepthEstimator().setModel(DEPTH.toString()).transform(in), "depth");
        Map<String, Row> pngs = byPath(new DepthEstimator().setModel(DEPTH.toString()).setDepthFormat("png16")
                .setOutputCol("d16").transform(in), "d16");
        assertEquals(floats.keySet(), pngs.keySet());
        for (String k : floats.keySet()) {
            float[] d = floats(floats.get(k).getStruct(1).getList(2));
            Row p = pngs.get(k).getStruct(1);
            BufferedImage img = ImageIO.read(new ByteArrayInputStream((byte[]) p.get(2)));
            assertEquals(BufferedImage.TYPE_USHORT_GRAY, img.getType(), k);
            assertEquals(p.getInt(0), img.getHeight());
            assertEquals(p.getInt(1), img.getWidth());
            short[] px = ((DataBufferUShort) img.getRaster().getDataBuffer()).getData();
            float min = p.getFloat(3);
            float max = p.getFloat(4);
            float lo = Float.POSITIVE_INFINITY;
            float hi = Float.NEGATIVE_INFINITY;
            for (float v : d) {
                lo = Math.min(lo, v);
                hi = Math.max(hi, v);
            }
            assertEquals(lo, min);
            assertEquals(hi, max);
            for (int i = 0; i < d.length; i++) {
                // The decoded 16-bit level maps back to the depth within one level.
                double back = min + (px[i] & 0xFFFF) / 65535.0 * (max - min);
                assertEquals(d[i], back, (max - min) / 65535.0 * 1.01, k + " pixel " + i);
            }
        }
    }

    @Test
    void theStageSavesAndReloadsWithoutTheToken() throws IOException {
        DepthEstimator est = new DepthEstimator().setModel(DEPTH.toString()).setEngine("pytorch").setBatchSize(2)
                .setToken(TOKEN).setCacheDir(tmp.resolve("hf-cache").toString());
        SemanticSegmenter seg = new SemanticSegmenter().setModel(SEG.toString()).setToken(TOKEN);
        Path saved = tmp.resolve("saved-stage");
        est.write().overwrite().save(saved.toString());
        DepthEstimator back = DepthEstimator.load(saved.toString());
        assertEquals(est.uid(), back.uid());
        assertEquals("pytorch", back.getEngine());
        assertEquals(2, back.getBatchSize());
        assertEquals(est.getCacheDir(), back.getCacheDir());

        Path pipeline = tmp.resolve("saved-pipeline");
        PipelineModel pm = new Pipeline().setStages(new PipelineStage[] {est, seg}).fit(read(images));
        pm.write().overwrite().save(pipeline.toString());
        PipelineModel pmBack = PipelineModel.load(pipeline.toString());

        for (Path dir : List.of(saved, pipeline)) {
            String everything = readAll(dir);
            assertTrue(everything.contains(DEPTH.toString()), "the metadata holds the params");
            assertFalse(everything.contains(TOKEN), "the token must not be saved");
        }
        assertFalse(est.explainParams().contains(TOKEN));
        assertFalse(est.toString().contains(TOKEN));
        assertFalse(est.spec().toString().contains(TOKEN));
        assertEquals(TOKEN, est.copy(new ParamMap()).spec().loadOptions().token());

        Dataset<Row> in = read(images);
        List<Row> a = sorted(pm.transform(in), "depth", "segmentation");
        List<Row> b = sorted(pmBack.transform(in), "depth", "segmentation");
        assertEquals(7, a.size());
        assertEquals(a, b);
    }

    static String readAll(Path dir) throws IOException {
        StringBuilder sb = new StringBuilder();
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.filter(Files::isRegularFile).collect(Collectors.toList())) {
                sb.append(new String(Files.readAllBytes(p), StandardCharsets.ISO_8859_1));
            }
        }
        return sb.toString();
    }

    static List<Row> sorted(Dataset<Row> out, String... cols) {
        List<String> all = new ArrayList<>(List.of("path"));
        all.addAll(List.of(cols));
        List<Row> rows = new ArrayList<>(out.selectExpr(all.toArray(new String[0])).collectAsList());
        rows.sort(Comparator.comparing(r -> r.getString(0)));
        return rows;
    }

    @Test
    void eachExecutorLoadsTheModelOnce() throws IOException {
        // A copy of the model under its own path: a pipeline key no other test uses.
        Path model = copyModel(DEPTH, tmp.resolve("load-once/tiny-dpt-depth"));
        DepthEstimator est = new DepthEstimator().setModel(model.toString()).setBatchSize(1);
        Dataset<Row> in = spark.read().format("binaryFile").load(images.toString()).repartition(4);
        assertEquals(0, ExecutorPipelines.loadCount(est.spec()));
        assertEquals(7, est.transform(in).filter("depth_error IS NULL").count());
        assertEquals(7, est.transform(in).filter("depth_error IS NULL").count());
        // local[2]: one executor (this JVM), two task slots, 4 + 4 tasks: one load.
        assertEquals(1, ExecutorPipelines.loadCount(est.spec()));
        // Closed (as at JVM shutdown), the next task loads it again.
        ExecutorPipelines.closeAll();
        assertEquals(7, est.transform(in).filter("depth_error IS NULL").count());
        assertEquals(2, ExecutorPipelines.loadCount(est.spec()));
    }

    @Test
    void aModelDirectoryShippedWithAddFile() throws IOException {
        Path model = copyModel(SEG, tmp.resolve("shipped/tiny-seg-shipped"));
        spark.sparkContext().addFile(model.toString(), true);
        List<Row> got = sorted(new SemanticSegmenter().setModel("sparkfiles:tiny-seg-shipped").transform(read(images)),
                "segmentation", "segmentation_error");
        List<Row> want = sorted(new SemanticSegmenter().setModel(SEG.toString()).transform(read(images)),
                "segmentation", "segmentation_error");
        assertEquals(want, got);
        assertNull(got.get(0).get(2));
    }

    static Path copyModel(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (String f : List.of("config.json", "preprocessor_config.json", "model.safetensors")) {
            Files.copy(from.resolve(f), to.resolve(f));
        }
        return to;
    }

    @Test
    void badOptionsFailOnTheDriverInOneLine() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new DepthEstimator().setEngine("tensorrt"));
        assertEquals("engine: unknown engine 'tensorrt'; expected pytorch, onnxruntime or auto", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DepthEstimator().setDtype("f16"));
        assertEquals("dtype: unknown dtype 'f16'; expected f32, int8 or int8-conv", e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> new DepthEstimator().setDtype("float8"));
        assertTrue(e.getMessage().startsWith("dtype: unknown dtype 'float8'"), e.getMessage());
        Dataset<Row> in = read(images);
        e = assertThrows(IllegalArgumentException.class, () -> new DepthEstimator().transform(in));
        assertTrue(e.getMessage().startsWith("model is not set"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DepthEstimator().setModel(DEPTH.toString()).setInputCol("bytes").transform(in));
        assertTrue(e.getMessage().startsWith("input column 'bytes' is not in the data"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DepthEstimator().setModel(DEPTH.toString()).setInputCol("path").transform(in));
        assertEquals("input column 'path' is string; expected binary (encoded image file bytes)", e.getMessage());
        e = assertThrows(IllegalArgumentException.class,
                () -> new DepthEstimator().setModel(DEPTH.toString()).setOutputCol("length").transform(in));
        assertTrue(e.getMessage().startsWith("output column 'length' already exists"), e.getMessage());
    }

    @Test
    void aModelOfTheWrongTaskFailsTheJobNamingIt() {
        // Not a bad image but a bad job: every row would fail, so the task fails with the reason.
        Exception e = assertThrows(Exception.class,
                () -> new DepthEstimator().setModel(SEG.toString()).transform(read(images)).count());
        String all = String.valueOf(e.getMessage()) + " " + String.valueOf(e.getCause());
        assertTrue(all.contains("is a DPTForSemanticSegmentation, not a depth-estimation model"), all);
    }
}
