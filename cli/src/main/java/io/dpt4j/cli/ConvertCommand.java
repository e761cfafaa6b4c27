package io.dpt4j.cli;

import io.dpt4j.converters.CheckpointConverter;
import io.dpt4j.converters.CheckpointException;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.DType;
import io.dpt4j.converters.ShardSizes;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.CoreConstants;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.djl.DjlModelFormat;
import io.dpt4j.core.InferenceDtype;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * {@code ./dpt convert --model SRC --output DIR [--dtype f32|f16|bf16] [--max-shard-size SIZE]
 * [--format hf|djl] [--force]}: writes a deployable checkpoint.
 */
public final class ConvertCommand implements Command {

    private final PrintStream out;

    public ConvertCommand() {
        this(System.out);
    }

    ConvertCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public String name() {
        return "convert";
    }

    @Override
    public String summary() {
        return "convert a checkpoint (.bin or safetensors, any dtype) to safetensors (HF layout), DJL format or ONNX";
    }

    static final String HELP = "usage: ./dpt convert --model SRC --output DIR [--dtype f32|f16|bf16|int8|int8-conv] [--max-shard-size SIZE]\n"
            + "                     [--format hf|djl|onnx] [--size HxW] [--force]\n\n"
            + "                     [--revision REV] [--token TOKEN] [--cache-dir DIR] [--local-files-only]\n\n"
            + "SRC: a directory holding pytorch_model.bin / model.safetensors (or shards + index), a weights file,\n"
            + "     or a hub id. --dtype converts floating tensors (integer tensors are kept; default: keep\n"
            + "     each tensor's dtype). --max-shard-size like transformers (default 5GB). The output appears\n"
            + "     complete or not at all; an existing output is replaced only with --force.\n"
            + "--format onnx [--size HxW] writes model.onnx (opset 17, f32) with symbolic batch, height and width\n"
            + "     (one file for every input size; DPT-Hybrid keeps its configured image_size); --size fixes [1, 3, H, W]\n"
            + "     --dtype int8 with it: matmul weights quantized to int8 per output channel, activations at run\n"
            + "     time (ONNX Runtime's DynamicQuantizeMatMul, domain com.microsoft); --dtype int8-conv also the\n"
            + "     decoder's wide 3x3 convolutions (MatMulIntegerToFloat over a uint8 im2col)\n"
            + "--format djl writes DJL's model format (NAME-0000.params + config.json + serving.properties) for DJL\n"
            + "     Serving / Criteria users; its parameters are f32.";

    @Override
    public String help() {
        return HELP;
    }

