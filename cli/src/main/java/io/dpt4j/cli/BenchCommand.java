package io.dpt4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.CpuFeatures;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.ForwardOptions;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.config.AutoConfig;
import io.dpt4j.core.nn.FlopCounter;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import io.dpt4j.core.outputs.ModelOutput;
import io.dpt4j.core.outputs.SemanticSegmenterOutput;
import io.dpt4j.core.processing.DPTImageProcessor;
import io.dpt4j.core.processing.FloatTensor;
import io.dpt4j.core.processing.Uint8Image;
import java.io.IOException;
import io.dpt4j.core.onnx.Int8Quantization;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.function.Function;

/**
 * {@code ./dpt bench}: load time, first-run and steady-state forward times, per-stage breakdown,
 * achieved GFLOP/s against the engine's fp32 matmul peak measured in the same run, and peak RSS. The
 * last stdout line is one JSON object.
 */
public final class BenchCommand implements Command {
    @Override
    public String name() {
        return "bench";
    }

    @Override
    public String summary() {
        return "benchmark a model's forward pass (timings, GFLOP/s vs matmul peak, peak RSS)";
    }

    static final String HELP = String.join("\n",
            "usage: ./dpt bench --model DIR_OR_ID [--size HxW] [--batch N] [--threads N] [--dtype f32|int8|int8-conv]",
            "                   [--warmup K] [--runs R]",
            "",
            "  --size HxW     input size (default: the config's image_size)",
            "  --batch N      images per forward (default 1)",
            "  --threads N    libtorch intra-op threads (default: all cores)",
            "  --dtype        f32 (default), int8 or int8-conv (ONNX Runtime): int8 benches int8 and f32 in one run, their timed",
            "                 runs alternating, and reports both times, the speed-up, int8's error against f32 on the bench",
            "                 input (relative L2 and max|diff| / (max - min)), the time to quantize, and int8's peak RSS",
            "                 (taken before the f32 model loads)",
            "  --warmup K     untimed runs after the first (default 2)",
            "  --runs R       timed runs (default 5)",
            "  --engine E     pytorch, onnxruntime or auto (default: " + EngineArg.DEFAULT_NAME + ")",
            "Use ./dpt random-checkpoint to make a full-size model from a config.json.",
            "The last line of stdout is JSON: median_s, min_s, first_s, load_s, gflop, gflops, matmul_peak_gflops,",
            "fraction_of_peak, peak_rss_mb, cpu, stages; with --dtype int8 also f32_median_s, int8_median_s, speedup,",
            "f32_min_s, speedup_min, relative_l2, max_diff_over_range, quantize_s, int8_peak_rss_mb.",
            HubArgs.HELP);

    @Override
    public String help() {
        return HELP;
    }

