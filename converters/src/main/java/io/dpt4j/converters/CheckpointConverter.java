package io.dpt4j.converters;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * Converts a checkpoint (any readable weights: .bin, safetensors, sharded) into a Hugging Face
 * directory as {@code save_pretrained} writes it: {@code model.safetensors} or shards plus
 * {@code model.safetensors.index.json}, with {@code config.json} (dtype updated) and
 * {@code preprocessor_config.json} copied. Floating tensors change dtype (round to nearest even),
 * integer tensors are kept. The output directory appears complete or not at all.
 */
public final class CheckpointConverter {
    private CheckpointConverter() {}

    /** Default shard size of transformers' {@code save_pretrained}. */
    public static final long DEFAULT_MAX_SHARD_SIZE = 5_000_000_000L;

    /**
     * @param dtype target dtype for floating tensors, or null to keep each tensor's dtype
     * @param maxShardSize largest shard in bytes (a single larger tensor gets a shard of its own)
     * @param force replace an existing output directory
     */
    public record Options(DType dtype, long maxShardSize, boolean force) {
        public Options {
            if (dtype != null && dtype != DType.F32 && dtype != DType.F16 && dtype != DType.BF16) {
                throw new IllegalArgumentException("output dtype must be F32, F16 or BF16, got " + dtype);
            }
            if (maxShardSize <= 0) {
                throw new IllegalArgumentException("max shard size must be positive");
            }
        }
    }

    /** What a conversion wrote. */
    public record Summary(Path source, Path output, int tensors, long parameters, long bytes,
            Map<DType, Integer> inputDtypes, Map<DType, Integer> outputDtypes, List<String> files,
            List<String> droppedKeys) {}

