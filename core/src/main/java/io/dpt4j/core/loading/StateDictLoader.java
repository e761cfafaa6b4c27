package io.dpt4j.core.loading;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import io.dpt4j.converters.TensorInfo;
import io.dpt4j.converters.TensorReader;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Loads a Hugging Face state dict into a graph whose parameters carry their Hugging Face names.
 * Mirrors transformers' {@code _load_pretrained_model}: the base-model prefix ({@code dpt.}) is added
 * or stripped when a base checkpoint meets a head model or the reverse, {@code num_batches_tracked}
 * buffers are ignored, and missing, unexpected and shape-mismatched keys are reported.
 */
public final class StateDictLoader {
    private StateDictLoader() {}

    /** Checkpoint entries that transformers' models never consume. */
    static boolean ignorable(String key) {
        return key.endsWith("num_batches_tracked");
    }

    /**
     * @param expected the model's parameters by full Hugging Face name
     * @param shapes their expected shapes
     * @param prefix the base-model prefix ({@code "dpt"}), or null
     * @param allowMissing whether missing keys are tolerated (they stay unloaded and fail at use)
     */
    public static LoadReport load(TensorReader reader, Map<String, Parameter> expected, Map<String, Shape> shapes, String prefix,
            NDManager manager, boolean allowMissing) throws IOException {
        List<String> ckpt = reader.names();
        String dotted = prefix == null ? null : prefix + ".";
        boolean ckptHasPrefix = dotted != null && ckpt.stream().anyMatch(k -> k.startsWith(dotted));
        boolean modelHasPrefix = dotted != null && expected.keySet().stream().anyMatch(k -> k.startsWith(dotted));

        Map<String, String> modelKeyToCkpt = new TreeMap<>();
        List<String> unexpected = new ArrayList<>();
        for (String k : ckpt) {
            if (ignorable(k)) {
                continue;
            }
            String mk = k;
            if (modelHasPrefix && !ckptHasPrefix) {
                // Base-model checkpoint into a head model: its keys live under the prefix.
                mk = dotted + k;
            } else if (ckptHasPrefix && !modelHasPrefix && k.startsWith(dotted)) {
                // Head-model checkpoint into the base model: drop the prefix; the head keys are unused.
                mk = k.substring(dotted.length());
            }
            if (expected.containsKey(mk)) {
                modelKeyToCkpt.put(mk, k);
            } else {
                unexpected.add(k);
            }
        }
        List<String> missing = new ArrayList<>();
        List<String> mismatched = new ArrayList<>();
        for (Map.Entry<String, Parameter> e : expected.entrySet()) {
            String ck = modelKeyToCkpt.get(e.getKey());
            if (ck == null) {
                missing.add(e.getKey());
                continue;
            }
            TensorInfo info = reader.info(ck);
            Shape want = shapes.get(e.getKey());
            if (!Arrays.equals(info.shape(), want.getShape())) {
                mismatched.add(ck + " (checkpoint " + Arrays.toString(info.shape()) + ", model " + Arrays.toString(want.getShape()) + ")");
            }
        }
        if (!mismatched.isEmpty()) {
            throw new WeightLoadingException(reader.source() + ": " + mismatched.size()
                    + " tensor(s) have a shape that does not match the config: " + String.join("; ", mismatched.subList(0, Math.min(5, mismatched.size())))
                    + (mismatched.size() > 5 ? "; ..." : "") + ". Is config.json the one that belongs to these weights?");
        }
        if (!missing.isEmpty() && !allowMissing) {
            throw new WeightLoadingException(reader.source() + ": " + missing.size() + " weight(s) the model needs are missing: "
                    + String.join(", ", missing.subList(0, Math.min(8, missing.size()))) + (missing.size() > 8 ? ", ..." : "")
                    + ". Check that config.json (architectures, backbone settings) matches the checkpoint, or allow missing keys to load a partial model.");
        }
        int n = 0;
        long params = 0;
        for (Map.Entry<String, String> e : modelKeyToCkpt.entrySet()) {
            Parameter p = expected.get(e.getKey());
            NDArray arr = toArray(reader, e.getValue(), shapes.get(e.getKey()), manager);
            arr.setName(e.getKey());
            if (p.isInitialized()) {
                p.getArray().close();
            }
            p.setArray(arr);
            n++;
            params += shapes.get(e.getKey()).size();
        }
        Collections.sort(unexpected);
        return new LoadReport(reader.source().toString(), List.copyOf(missing), List.copyOf(unexpected), List.of(), n, params);
    }

    private static NDArray toArray(TensorReader reader, String key, Shape shape, NDManager manager) throws IOException {
        ByteBuffer data = reader.toF32(key).duplicate().order(ByteOrder.LITTLE_ENDIAN);
        if (data.isDirect() && ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN) {
            // Zero-copy: an F32 tensor of a memory-mapped file becomes the weight itself (DJL keeps the
            // buffer reachable for the array's lifetime, and Java never unmaps a reachable mapping), so
            // the weights are in memory once and loading copies nothing. Weights are never written.
            return manager.create(data, shape, DataType.FLOAT32);
        }
        NDArray arr = manager.create(shape, DataType.FLOAT32);
        arr.set(data);
        return arr;
    }
}