    @Override
    public int run(List<String> argv) throws Exception {
        Args a = Args.parse(name(), argv, HubArgs.with(Set.of("model", "size", "batch", "threads", "dtype", "warmup", "runs", "engine")),
                HubArgs.withFlags());
        String d = a.get("dtype", "f32");
        if (d.equals("bf16") || d.equals("f16") || d.equals("bfloat16") || d.equals("float16")) {
            throw new CliException("--dtype " + d + " is not available: DJL 0.36 cannot hold bf16 tensors (it aborts the JVM) and "
                    + "libtorch has no fast f16 CPU matmul; f32 and int8 (ONNX Runtime) run");
        }
        InferenceDtype dtype = DtypeArg.parse(a);
        Runs r = Runs.of(a);
        if (dtype.isInt8()) {
            return runInt8(a, dtype, r);
        }
        String cpu = CpuFeatures.current().summary();
        int threads = r.threads();
        int batch = r.batch();
        int warmup = r.warmup();
        int runs = r.runs();
        Path dir = r.dir();

        double peak = matmulPeakGflops();
        System.out.printf(Locale.ROOT, "engine: PyTorch (libtorch) via DJL, %d threads; fp32 matmul peak %.1f GFLOP/s%n", threads, peak);
        System.out.println("cpu: " + cpu);

        long t0 = System.nanoTime();
        try (PreTrainedModel<?, ?> model = AutoModel.fromPretrained(dir, HubArgs.loadOptions(a));
                NDManager m = DptEngine.newManager()) {
            try {
                model.setEngine(EngineArg.parse(a));
            } catch (UnsupportedOperationException e) {
                throw new CliException(e.getMessage());
            }
            ExecutionEngine engine = model.getEngine();
            double loadS = (System.nanoTime() - t0) / 1e9;
            int[] hw = size(a, dir);
            System.out.printf(Locale.ROOT, "model: %s%nengine: %s%nload: %.3f s%n", model, engine, loadS);
            NDArray x = m.randomUniform(-1f, 1f, new Shape(batch, 3, hw[0], hw[1]));

            long t1 = System.nanoTime();
            model.forward(x).close();
            double firstS = (System.nanoTime() - t1) / 1e9;

            double gflop;
            if (engine == ExecutionEngine.ONNXRUNTIME) {
                // Counted on the ONNX graph: an eager pass would add its activations to the peak RSS.
                gflop = model.onnxFlops(x.getShape().getShape()) / 1e9;
            } else {
                FlopCounter.start();
                model.forward(x).close();
                gflop = FlopCounter.stop() / 1e9;
            }
            for (int i = 0; i < warmup; i++) {
                model.forward(x).close();
            }
            double[] times = new double[runs];
            Map<String, List<Double>> stages = new LinkedHashMap<>();
            for (int i = 0; i < runs; i++) {
                long s = System.nanoTime();
                try (ModelOutput out = model.forward(x, ForwardOptions.defaults().timeStages(true))) {
                    times[i] = (System.nanoTime() - s) / 1e9;
                    out.stageSeconds().forEach((k, v) -> stages.computeIfAbsent(k, q -> new ArrayList<>()).add(v));
                }
            }
            double[] prePost = prePost(dir, hw, out -> model.forward(out));
            double[] sorted = times.clone();
            Arrays.sort(sorted);
            double median = runs % 2 == 1 ? sorted[runs / 2] : (sorted[runs / 2 - 1] + sorted[runs / 2]) / 2;
            double min = sorted[0];
            double gflops = gflop / median;
            long rss = peakRssMb();
            System.out.printf(Locale.ROOT, "input: %dx3x%dx%d, %.1f GFLOP per forward%n", batch, hw[0], hw[1], gflop);
            System.out.printf(Locale.ROOT, "first run: %.3f s; median of %d: %.3f s; min %.3f s; %.2f images/s%n",
                    firstS, runs, median, min, batch / median);
            System.out.printf(Locale.ROOT, "achieved: %.1f GFLOP/s = %.0f%% of the matmul peak%n", gflops, 100 * gflops / peak);
            StringBuilder stageJson = new StringBuilder("{");
            for (Map.Entry<String, List<Double>> e : stages.entrySet()) {
                double[] v = e.getValue().stream().mapToDouble(Double::doubleValue).sorted().toArray();
                double med = v[v.length / 2];
                System.out.printf(Locale.ROOT, "  stage %-10s median %.3f s%n", e.getKey(), med);
                stageJson.append(stageJson.length() > 1 ? ", " : "").append(String.format(Locale.ROOT, "\"%s\": %.4f", e.getKey(), med));
            }
            if (prePost != null) {
                System.out.printf(Locale.ROOT, "  preprocessing  %.1f ms (a %dx%d photo to %dx%d, median of 5)%n", prePost[0] * 1e3, PHOTO_W, PHOTO_H,
                        (int) prePost[2], (int) prePost[3]);
                System.out.printf(Locale.ROOT, "  postprocessing %.1f ms (depth/logits resized back to %dx%d)%n", prePost[1] * 1e3, PHOTO_W, PHOTO_H);
                stageJson.append(String.format(Locale.ROOT, ", \"preprocess\": %.4f, \"postprocess\": %.4f", prePost[0], prePost[1]));
            }
            stageJson.append('}');
            System.out.printf(Locale.ROOT, "peak RSS: %d MB%n", rss);
            System.out.printf(Locale.ROOT,
                    "{\"model\": \"%s\", \"engine\": \"%s\", \"batch\": %d, \"height\": %d, \"width\": %d, \"threads\": %d, \"dtype\": \"%s\", "
                            + "\"median_s\": %.4f, \"min_s\": %.4f, \"first_s\": %.4f, \"load_s\": %.4f, \"gflop\": %.2f, "
                            + "\"gflops\": %.1f, \"matmul_peak_gflops\": %.1f, \"fraction_of_peak\": %.3f, \"peak_rss_mb\": %d, "
                            + "\"cpu\": \"%s\", \"stages\": %s}%n",
                    json(dir.toString()), engine.name().toLowerCase(Locale.ROOT), batch, hw[0], hw[1], threads, dtype.shortName(),
                    median, min, firstS, loadS, gflop, gflops, peak, gflops / peak, rss, json(cpu), stageJson);
        }
        return 0;
    }