    /**
     * Converts {@code source} (a weights file, index or directory) into {@code output}.
     *
     * @throws CheckpointException when the source cannot be read
     * @throws IOException when the output exists (without force) or cannot be written
     */
    public static Summary convert(Path source, Path output, Options options) throws IOException {
        Path out = output.toAbsolutePath().normalize();
        if (Files.exists(out) && !options.force()) {
            throw new IOException(out + ": output already exists; pass --force to replace it");
        }
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new IOException(out + ": output exists and is not a directory");
        }
        Path parent = out.getParent();
        Files.createDirectories(parent);
        Path staging = parent.resolve("." + out.getFileName() + ".tmp-" + UUID.randomUUID());
        Files.createDirectory(staging);
        boolean done = false;
        try (TensorReader reader = Checkpoints.open(source)) {
            Summary s = write(reader, staging, options);
            Path srcDir = Files.isDirectory(source) ? source : source.toAbsolutePath().getParent();
            copyConfigs(srcDir, staging, options.dtype());
            publish(staging, out);
            done = true;
            return new Summary(source, out, s.tensors(), s.parameters(), s.bytes(), s.inputDtypes(), s.outputDtypes(),
                    s.files(), s.droppedKeys());
        } finally {
            if (!done) {
                deleteTree(staging);
            }
        }
    }

    /** Moves the finished staging directory into place, replacing an old output only at the end. */
    private static void publish(Path staging, Path out) throws IOException {
        if (Files.exists(out)) {
            Path old = out.resolveSibling("." + out.getFileName() + ".old-" + UUID.randomUUID());
            Files.move(out, old, StandardCopyOption.ATOMIC_MOVE);
            try {
                Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                Files.move(old, out, StandardCopyOption.ATOMIC_MOVE);
                throw e;
            }
            deleteTree(old);
        } else {
            Files.move(staging, out, StandardCopyOption.ATOMIC_MOVE);
        }
    }

    static void deleteTree(Path p) {
        if (!Files.exists(p)) {
            return;
        }
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        } catch (IOException ignored) {
            // best effort: a leftover hidden temp folder is harmless
        }
    }

    /** Writes the weights of {@code reader} into {@code dir} (model.safetensors or shards + index). */
    static Summary write(TensorReader reader, Path dir, Options options) throws IOException {
        Map<DType, Integer> in = new TreeMap<>();
        Map<DType, Integer> outTypes = new TreeMap<>();
        List<String> names = reader.names();
        // plan shards on output sizes, like huggingface_hub's split_torch_state_dict_into_shards
        List<List<String>> shards = new ArrayList<>();
        List<String> current = new ArrayList<>();
        long currentSize = 0;
        long total = 0;
        long params = 0;
        for (String n : names) {
            TensorInfo info = reader.info(n);
            DType target = targetDtype(info.dtype(), options.dtype());
            in.merge(info.dtype(), 1, Integer::sum);
            outTypes.merge(target, 1, Integer::sum);
            long size = Math.multiplyExact(info.numel(), (long) target.byteSize());
            params += info.numel();
            total += size;
            if (size > options.maxShardSize()) {
                shards.add(List.of(n));
                continue;
            }
            if (currentSize + size > options.maxShardSize() && !current.isEmpty()) {
                shards.add(current);
                current = new ArrayList<>();
                currentSize = 0;
            }
            current.add(n);
            currentSize += size;
        }
        if (!current.isEmpty() || shards.isEmpty()) {
            shards.add(current);
        }
        List<String> files = new ArrayList<>();
        Map<String, String> weightMap = new TreeMap<>();
        Map<String, String> meta = Map.of("format", "pt");
        for (int i = 0; i < shards.size(); i++) {
            String file = shards.size() == 1 ? ConverterConstants.SAFETENSORS_WEIGHTS
                    : String.format("model-%05d-of-%05d.safetensors", i + 1, shards.size());
            Map<String, TensorData> data = new LinkedHashMap<>();
            for (String n : shards.get(i)) {
                TensorInfo info = reader.info(n);
                DType target = targetDtype(info.dtype(), options.dtype());
                ByteBuffer raw = reader.bytes(n);
                ByteBuffer converted = target == info.dtype() ? raw : DTypeConversion.convertFloating(info.dtype(), raw, target);
                data.put(n, new TensorData(target, info.shape(), converted));
                weightMap.put(n, file);
            }
            SafetensorsWriter.write(dir.resolve(file), data, meta);
            files.add(file);
        }
        if (shards.size() > 1) {
            Files.writeString(dir.resolve(ConverterConstants.SAFETENSORS_INDEX), indexJson(total, weightMap), StandardCharsets.UTF_8);
            files.add(ConverterConstants.SAFETENSORS_INDEX);
        }
        return new Summary(reader.source(), dir, names.size(), params, total, in, outTypes, files, List.of());
    }

    static DType targetDtype(DType stored, DType requested) {
        return requested == null || !stored.isFloatingPoint() ? stored : requested;
    }

    /** The index as {@code json.dumps(index, indent=2, sort_keys=True) + "\n"} writes it. */
    static String indexJson(long totalSize, Map<String, String> weightMap) {
        StringBuilder sb = new StringBuilder("{\n  \"" + ConverterConstants.INDEX_METADATA + "\": {\n    \""
                + ConverterConstants.INDEX_TOTAL_SIZE + "\": ").append(totalSize)
                .append("\n  },\n  \"" + ConverterConstants.INDEX_WEIGHT_MAP + "\": {");
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(weightMap).entrySet()) {
            sb.append(first ? "\n" : ",\n").append("    ");
            pyString(sb, e.getKey());
            sb.append(": ");
            pyString(sb, e.getValue());
            first = false;
        }
        sb.append(first ? "}\n}\n" : "\n  }\n}\n");
        return sb.toString();
    }

    /** A JSON string as Python's json module writes it with ensure_ascii. */
    static void pyString(StringBuilder sb, String s) {
        sb.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"': sb.append("\\\""); break;
                case '\\': sb.append("\\\\"); break;
                case '\n': sb.append("\\n"); break;
                case '\r': sb.append("\\r"); break;
                case '\t': sb.append("\\t"); break;
                case '\b': sb.append("\\b"); break;
                case '\f': sb.append("\\f"); break;
                default:
                    if (c < 0x20 || c > 0x7e) {
                        sb.append(String.format("\\u%04x", (int) c));
                    } else {
                        sb.append(c);
                    }
            }
        }
        sb.append('"');
    }

    private static final Pattern DTYPE_KEY = Pattern.compile("(\"(?:torch_)?dtype\"\\s*:\\s*)\"[^\"]*\"");

    /**
     * Copies config.json with its {@code dtype} / {@code torch_dtype} values set to the output dtype
     * (every other byte kept) and preprocessor_config.json unchanged. Both must be valid JSON.
     */
    static void copyConfigs(Path srcDir, Path dstDir, DType dtype) throws IOException {
        Path config = srcDir.resolve(ConverterConstants.CONFIG);
        if (Files.isRegularFile(config)) {
            byte[] bytes = Files.readAllBytes(config);
            JsonSupport.parse(config, bytes, ConverterConstants.CONFIG);
            String text = new String(bytes, StandardCharsets.UTF_8);
            if (dtype != null) {
                text = setDtype(text, dtype.torchName());
            }
            Files.writeString(dstDir.resolve(ConverterConstants.CONFIG), text, StandardCharsets.UTF_8);
        }
        Path pre = srcDir.resolve(ConverterConstants.PREPROCESSOR_CONFIG);
        if (Files.isRegularFile(pre)) {
            JsonSupport.parse(pre, Files.readAllBytes(pre), ConverterConstants.PREPROCESSOR_CONFIG);
            Files.copy(pre, dstDir.resolve(ConverterConstants.PREPROCESSOR_CONFIG));
        }
    }

    /** Sets every string-valued "dtype"/"torch_dtype" in a config text; adds "torch_dtype" when none. */
    static String setDtype(String configText, String torchName) {
        Matcher m = DTYPE_KEY.matcher(configText);
        if (m.find()) {
            return m.replaceAll(r -> Matcher.quoteReplacement(r.group(1) + "\"" + torchName + "\""));
        }
        int brace = configText.indexOf('{');
        String rest = configText.substring(brace + 1);
        boolean empty = rest.trim().startsWith("}");
        return configText.substring(0, brace + 1) + "\n  \"torch_dtype\": \"" + torchName + "\"" + (empty ? "" : ",") + rest;
    }
}
