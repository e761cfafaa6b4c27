package io.dpt4j.core.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds an ONNX model (opset 17) node by node and serialises it as a ModelProto. Large weights can be
 * left out of the file as named external inputs ({@link #external}) and handed to ONNX Runtime as
 * pre-allocated initializers, so they are not copied into the model bytes.
 *
 * <p>Nodes and initializers stay structured (op type, inputs, outputs, attributes; initializer data as
 * buffers) until {@link #toModelBytes}, so rewrite passes such as {@link Int8Quantization} can work
 * on the finished graph whichever code built it.
 */
public final class OnnxGraph {
    public static final int OPSET = 17;
    /** The domain of ONNX Runtime's contrib operators (opset 1), e.g. DynamicQuantizeMatMul. */
    public static final String MICROSOFT_DOMAIN = "com.microsoft";
    public static final int FLOAT = 1;
    public static final int INT8 = 3;
    public static final int INT64 = 7;

    /**
     * One node. {@code domain} "" is the ONNX domain; an empty input name is an absent optional input.
     * Attribute values are Long, Float, long[], float[] or String.
     */
    public record Node(String opType, String domain, List<String> inputs, List<String> outputs, String name, Map<String, Object> attributes) {
        public Node {
            inputs = List.copyOf(inputs);
            outputs = List.copyOf(outputs);
            attributes = Collections.unmodifiableMap(new LinkedHashMap<>(attributes));
        }

        /** The input at {@code i}, or "" when the node has fewer inputs. */
        public String input(int i) {
            return i < inputs.size() ? inputs.get(i) : "";
        }

        /** An integer attribute, or {@code fallback} when absent. */
        public long longAttribute(String key, long fallback) {
            Object v = attributes.get(key);
            return v == null ? fallback : ((Number) v).longValue();
        }

        /** A float attribute, or {@code fallback} when absent. */
        public float floatAttribute(String key, float fallback) {
            Object v = attributes.get(key);
            return v == null ? fallback : ((Number) v).floatValue();
        }
    }

    /**
     * An initializer: little-endian data (position 0 to limit) of {@code elemType}, either written into
     * the model bytes or, when {@code external}, handed to ONNX Runtime as an in-memory tensor.
     */
    public record Initializer(String name, int elemType, long[] dims, ByteBuffer data, boolean external) {
        /** Number of elements. */
        public long size() {
            long n = 1;
            for (long d : dims) {
                n *= d;
            }
            return n;
        }
    }

    private final List<Node> nodes = new ArrayList<>();
    private final Map<String, Initializer> initializers = new LinkedHashMap<>();
    private final List<Protobuf> inputs = new ArrayList<>();
    private final List<Protobuf> outputs = new ArrayList<>();
    private int counter;

    /** A fresh value name. */
    public String fresh(String hint) {
        return hint + "_" + (counter++);
    }

    /** A graph input of type float with the given dims (negative = symbolic "batch" etc.). */
    public String input(String name, Object... dims) {
        inputs.add(valueInfo(name, FLOAT, dims));
        return name;
    }

    public void output(String name, Object... dims) {
        outputs.add(valueInfo(name, FLOAT, dims));
    }

    private static Protobuf valueInfo(String name, int elemType, Object... dims) {
        Protobuf shape = new Protobuf();
        for (Object d : dims) {
            Protobuf dim = new Protobuf();
            if (d instanceof String) {
                dim.string(2, (String) d);
            } else {
                dim.int64(1, ((Number) d).longValue());
            }
            shape.message(1, dim);
        }
        Protobuf tensorType = new Protobuf().int64(1, elemType).message(2, shape);
        Protobuf type = new Protobuf().message(1, tensorType);
        return new Protobuf().string(1, name).message(2, type);
    }

    /** A float constant stored in the model. */
    public String constant(String hint, float[] data, long... dims) {
        String name = fresh(hint);
        ByteBuffer b = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(data);
        return initializer(name, FLOAT, dims, b, false);
    }

    /** A float constant from little-endian float32 bytes. */
    public String constantRaw(String hint, byte[] raw, long... dims) {
        return initializer(fresh(hint), FLOAT, dims, ByteBuffer.wrap(raw), false);
    }

    /** An int64 constant (shapes, axes, indices). */
    public String constantLong(String hint, long[] data, long... dims) {
        String name = fresh(hint);
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        return initializer(name, INT64, dims, b, false);
    }

    public String shape(long... dims) {
        return constantLong("shape", dims, dims.length);
    }

    public String scalar(float v) {
        return constant("scalar", new float[] {v});
    }

    /**
     * A float weight kept outside the model bytes: declared as an initializer with external data, and
     * handed to ONNX Runtime as an in-memory tensor (the caller's buffer, little-endian float32, not
     * copied into the file). The buffer must stay valid while a session uses it.
     */
    public String external(String hint, ByteBuffer data, long... dims) {
        return initializer(fresh(hint), FLOAT, dims, data, true);
    }

    /**
     * Adds (or replaces) an initializer named {@code name}; returns the name. {@code data} is
     * little-endian, from position 0 to its limit.
     */
    public String initializer(String name, int elemType, long[] dims, ByteBuffer data, boolean external) {
        initializers.put(name, new Initializer(name, elemType, dims.clone(), data.duplicate().order(ByteOrder.LITTLE_ENDIAN), external));
        return name;
    }

    /** The initializer of that name, or null when the value is not a constant. */
    public Initializer initializer(String name) {
        return initializers.get(name);
    }

    /** Drops an initializer (e.g. a weight a rewrite pass replaced). */
    public void removeInitializer(String name) {
        initializers.remove(name);
    }

    /** The initializers, in insertion order (read-only). */
    public Map<String, Initializer> initializers() {
        return Collections.unmodifiableMap(initializers);
    }

    /** The external weights by name (their buffers), for ONNX Runtime's in-memory initializers. */
    public Map<String, ByteBuffer> externals() {
        Map<String, ByteBuffer> m = new LinkedHashMap<>();
        initializers.values().stream().filter(Initializer::external).forEach(i -> m.put(i.name(), i.data()));
        return m;
    }

    /** The external weights' shapes by name. */
    public Map<String, long[]> externalShapes() {
        Map<String, long[]> m = new LinkedHashMap<>();
        initializers.values().stream().filter(Initializer::external).forEach(i -> m.put(i.name(), i.dims()));
        return m;
    }

    /** Attributes of a node: name -> Long, Float, long[], float[] or String. */
    public static Map<String, Object> attrs(Object... kv) {
        Map<String, Object> m = new LinkedHashMap<>();
        for (int i = 0; i < kv.length; i += 2) {
            m.put((String) kv[i], kv[i + 1]);
        }
        return m;
    }

    /** Adds a node with one output; returns the output's name. */
    public String op(String opType, Map<String, Object> attributes, String... in) {
        String out = fresh(opType.toLowerCase());
        opMulti(opType, attributes, new String[] {out}, in);
        return out;
    }

    public String op(String opType, String... in) {
        return op(opType, Map.of(), in);
    }

    /** Adds a node of another operator domain (ONNX Runtime's com.microsoft) with one output. */
    public String opIn(String domain, String opType, Map<String, Object> attributes, String... in) {
        String out = fresh(opType.toLowerCase());
        nodes.add(node(opType, domain, Arrays.asList(in), List.of(out), attributes));
        return out;
    }

    public void opMulti(String opType, Map<String, Object> attributes, String[] out, String... in) {
        List<String> ins = new ArrayList<>();
        for (String i : in) {
            ins.add(i == null ? "" : i);
        }
        nodes.add(new Node(opType, "", ins, List.of(out), fresh("n_" + opType), attributes));
    }

    /** A node of any domain (for rewrite passes); its name is made unique. */
    public Node node(String opType, String domain, List<String> in, List<String> out, Map<String, Object> attributes) {
        return new Node(opType, domain, in, out, fresh("n_" + opType), attributes);
    }

    /** The nodes in topological order (read-only; see {@link #replaceNodes}). */
    public List<Node> nodes() {
        return Collections.unmodifiableList(nodes);
    }

    /** Replaces the node list (a rewrite pass's result; it must stay topologically sorted). */
    public void replaceNodes(List<Node> replacement) {
        nodes.clear();
        nodes.addAll(replacement);
    }

    /** How many nodes read each value. */
    public Map<String, Integer> consumers() {
        Map<String, Integer> m = new HashMap<>();
        for (Node n : nodes) {
            for (String i : n.inputs()) {
                if (!i.isEmpty()) {
                    m.merge(i, 1, Integer::sum);
                }
            }
        }
        return m;
    }

    /** Renames a value by an Identity node (e.g. to give a graph output its public name). */
    public void rename(String from, String to) {
        opMulti("Identity", Map.of(), new String[] {to}, from);
    }

    /** The ModelProto bytes (external weights are referenced, not included). */
    public byte[] toModelBytes(String graphName) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            writeModel(graphName, out);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return out.toByteArray();
    }

    /** The largest message protobuf parses (2 GB - 1), and so the largest ONNX file with inline weights. */
    static final long MAX_PROTOBUF_BYTES = Integer.MAX_VALUE;

    /** Tensors at least this large are streamed from their buffers rather than copied into a message. */
    private static final int STREAM_MIN_BYTES = 1 << 16;

    /**
     * Writes the ModelProto to {@code out}. Large inline tensors are streamed from their buffers (a
     * memory-mapped checkpoint's pages, say), so writing a 1.4 GB model holds no copy of its weights.
     */
    public void writeModel(String graphName, OutputStream out) throws IOException {
        List<Object> parts = new ArrayList<>(); // Protobuf messages and raw ByteBuffers, in file order
        Protobuf head = new Protobuf();
        boolean microsoft = false;
        for (Node n : nodes) {
            head.message(1, nodeProto(n));
            microsoft |= n.domain().equals(MICROSOFT_DOMAIN);
        }
        head.string(2, graphName);
        parts.add(head);
        Protobuf small = new Protobuf();
        for (Initializer i : initializers.values()) {
            ByteBuffer data = i.data().duplicate();
            data.position(0);
            if (i.external() || data.remaining() < STREAM_MIN_BYTES) {
                small.message(5, tensorProto(i));
                continue;
            }
            Protobuf t = tensorHeader(i);
            int n = data.remaining();
            Protobuf lead = new Protobuf().header(5, t.size() + fieldHeaderSize(9, n) + (long) n);
            lead.append(t).header(9, n);
            parts.add(lead);
            parts.add(data);
        }
        for (Protobuf i : inputs) {
            small.message(11, i);
        }
        for (Protobuf o : outputs) {
            small.message(12, o);
        }
        parts.add(small);
        long graphSize = 0;
        for (Object p : parts) {
            graphSize += p instanceof Protobuf ? ((Protobuf) p).size() : ((ByteBuffer) p).remaining();
        }
        if (graphSize > MAX_PROTOBUF_BYTES) {
            // protobuf (and so every ONNX reader) cannot parse a message of 2 GB or more
            throw new IllegalStateException(String.format(Locale.ROOT, "the ONNX model would be %.2f GB with its weights inline, over protobuf's "
                    + "2 GB limit for one file; convert a smaller model, or quantize it (--dtype int8 stores a quarter of the bytes)", graphSize / 1e9));
        }
        new Protobuf().int64(1, 8).string(2, "dpt4j").string(3, "0.1.0").header(7, graphSize).writeTo(out);
        byte[] chunk = new byte[1 << 20];
        for (Object p : parts) {
            if (p instanceof Protobuf) {
                ((Protobuf) p).writeTo(out);
            } else {
                ByteBuffer b = (ByteBuffer) p;
                while (b.hasRemaining()) {
                    int len = Math.min(chunk.length, b.remaining());
                    b.get(chunk, 0, len);
                    out.write(chunk, 0, len);
                }
            }
        }
        Protobuf opsets = new Protobuf().message(8, new Protobuf().string(1, "").int64(2, OPSET));
        if (microsoft) {
            opsets.message(8, new Protobuf().string(1, MICROSOFT_DOMAIN).int64(2, 1));
        }
        opsets.writeTo(out);
    }

    /** Bytes of a length-delimited field's key and length varint. */
    private static int fieldHeaderSize(int field, long length) {
        return new Protobuf().header(field, length).size();
    }

    private static Protobuf nodeProto(Node node) {
        Protobuf n = new Protobuf();
        for (String i : node.inputs()) {
            n.string(1, i);
        }
        for (String o : node.outputs()) {
            n.string(2, o);
        }
        n.string(3, node.name());
        n.string(4, node.opType());
        for (Map.Entry<String, Object> e : node.attributes().entrySet()) {
            Protobuf a = new Protobuf().string(1, e.getKey());
            Object v = e.getValue();
            if (v instanceof Float || v instanceof Double) {
                a.float32(2, ((Number) v).floatValue()).int64(20, 1);
            } else if (v instanceof Integer || v instanceof Long) {
                a.int64(3, ((Number) v).longValue()).int64(20, 2);
            } else if (v instanceof String) {
                a.string(4, (String) v).int64(20, 3);
            } else if (v instanceof long[]) {
                for (long x : (long[]) v) {
                    a.int64(8, x);
                }
                a.int64(20, 7);
            } else if (v instanceof float[]) {
                for (float x : (float[]) v) {
                    a.float32(7, x);
                }
                a.int64(20, 6);
            } else {
                throw new IllegalArgumentException("attribute " + e.getKey() + ": unsupported type " + v.getClass());
            }
            n.message(5, a);
        }
        if (!node.domain().isEmpty()) {
            n.string(7, node.domain());
        }
        return n;
    }

    /** A TensorProto's dims, type and name: everything but its data. */
    private static Protobuf tensorHeader(Initializer i) {
        Protobuf t = new Protobuf();
        for (long d : i.dims()) {
            t.int64(1, d);
        }
        t.int64(2, i.elemType());
        t.string(8, i.name());
        return t;
    }

    private static Protobuf tensorProto(Initializer i) {
        Protobuf t = tensorHeader(i);
        ByteBuffer data = i.data().duplicate();
        data.position(0);
        if (i.external()) {
            t.message(13, new Protobuf().string(1, "location").string(2, "dpt4j-in-memory-" + i.name()));
            t.message(13, new Protobuf().string(1, "offset").string(2, "0"));
            t.message(13, new Protobuf().string(1, "length").string(2, Long.toString((long) data.remaining())));
            t.int64(14, 1);
        } else {
            byte[] raw = new byte[data.remaining()];
            data.get(raw);
            t.bytes(9, raw);
        }
        return t;
    }
}