    /** The run settings both modes share (validated; the thread count applied, the model resolved). */
    private record Runs(int threads, int batch, int warmup, int runs, Path dir) {
        static Runs of(Args a) {
            int threads = a.getInt("threads", Runtime.getRuntime().availableProcessors());
            int batch = a.getInt("batch", 1);
            int warmup = a.getInt("warmup", 2);
            int runs = a.getInt("runs", 5);
            if (batch < 1 || runs < 1 || warmup < 0) {
                throw new CliException("--batch and --runs must be at least 1, --warmup at least 0");
            }
            Path dir = HubArgs.resolveModel(a);
            DptEngine.setNumThreads(threads);
            return new Runs(threads, batch, warmup, runs, dir);
        }
    }

    /**
     * {@code --dtype int8}: an int8 model is loaded and run first (so the peak RSS after its warm-up is
     * int8's alone), then an f32 model on the same weights; the timed runs alternate between the two
     * (int8, f32, int8, ...) so that load from other processes hits both alike.
     */
    private int runInt8(Args a, InferenceDtype dtype, Runs r) throws Exception {
        int threads = r.threads();
        int batch = r.batch();
        int warmup = r.warmup();
        int runs = r.runs();
        Path dir = r.dir();
        CpuFeatures cpu = CpuFeatures.current();
        System.out.println("cpu: " + cpu.summary());
        if (cpu.int8Warning() == null) {
            System.out.println("int8 dot products: yes");
        }
        long t0 = System.nanoTime();
        PreTrainedModel<?, ?> loaded;
        try {
            loaded = AutoModel.fromPretrained(dir, HubArgs.loadOptions(a).dtype(dtype));
        } catch (UnsupportedOperationException e) {
            throw new CliException(e.getMessage());
        }
        try (PreTrainedModel<?, ?> int8 = loaded; NDManager m = DptEngine.newManager()) {
            double loadS = (System.nanoTime() - t0) / 1e9;
            int[] hw = size(a, dir);
            System.out.printf(Locale.ROOT, "model: %s%nengine: ONNX Runtime, %d threads; dtype %s (timed as \"int8\" below)%nload: %.3f s%n", int8, threads,
                    dtype.shortName(), loadS);
            m.getEngine().setRandomSeed(0);
            NDArray x = m.randomUniform(-1f, 1f, new Shape(batch, 3, hw[0], hw[1]));
            double gop = int8.onnxFlops(x.getShape().getShape()) / 1e9;

            long t1 = System.nanoTime();
            float[] int8Out = primaryOutput(int8, x);
            double int8First = (System.nanoTime() - t1) / 1e9;
            for (int i = 0; i < warmup; i++) {
                int8.forward(x).close();
            }
            long int8Rss = peakRssMb();
            Int8Quantization.Report q = int8.int8Report();
            System.out.printf(Locale.ROOT, "int8: first run %.3f s (graph, quantization, session); peak RSS %d MB (load, quantization, runs)%n",
                    int8First, int8Rss);
            System.out.printf(Locale.ROOT, "  %s; load + quantization %.2f s%n", q, loadS + q.seconds());

            try (PreTrainedModel<?, ?> f32 = AutoModel.fromPretrained(dir, HubArgs.loadOptions(a).engine(ExecutionEngine.ONNXRUNTIME))) {
                long t2 = System.nanoTime();
                float[] f32Out = primaryOutput(f32, x);
                double f32First = (System.nanoTime() - t2) / 1e9;
                for (int i = 0; i < warmup; i++) {
                    f32.forward(x).close();
                }
                double[] ti = new double[runs];
                double[] tf = new double[runs];
                for (int i = 0; i < runs; i++) {
                    ti[i] = timed(int8, x);
                    tf[i] = timed(f32, x);
                }
                Arrays.sort(ti);
                Arrays.sort(tf);
                double mi = median(ti);
                double mf = median(tf);
                double speedup = mf / mi;
                double[] err = errors(int8Out, f32Out);
                System.out.printf(Locale.ROOT, "f32:  first run %.3f s (graph, session)%n", f32First);
                System.out.printf(Locale.ROOT, "input: %dx3x%dx%d, %.1f GOP per forward; %d alternating runs each%n", batch, hw[0], hw[1], gop, runs);
                System.out.printf(Locale.ROOT, "int8: median %.3f s, min %.3f s (%.1f GOP/s)%n", mi, ti[0], gop / mi);
                System.out.printf(Locale.ROOT, "f32:  median %.3f s, min %.3f s (%.1f GOP/s)%n", mf, tf[0], gop / mf);
                System.out.printf(Locale.ROOT, "speed-up int8 vs f32: %.2fx (medians), %.2fx (mins)%n", speedup, tf[0] / ti[0]);
                System.out.printf(Locale.ROOT, "int8 error vs f32 on the bench input: relative L2 %.3f%%, max|diff|/(max-min) %.3f%%%n",
                        100 * err[0], 100 * err[1]);
                System.out.printf(Locale.ROOT, "peak RSS: %d MB after the int8 phase (for f32 alone run --dtype f32)%n", int8Rss);
                System.out.printf(Locale.ROOT,
                        "{\"model\": \"%s\", \"engine\": \"onnxruntime\", \"batch\": %d, \"height\": %d, \"width\": %d, \"threads\": %d, "
                                + "\"dtype\": \"%s\", \"median_s\": %.4f, \"min_s\": %.4f, \"first_s\": %.4f, \"load_s\": %.4f, \"gflop\": %.2f, "
                                + "\"f32_median_s\": %.4f, \"f32_min_s\": %.4f, \"int8_median_s\": %.4f, \"speedup\": %.3f, \"speedup_min\": %.3f, "
                                + "\"relative_l2\": %.6f, \"max_diff_over_range\": %.6f, \"quantize_s\": %.3f, \"int8_peak_rss_mb\": %d, "
                                + "\"cpu\": \"%s\"}%n",
                        json(dir.toString()), batch, hw[0], hw[1], threads, dtype.shortName(), mi, ti[0], int8First, loadS, gop, mf, tf[0], mi, speedup,
                        tf[0] / ti[0], err[0], err[1], q.seconds(), int8Rss, json(cpu.summary()));
            }
        }
        return 0;
    }

