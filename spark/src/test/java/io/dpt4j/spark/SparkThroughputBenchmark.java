package io.dpt4j.spark;

import io.dpt4j.core.DptEngine;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.pipelines.DepthEstimationPipeline;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Throughput of {@link DepthEstimator} in local mode against the single-machine pipeline on the same
 * images and the same number of threads. Not a test (timings are measured here, never asserted):
 *
 * <pre>
 * java [spark-submit's JVM options] -cp spark/target/test-classes:spark/target/classes:DEPENDENCIES \
 *   io.dpt4j.spark.SparkThroughputBenchmark MODEL_DIR IMAGE_DIR [ENGINE] [ROUNDS]
 * </pre>
 *
 * Per round: the single-machine pipeline with 2 intra-op threads over every image (the next image decoded
 * while the model runs), then Spark local[2] with spark.task.cpus=1 (two concurrent tasks, one thread
 * each, one shared pipeline), then local[2] with spark.task.cpus=2 (one task at a time, two threads).
 * Spark rows are written to the {@code noop} sink, so the depth maps are computed and converted to
 * Spark rows but not stored. Each configuration is warmed up (model load, session build, JIT) first.
 */
public final class SparkThroughputBenchmark {
    private SparkThroughputBenchmark() {}

    public static void main(String[] args) throws IOException {
        Path model = Path.of(args[0]);
        Path images = Path.of(args[1]);
        String engine = args.length > 2 ? args[2] : "auto";
        int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 2;
        List<byte[]> files = new ArrayList<>();
        try (Stream<Path> s = Files.list(images)) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                files.add(Files.readAllBytes(p));
            }
        }
        System.out.println(cpu());
        System.out.printf(Locale.ROOT, "model %s, engine %s, %d images, %d rounds%n", model, engine, files.size(), rounds);

        DptEngine.setNumThreads(2);
        try (DepthEstimationPipeline single = DepthEstimationPipeline.fromPretrained(model.toString(),
                LoadOptions.defaults().engine(ExecutionEngine.parse(engine)))) {
            System.out.println("single-machine engine: " + single.model().getEngine());
            runSingle(single, files.subList(0, Math.min(2, files.size())));
            SparkSession spark1 = session(1);
            DepthEstimator est = new DepthEstimator().setModel(model.toString()).setEngine(engine).setBatchSize(4);
            Dataset<Row> in = spark1.read().format("binaryFile").load(images.toString());
            System.out.println("spark partitions: " + in.rdd().getNumPartitions());
            runSpark(est, in);
            for (int r = 1; r <= rounds; r++) {
                DptEngine.setNumThreads(2);
                double single2 = runSingle(single, files);
                double spark2x1 = runSpark(est, in);
                System.out.printf(Locale.ROOT, "round %d: single-machine 2 threads %.2f images/s (%.2f s); "
                        + "spark local[2] task.cpus=1 %.2f images/s (%.2f s), ratio %.3f%n", r,
                        files.size() / single2, single2, files.size() / spark2x1, spark2x1, single2 / spark2x1);
            }
            spark1.stop();
            // A new pipeline for the new thread count (ONNX Runtime fixes its threads when a session is built).
            ExecutorPipelines.closeAll();
            SparkSession spark2 = session(2);
            Dataset<Row> in2 = spark2.read().format("binaryFile").load(images.toString());
            runSpark(est, in2);
            for (int r = 1; r <= rounds; r++) {
                DptEngine.setNumThreads(2);
                double single2 = runSingle(single, files);
                double spark1x2 = runSpark(est, in2);
                System.out.printf(Locale.ROOT, "round %d: single-machine 2 threads %.2f images/s (%.2f s); "
                        + "spark local[2] task.cpus=2 %.2f images/s (%.2f s), ratio %.3f%n", r,
                        files.size() / single2, single2, files.size() / spark1x2, spark1x2, single2 / spark1x2);
            }
            spark2.stop();
        } finally {
            ExecutorPipelines.closeAll();
        }
    }

    static SparkSession session(int taskCpus) {
        return SparkSession.builder().master("local[2]").appName("dpt4j-spark-bench")
                .config("spark.ui.enabled", "false")
                // Loopback only: no dependence on the machine's host name or network.
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "localhost")
                .config("spark.log.level", "WARN")
                .config("spark.task.cpus", String.valueOf(taskCpus))
                // Small files are not packed into one partition: at least as many partitions as slots.
                .config("spark.sql.files.openCostInBytes", "1024")
                .getOrCreate();
    }

    static double runSingle(DepthEstimationPipeline p, List<byte[]> files) throws IOException {
        AtomicInteger errors = new AtomicInteger();
        long t0 = System.nanoTime();
        p.predict(files, (i, r) -> { }, (i, e) -> errors.incrementAndGet());
        double s = (System.nanoTime() - t0) / 1e9;
        if (errors.get() > 0) {
            throw new IllegalStateException(errors + " images failed");
        }
        return s;
    }

    static double runSpark(DepthEstimator est, Dataset<Row> in) {
        long t0 = System.nanoTime();
        est.transform(in).write().format("noop").mode("overwrite").save();
        return (System.nanoTime() - t0) / 1e9;
    }

    /** The CPU model and its vector / matrix extensions, as printed with every benchmark here. */
    static String cpu() throws IOException {
        String model = "?";
        List<String> flags = List.of();
        for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
            if (line.startsWith("model name") && model.equals("?")) {
                model = line.substring(line.indexOf(':') + 1).trim();
            } else if (line.startsWith("flags") && flags.isEmpty()) {
                flags = Arrays.asList(line.substring(line.indexOf(':') + 1).trim().split(" "));
            }
        }
        List<String> shown = new ArrayList<>();
        for (String f : List.of("avx2", "fma", "avx512f", "avx512_vnni", "avx512_bf16", "amx_tile", "amx_int8", "amx_bf16")) {
            if (flags.contains(f)) {
                shown.add(f);
            }
        }
        return String.format(Locale.ROOT, "cpu: %s, %d cores, flags %s; load average %s", model,
                Runtime.getRuntime().availableProcessors(), String.join(" ", shown),
                Files.readString(Path.of("/proc/loadavg")).trim());
    }
}
