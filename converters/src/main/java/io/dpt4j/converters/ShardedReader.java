package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A sharded checkpoint read through its index ({@code model.safetensors.index.json} or
 * {@code pytorch_model.bin.index.json}): each shard is opened once; every key of the weight map
 * must be in the shard it names, no key may be in two shards, and no shard name may point outside
 * the index's directory.
 */
public final class ShardedReader implements TensorReader {
    private final Path index;
    private final List<TensorReader> shards;
    private final Map<String, TensorReader> owner;
    private final List<String> names;
    private final Map<String, String> metadata;
    private final Map<String, String> weightMap;

    private ShardedReader(Path index, List<TensorReader> shards, Map<String, TensorReader> owner,
            Map<String, String> metadata, Map<String, String> weightMap) {
        this.index = index;
        this.shards = shards;
        this.owner = owner;
        this.names = Collections.unmodifiableList(new ArrayList<>(new TreeSet<>(owner.keySet())));
        this.metadata = Collections.unmodifiableMap(metadata);
        this.weightMap = Collections.unmodifiableMap(weightMap);
    }

    /** Opens an index json and every shard it names. */
    public static ShardedReader open(Path index) throws CheckpointException {
        Map<String, String> weightMap = readWeightMap(index);
        Map<String, String> indexMeta = new LinkedHashMap<>();
        Path dir = index.toAbsolutePath().getParent();
        Map<String, TensorReader> byShard = new TreeMap<>();
        Map<String, TensorReader> owner = new HashMap<>();
        List<TensorReader> opened = new ArrayList<>();
        try {
            for (String shard : new TreeSet<>(weightMap.values())) {
                Path p = resolveShard(index, dir, shard);
                TensorReader r = Checkpoints.openFile(p);
                opened.add(r);
                byShard.put(shard, r);
            }
            for (Map.Entry<String, String> e : weightMap.entrySet()) {
                TensorReader r = byShard.get(e.getValue());
                if (!r.contains(e.getKey())) {
                    throw new CheckpointException(Kind.INVALID_INDEX, index, e.getKey(), "the weight map places it in " + e.getValue()
                            + " but that shard does not hold it");
                }
            }
            for (Map.Entry<String, TensorReader> s : byShard.entrySet()) {
                for (String name : s.getValue().names()) {
                    TensorReader prev = owner.putIfAbsent(name, s.getValue());
                    if (prev != null) {
                        throw new CheckpointException(Kind.DUPLICATE_TENSOR, index, name, "appears in two shards: "
                                + prev.source().getFileName() + " and " + s.getKey() + " (expected exactly one)");
                    }
                }
            }
            for (TensorReader r : opened) {
                indexMeta.putAll(r.metadata());
            }
            return new ShardedReader(index, opened, owner, indexMeta, weightMap);
        } catch (CheckpointException | RuntimeException e) {
            for (TensorReader r : opened) {
                try {
                    r.close();
                } catch (CheckpointException ignored) {
                    // report the first error
                }
            }
            throw e;
        }
    }

    /** Parses the {@code weight_map} of an index file (name -> shard file name). */
    static Map<String, String> readWeightMap(Path index) throws CheckpointException {
        byte[] bytes;
        try {
            long size = Files.size(index);
            if (size > ConverterConstants.INDEX_MAX_BYTES) {
                throw new CheckpointException(Kind.INVALID_INDEX, index, null, "index file is " + size + " bytes, over the limit of "
                        + ConverterConstants.INDEX_MAX_BYTES);
            }
            bytes = Files.readAllBytes(index);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(Kind.NOT_FOUND, index, null, "no such file");
        } catch (IOException e) {
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(Kind.IO_ERROR, index, null, "cannot read: " + e.getMessage(), e);
        }
        JsonNode root = JsonSupport.parse(index, bytes, "index file");
        JsonNode wm = root.isObject() ? root.get(ConverterConstants.INDEX_WEIGHT_MAP) : null;
        if (wm == null || !wm.isObject()) {
            throw new CheckpointException(Kind.INVALID_INDEX, index, null, "expected a JSON object with a \"weight_map\" object");
        }
        Map<String, String> out = new TreeMap<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = wm.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new CheckpointException(Kind.INVALID_INDEX, index, e.getKey(), "weight_map value must be a shard file name, got "
                        + e.getValue().getNodeType());
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
        return out;
    }

    /**
     * Resolves a shard name against the index directory, refusing absolute paths, {@code ..} and
     * anything that would leave the directory. Symbolic links inside the directory are followed (the
     * Hugging Face cache links snapshot files to blobs elsewhere).
     */
    static Path resolveShard(Path index, Path dir, String shard) throws CheckpointException {
        if (shard.isEmpty() || shard.indexOf('\0') >= 0 || shard.startsWith("/") || shard.startsWith("\\")
                || shard.matches("^[A-Za-z]:.*")) {
            throw new CheckpointException(Kind.UNSAFE_PATH, index, null, "shard name '" + shard
                    + "' is not a plain file name inside the model directory");
        }
        for (String part : shard.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw new CheckpointException(Kind.UNSAFE_PATH, index, null, "shard name '" + shard
                        + "' points outside the model directory (contains '..')");
            }
        }
        Path p;
        try {
            p = dir.resolve(shard).normalize();
        } catch (InvalidPathException e) {
            throw new CheckpointException(Kind.UNSAFE_PATH, index, null, "shard name '" + shard + "' is not a valid path");
        }
        if (!p.startsWith(dir.normalize()) || p.equals(dir.normalize())) {
            throw new CheckpointException(Kind.UNSAFE_PATH, index, null, "shard name '" + shard + "' points outside the model directory");
        }
        return p;
    }

    /** The index's weight map (name -> shard file name), sorted by name. */
    public Map<String, String> weightMap() {
        return weightMap;
    }

    private TensorReader shardOf(String name) throws CheckpointException {
        TensorReader r = owner.get(name);
        if (r == null) {
            throw new CheckpointException(Kind.TENSOR_NOT_FOUND, index, name, "no such tensor in any shard (" + owner.size() + " tensors)");
        }
        return r;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return owner.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) throws CheckpointException {
        return shardOf(name).info(name);
    }

    @Override
    public ByteBuffer bytes(String name) throws CheckpointException {
        return shardOf(name).bytes(name);
    }

    @Override
    public ByteBuffer toF32(String name) throws CheckpointException {
        return shardOf(name).toF32(name);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Path source() {
        return index;
    }

    @Override
    public void close() throws CheckpointException {
        CheckpointException first = null;
        for (TensorReader r : shards) {
            try {
                r.close();
            } catch (CheckpointException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }
}