    private static double timed(PreTrainedModel<?, ?> model, NDArray x) {
        long s = System.nanoTime();
        model.forward(x).close();
        return (System.nanoTime() - s) / 1e9;
    }

    private static double median(double[] sorted) {
        int n = sorted.length;
        return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2;
    }

    private static float[] primaryOutput(PreTrainedModel<?, ?> model, NDArray x) {
        try (ModelOutput out = model.forward(x)) {
            return primary(out).toFloatArray();
        }
    }

    /** predicted_depth or logits. */
    private static NDArray primary(ModelOutput o) {
        if (o instanceof DepthEstimatorOutput) {
            return ((DepthEstimatorOutput) o).predictedDepth;
        }
        if (o instanceof SemanticSegmenterOutput) {
            return ((SemanticSegmenterOutput) o).logits;
        }
        return o.toMap().values().iterator().next();
    }

    /** Relative L2 of (got - want) against want, and max |got - want| / (max(want) - min(want)). */
    static double[] errors(float[] got, float[] want) {
        double num = 0;
        double den = 0;
        double maxDiff = 0;
        float lo = Float.POSITIVE_INFINITY;
        float hi = Float.NEGATIVE_INFINITY;
        for (int i = 0; i < want.length; i++) {
            double d = got[i] - want[i];
            num += d * d;
            den += (double) want[i] * want[i];
            maxDiff = Math.max(maxDiff, Math.abs(d));
            lo = Math.min(lo, want[i]);
            hi = Math.max(hi, want[i]);
        }
        return new double[] {Math.sqrt(num / den), maxDiff / (hi - lo)};
    }

