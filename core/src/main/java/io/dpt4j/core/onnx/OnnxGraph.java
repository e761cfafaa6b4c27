package io.dpt4j.core.onnx;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds an ONNX model (opset 17) node by node and serialises it as a ModelProto. Large weights can be
 * left out of the file as named external inputs ({@link #external}) and handed to ONNX Runtime as
 * pre-allocated initializers, so they are not copied into the model bytes.
 */
public final class OnnxGraph {
    public static final int OPSET = 17;
    static final int FLOAT = 1;
    static final int INT64 = 7;

    private final List<Protobuf> nodes = new ArrayList<>();
    private final List<Protobuf> initializers = new ArrayList<>();
    private final List<Protobuf> inputs = new ArrayList<>();
    private final List<Protobuf> outputs = new ArrayList<>();
    private final Map<String, ByteBuffer> externals = new LinkedHashMap<>();
    private final Map<String, long[]> externalShapes = new LinkedHashMap<>();
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
        initializers.add(tensor(name, FLOAT, dims, b.array()));
        return name;
    }

    /** A float constant from little-endian float32 bytes. */
    public String constantRaw(String hint, byte[] raw, long... dims) {
        String name = fresh(hint);
        initializers.add(tensor(name, FLOAT, dims, raw));
        return name;
    }

    /** An int64 constant (shapes, axes, indices). */
    public String constantLong(String hint, long[] data, long... dims) {
        String name = fresh(hint);
        ByteBuffer b = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        b.asLongBuffer().put(data);
        initializers.add(tensor(name, INT64, dims, b.array()));
        return name;
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
        String name = fresh(hint);
        externals.put(name, data);
        externalShapes.put(name, dims);
        Protobuf t = new Protobuf();
        for (long d : dims) {
            t.int64(1, d);
        }
        t.int64(2, FLOAT);
        t.string(8, name);
        t.message(13, new Protobuf().string(1, "location").string(2, "dpt4j-in-memory-" + name));
        t.message(13, new Protobuf().string(1, "offset").string(2, "0"));
        t.message(13, new Protobuf().string(1, "length").string(2, Long.toString((long) data.remaining())));
        t.int64(14, 1);
        initializers.add(t);
        return name;
    }

    public Map<String, ByteBuffer> externals() {
        return externals;
    }

    public Map<String, long[]> externalShapes() {
        return externalShapes;
    }

    private static Protobuf tensor(String name, int type, long[] dims, byte[] raw) {
        Protobuf t = new Protobuf();
        for (long d : dims) {
            t.int64(1, d);
        }
        t.int64(2, type);
        t.string(8, name);
        t.bytes(9, raw);
        return t;
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

    public void opMulti(String opType, Map<String, Object> attributes, String[] out, String... in) {
        Protobuf n = new Protobuf();
        for (String i : in) {
            n.string(1, i == null ? "" : i);
        }
        for (String o : out) {
            n.string(2, o);
        }
        n.string(3, fresh("n_" + opType));
        n.string(4, opType);
        for (Map.Entry<String, Object> e : attributes.entrySet()) {
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
        nodes.add(n);
    }

    /** Renames a value by an Identity node (e.g. to give a graph output its public name). */
    public void rename(String from, String to) {
        opMulti("Identity", Map.of(), new String[] {to}, from);
    }

    /** The ModelProto bytes (external weights are referenced, not included). */
    public byte[] toModelBytes(String graphName) {
        Protobuf g = new Protobuf();
        for (Protobuf n : nodes) {
            g.message(1, n);
        }
        g.string(2, graphName);
        for (Protobuf i : initializers) {
            g.message(5, i);
        }
        for (Protobuf i : inputs) {
            g.message(11, i);
        }
        for (Protobuf o : outputs) {
            g.message(12, o);
        }
        Protobuf opset = new Protobuf().string(1, "").int64(2, OPSET);
        return new Protobuf().int64(1, 8).string(2, "dpt4j").string(3, "0.1.0").message(7, g).message(8, opset).toByteArray();
    }
}
