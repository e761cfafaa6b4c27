package io.dpt4j.cli;

import io.dpt4j.core.CoreConstants;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpt4j.converters.DType;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.core.processing.BatchFeature;
import io.dpt4j.core.processing.DPTImageProcessor;
import io.dpt4j.core.processing.FloatTensor;
import io.dpt4j.core.processing.ImageLoadException;
import io.dpt4j.core.processing.LongTensor;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code ./dpt preprocess --config PREPROCESSOR_CONFIG.json [--set KEY=JSON_VALUE]... --output OUT.safetensors IMAGE...}:
 * runs {@link DPTImageProcessor} (images loaded as transformers' {@code load_image} does) and writes
 * {@code pixel_values} (F32, N x C x H x W) and, with {@code --segmentation-map}, {@code labels} (I64).
 */
public final class PreprocessCommand implements Command {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String USAGE = String.join("\n",
            "usage: ./dpt preprocess --config PREPROCESSOR_CONFIG.json [--set KEY=JSON_VALUE]... "
                    + "[--segmentation-map MAP]... --output OUT.safetensors IMAGE...",
            "",
            "Preprocesses images exactly like transformers' DPTImageProcessor and writes pixel_values",
            "(F32, NCHW) to a safetensors file. When the images end up with different sizes",
            "(keep_aspect_ratio), each is written as pixel_values_<i> (CHW) instead.",
            "",
            "  --config PATH         preprocessor_config.json, or a model directory holding one",
            "  --set KEY=JSON        override a call argument, e.g. --set 'size={\"height\":256,\"width\":256}'",
            "                        --set resample=2 --set do_pad=true --set size_divisor=32; keys: "
                    + String.join(", ", CoreConstants.CALL_OPTIONS),
            "  --segmentation-map P  a label map per image (mode L or P); writes labels (I64, NHW)",
            "  --output PATH         the safetensors file to write (replaced atomically)");

    @Override
    public String name() {
        return "preprocess";
    }

    @Override
    public String summary() {
        return "preprocess images like DPTImageProcessor and write pixel_values to safetensors";
    }

    @Override
    public String help() {
        return USAGE;
    }

    @Override
    public int run(List<String> argv) throws Exception {
        Args args = Args.parse(name(), argv, Set.of("config", "set", "output", "segmentation-map"), Set.of());
        Path config = args.existingPath("config");
        Path output = Path.of(args.require("output"));
        OutputFiles.checkOutputFile(output);
        List<String> images = args.positionals();
        if (images.isEmpty()) {
            throw new CliException("no IMAGE given; pass one or more image files after the options");
        }
        Map<String, Object> overrides = parseSets(args.all("set"));
        List<Object> imagePaths = new ArrayList<>();
        for (String s : images) {
            imagePaths.add(existing(s, "IMAGE"));
        }
        List<Object> maps = null;
        if (args.has("segmentation-map")) {
            maps = new ArrayList<>();
            for (String s : args.all("segmentation-map")) {
                maps.add(existing(s, "--segmentation-map"));
            }
        }
        BatchFeature batch;
        try {
            DPTImageProcessor processor = DPTImageProcessor.fromPretrained(config);
            batch = processor.preprocess(imagePaths, maps, overrides);
        } catch (NoSuchFileException e) {
            throw new CliException(e.getFile() + ": no such file" + (e.getReason() == null ? "" : " (" + e.getReason() + ")"));
        } catch (ImageLoadException | IllegalArgumentException e) {
            throw new CliException(e.getMessage());
        }
        Map<String, Object> tensors = new LinkedHashMap<>();
        if (batch.isStackable()) {
            tensors.put("pixel_values", batch.pixelValues());
        } else {
            System.err.println("dpt preprocess: the images have different sizes after preprocessing; writing "
                    + "pixel_values_<i> (C x H x W) per image");
            for (int i = 0; i < batch.size(); i++) {
                tensors.put("pixel_values_" + i, batch.pixelValuesList().get(i));
            }
        }
        if (batch.hasLabels()) {
            try {
                tensors.put("labels", batch.labels());
            } catch (IllegalStateException e) {
                for (int i = 0; i < batch.labelsList().size(); i++) {
                    tensors.put("labels_" + i, batch.labelsList().get(i));
                }
            }
        }
        writeSafetensors(output, tensors);
        for (Map.Entry<String, Object> e : tensors.entrySet()) {
            long[] shape = e.getValue() instanceof FloatTensor ? ((FloatTensor) e.getValue()).shape()
                    : ((LongTensor) e.getValue()).shape();
            System.out.println(e.getKey() + " " + Arrays.toString(shape));
        }
        System.out.println("wrote " + output);
        return 0;
    }

    private static Path existing(String s, String what) {
        Path p = Path.of(s);
        if (Files.isDirectory(p)) {
            throw new CliException(what + " " + p + " is a folder; pass image files (e.g. " + p.resolve("*.jpg") + ")");
        }
        if (!Files.isRegularFile(p)) {
            throw new CliException(what + ": no such file: " + p);
        }
        return p;
    }

    /** {@code KEY=JSON_VALUE} pairs; a value that is not JSON is an error naming the key. */
    static Map<String, Object> parseSets(List<String> sets) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (String s : sets) {
            int eq = s.indexOf('=');
            if (eq <= 0) {
                throw new CliException("--set expects KEY=JSON_VALUE, got '" + s + "'");
            }
            String key = s.substring(0, eq);
            if (!CoreConstants.CALL_OPTIONS.contains(key)) {
                throw new CliException("--set " + key + ": unknown option; expected one of "
                        + CoreConstants.CALL_OPTIONS);
            }
            try {
                m.put(key, JSON.readTree(s.substring(eq + 1)));
            } catch (JsonProcessingException e) {
                throw new CliException("--set " + key + ": value is not JSON: '" + s.substring(eq + 1)
                        + "' (quote it for the shell, e.g. --set '" + key + "={\"height\":384,\"width\":384}')");
            }
        }
        return m;
    }

    /** Writes the tensors with the converters' SafetensorsWriter (sorted, 8-byte aligned header, atomic). */
    static void writeSafetensors(Path out, Map<String, Object> tensors) throws IOException {
        Map<String, TensorData> data = new LinkedHashMap<>();
        for (Map.Entry<String, Object> e : tensors.entrySet()) {
            Object t = e.getValue();
            if (t instanceof FloatTensor) {
                FloatTensor f = (FloatTensor) t;
                data.put(e.getKey(), TensorData.ofFloats(f.shape(), f.data()));
            } else {
                LongTensor l = (LongTensor) t;
                ByteBuffer bb = ByteBuffer.allocate(l.data().length * 8).order(ByteOrder.LITTLE_ENDIAN);
                bb.asLongBuffer().put(l.data());
                data.put(e.getKey(), new TensorData(DType.I64, l.shape(), bb));
            }
        }
        Path dir = out.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        SafetensorsWriter.write(out, data, Map.of("format", "pt"));
    }
}