    static String json(String s) {
        return s.replace("\\", "\\\\").replace("\"", "\\\"");
    }

    static final int PHOTO_W = 1280;
    static final int PHOTO_H = 960;

    /**
     * Median seconds of preprocessing a synthetic 1280x960 photo with the model's preprocessor config
     * and of post-processing the model output back to that size; null when the output is neither
     * depth nor logits. Elements 2 and 3 are the preprocessed height and width.
     */
    static double[] prePost(Path dir, int[] hw, Function<NDArray, ModelOutput> forward) throws Exception {
        DPTImageProcessor proc = DPTImageProcessor.forModel(dir);
        byte[] rgb = new byte[PHOTO_W * PHOTO_H * 3];
        new Random(0).nextBytes(rgb);
        Uint8Image photo = Uint8Image.rgb(PHOTO_W, PHOTO_H, rgb);
        double[] pre = new double[5];
        FloatTensor px = null;
        for (int i = 0; i < pre.length; i++) {
            long s = System.nanoTime();
            px = proc.preprocess(List.of(photo), Map.of()).pixelValues();
            pre[i] = (System.nanoTime() - s) / 1e9;
        }
        Arrays.sort(pre);
        NDArray out;
        try (NDManager m = DptEngine.newManager()) {
            // Post-process the output of a real forward at the benchmark size.
            NDArray x = m.randomUniform(-1f, 1f, new Shape(1, 3, hw[0], hw[1]));
            ModelOutput o = forward.apply(x);
            NDArray primary = o instanceof DepthEstimatorOutput
                    ? ((DepthEstimatorOutput) o).predictedDepth
                    : o instanceof SemanticSegmenterOutput ? ((SemanticSegmenterOutput) o).logits : null;
            if (primary == null) {
                return null;
            }
            float[] data = primary.toFloatArray();
            long[] shape = primary.getShape().getShape();
            boolean depth = o instanceof DepthEstimatorOutput;
            double[] post = new double[5];
            for (int i = 0; i < post.length; i++) {
                long s = System.nanoTime();
                if (depth) {
                    proc.postProcessDepthEstimation(data, shape, List.of(new int[] {PHOTO_H, PHOTO_W}));
                } else {
                    proc.postProcessSemanticSegmentation(data, shape, List.of(new int[] {PHOTO_H, PHOTO_W}));
                }
                post[i] = (System.nanoTime() - s) / 1e9;
            }
            Arrays.sort(post);
            return new double[] {pre[2], post[2], px.shape()[2], px.shape()[3]};
        }
    }

    static int[] size(Args a, Path dir) throws IOException {
        return size(a.get("size"), dir);
    }

    /** HxW from the option, else the config's input size (its image_size, or its backbone's). */
    static int[] size(String s, Path dir) throws IOException {
        if (s != null) {
            String[] p = s.toLowerCase(Locale.ROOT).split("x");
            try {
                if (p.length == 2) {
                    return new int[] {Integer.parseInt(p[0]), Integer.parseInt(p[1])};
                }
            } catch (NumberFormatException ignored) {
                // fall through to the error
            }
            throw new CliException("--size must be HxW, e.g. 384x384, got '" + s + "'");
        }
        return AutoConfig.fromPretrained(dir).inputSize();
    }

    /** Best of several 2048^3 fp32 matmuls on the engine, in GFLOP/s. */
    static double matmulPeakGflops() {
        try (NDManager m = DptEngine.newManager()) {
            int n = 2048;
            NDArray a = m.randomUniform(-1f, 1f, new Shape(n, n));
            NDArray b = m.randomUniform(-1f, 1f, new Shape(n, n));
            double best = Double.MAX_VALUE;
            for (int i = 0; i < 6; i++) {
                long s = System.nanoTime();
                a.matMul(b).close();
                double t = (System.nanoTime() - s) / 1e9;
                if (i > 0) {
                    best = Math.min(best, t);
                }
            }
            return 2.0 * n * n * n / best / 1e9;
        }
    }

    /** VmHWM from /proc/self/status, or -1 where there is none. */
    static long peakRssMb() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmHWM:")) {
                    return Long.parseLong(line.replaceAll("[^0-9]", "")) / 1024;
                }
            }
        } catch (Exception e) {
            return -1;
        }
        return -1;
    }
}