    @Override
    public int run(List<String> argv) throws Exception {
        Args a = Args.parse(name(), argv, HubArgs.withValued("model", "output", "dtype", "max-shard-size", "format", "size"),
                HubArgs.withFlags("force"));
        String model = a.require("model");
        Path output = Path.of(a.require("output"));
        DType dtype = null;
        String format = a.get("format", "hf");
        InferenceDtype quantized = quantizedDtype(a.get("dtype", ""));
        boolean int8 = quantized != null;
        if (int8 && !format.equals("onnx")) {
            throw new CliException("--dtype " + quantized.shortName() + " is for --format onnx (a quantized model.onnx); checkpoints hold f32, f16 or bf16");
        }
        if (a.has("dtype") && !int8) {
            try {
                dtype = DType.fromTorchName(a.get("dtype"));
            } catch (IllegalArgumentException e) {
                throw new CliException("--dtype: " + e.getMessage());
            }
            if (dtype == DType.F64) {
                throw new CliException("--dtype: expected f32, f16 or bf16, got '" + a.get("dtype") + "'");
            }
        }
        long shard;
        try {
            shard = a.has("max-shard-size") ? ShardSizes.parse(a.get("max-shard-size")) : CheckpointConverter.DEFAULT_MAX_SHARD_SIZE;
        } catch (IllegalArgumentException e) {
            throw new CliException("--max-shard-size: " + e.getMessage());
        }
        if (!format.equals("hf") && !format.equals("djl") && !format.equals("onnx")) {
            throw new CliException("--format: expected hf, djl or onnx, got '" + format + "'");
        }
        OutputFiles.checkOutputFolder(output);
        Path source = resolveSource(model, a);
        if (Files.exists(output) && !a.has("force")) {
            throw new CliException("--output " + output + " already exists; pass --force to replace it");
        }
        try {
            CheckpointConverter.Options opts = new CheckpointConverter.Options(dtype, shard, a.has("force"));
            if (format.equals("onnx")) {
                Path tmp = Files.createTempDirectory("dpt-convert-hf");
                try {
                    print(CheckpointConverter.convert(source, tmp.resolve("hf"), opts));
                    writeOnnx(tmp.resolve("hf"), output, a.get("size"), int8 ? quantized : InferenceDtype.FLOAT32);
                } finally {
                    OutputFiles.deleteTree(tmp);
                }
            } else if (format.equals("djl")) {
                Path tmp = Files.createTempDirectory("dpt-convert-hf");
                try {
                    CheckpointConverter.Summary s = CheckpointConverter.convert(source, tmp.resolve("hf"), opts);
                    print(s);
                    // DJL's format holds the graph's f32 parameters (DJL cannot hold bf16 arrays); its
                    // parameter file is named after the output folder, not the staging one.
                    String name = DjlModelFormat.modelName(output);
                    OutputFiles.directoryAtomically(output, dir -> DjlModelFormat.export(tmp.resolve("hf"), dir, name));
                    out.println("wrote DJL model format to " + output + " (load it with DptCriteria.builder(...))");
                } finally {
                    OutputFiles.deleteTree(tmp);
                }
            } else {
                print(CheckpointConverter.convert(source, output, opts));
            }
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage(), Failures.INPUT_ERROR); // the source cannot be read
        } catch (IOException e) {
            throw new CliException(e.getMessage() == null ? e.toString() : e.getMessage(), 1);
        }
        return 0;
    }

    /**
     * {@code model.onnx} (opset 17, weights inline) with symbolic batch, height and width (one file
     * for every input size) or, with {@code --size}, fixed to [1, 3, H, W]; plus the configs, written
     * atomically into {@code output}. int8: the matmuls are ONNX Runtime's
     * {@code com.microsoft.DynamicQuantizeMatMul} with int8 weights (full range, for VNNI/AMX/ARM CPUs).
     */
    private void writeOnnx(Path hf, Path output, String size, InferenceDtype dtype) throws IOException {
        try (PreTrainedModel<?, ?> model = AutoModel.fromPretrained(hf)) {
            if (!model.supportsOnnx()) {
                throw new CliException(model.getClass().getSimpleName() + " with this config has no ONNX graph yet "
                        + "(its backbone runs on PyTorch only)");
            }
            model.setDtype(dtype);
            int[] hw = size == null ? null : BenchCommand.size(size, hf);
            OutputFiles.directoryAtomically(output, dir -> {
                Files.createDirectories(dir);
                try (OutputStream os = new BufferedOutputStream(Files.newOutputStream(dir.resolve("model.onnx")), 1 << 20)) {
                    if (hw == null) {
                        model.writeOnnx(os);
                    } else {
                        model.writeOnnx(os, 1, 3, hw[0], hw[1]);
                    }
                }
                OutputFiles.copyConfigs(hf, dir);
            });
            String input = hw == null ? Arrays.toString(model.onnxInputDims()) : "[1, 3, " + hw[0] + ", " + hw[1] + "]";
            out.printf("wrote %s/model.onnx (opset 17, input pixel_values %s, %s)%n", output, input,
                    dtype.isInt8() ? "int8 weights: DynamicQuantizeMatMul (com.microsoft domain), needs ONNX Runtime" : "f32");
        }
    }

    private Path resolveSource(String model, Args a) {
        Path p = Path.of(model);
        if (Files.exists(p)) {
            return p;
        }
        if (model.matches("[A-Za-z0-9][\\w.-]*/[\\w.-]+")) {
            // A hub id: fetch config, preprocessor config and weights (or find them in the cache).
            return HubArgs.resolveModel(model, a);
        }
        throw new CliException("--model: no such file or directory: " + model);
    }

    private void print(CheckpointConverter.Summary s) {
        out.printf("converted %s -> %s%n", s.source(), s.output());
        out.printf("tensors: %d, parameters (elements): %d, bytes: %d%n", s.tensors(), s.parameters(), s.bytes());
        out.printf("dtypes in: %s, out: %s%n", s.inputDtypes(), s.outputDtypes());
        out.printf("files: %s%n", s.files());
        out.printf("keys dropped: %s%n", s.droppedKeys().isEmpty() ? "none" : s.droppedKeys());
        printGraphCheck(s.output());
    }

    /** Which checkpoint keys the model graph would miss or not use (when config.json names a known architecture). */
    private void printGraphCheck(Path dir) {
        Path config = dir.resolve(CoreConstants.CONFIG_FILE);
        if (!Files.isRegularFile(config)) {
            out.println("graph check: skipped (no config.json)");
            return;
        }
        try (PreTrainedModel<?, ?> model = AutoModel.fromConfig(config);
                TensorReader r = Checkpoints.open(dir)) {
            Set<String> expected = model.block().namedShapes().keySet();
            Set<String> have = new TreeSet<>(r.names());
            String prefix = have.stream().anyMatch(k -> k.startsWith("dpt.")) || expected.stream().noneMatch(k -> k.startsWith("dpt.")) ? "" : "dpt.";
            List<String> missing = new ArrayList<>();
            for (String k : expected) {
                if (!have.contains(prefix.isEmpty() ? k : k.substring(prefix.length()))) {
                    missing.add(k);
                }
            }
            List<String> unused = new ArrayList<>();
            for (String k : have) {
                if (!k.endsWith("num_batches_tracked") && !expected.contains(prefix + k)) {
                    unused.add(k);
                }
            }
            out.printf("graph check (%s): keys missing: %s; keys the graph does not use: %s%n", model.getClass().getSimpleName(),
                    missing.isEmpty() ? "none" : missing.size() + " " + missing.subList(0, Math.min(5, missing.size())),
                    unused.isEmpty() ? "none" : unused.size() + " " + unused.subList(0, Math.min(5, unused.size())));
        } catch (Exception e) {
            out.println("graph check: skipped (" + e.getMessage() + ")");
        }
    }

    /** int8 or int8-conv (a quantized model.onnx), else null (a checkpoint dtype, or none). */
    static InferenceDtype quantizedDtype(String d) {
        try {
            InferenceDtype t = InferenceDtype.parse(d);
            return t.isInt8() ? t : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
