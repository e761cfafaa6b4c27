package io.dpt4j.core.nn;

import java.util.Objects;

/**
 * One size of a tensor: a known number, or (in an ONNX graph with symbolic batch/height/width) an
 * int64 expression over the input's shape that the graph computes at run time.
 *
 * <p>Arithmetic folds when both sides are known, so modules write transformers' size arithmetic once
 * ({@code height.div(patchSize)}, {@code size.plus(pad)}) and get a number on the eager engine and in
 * static graphs, and a few int64 graph nodes where the size is symbolic. Symbolic dims are
 * expressions, materialised into nodes only when a graph op needs them ({@link OnnxOps}); two dims
 * built the same way compare {@link #equals equal}.
 */
public final class Dim {
    private final long value;
    /** The operator of a symbolic expression ("Add", "Sub", "Mul", "Div", "Mod", "Max", "Sqrt") or "input". */
    final String op;
    final Dim a;
    final Dim b;
    /** For op "input": the graph value holding the dim ([1] int64), set by the graph builder. */
    final String source;

    private Dim(long value) {
        this.value = value;
        this.op = null;
        this.a = null;
        this.b = null;
        this.source = null;
    }

    private Dim(String op, Dim a, Dim b, String source) {
        this.value = -1;
        this.op = op;
        this.a = a;
        this.b = b;
        this.source = source;
    }

    public static Dim of(long value) {
        return new Dim(value);
    }

    /** A symbolic dim read from a graph value (an int64 tensor of shape [1]). */
    static Dim symbol(String graphValue) {
        return new Dim("input", null, null, graphValue);
    }

    public static Dim[] of(long... values) {
        Dim[] d = new Dim[values.length];
        for (int i = 0; i < values.length; i++) {
            d[i] = of(values[i]);
        }
        return d;
    }

    public boolean isKnown() {
        return op == null;
    }

    /** The number; fails for a symbolic dim (code that needs a number must check {@link #isKnown}). */
    public long value() {
        if (op != null) {
            throw new IllegalStateException("this size depends on the input (symbolic in the ONNX graph): " + this);
        }
        return value;
    }

    private Dim bin(String o, Dim other) {
        return new Dim(o, this, other, null);
    }

    public Dim plus(Dim o) {
        if (isKnown() && o.isKnown()) {
            return of(value + o.value);
        }
        if (o.isKnown() && o.value == 0) {
            return this;
        }
        return bin("Add", o);
    }

    public Dim plus(long o) {
        return plus(of(o));
    }

    public Dim minus(Dim o) {
        if (isKnown() && o.isKnown()) {
            return of(value - o.value);
        }
        if (o.isKnown() && o.value == 0) {
            return this;
        }
        return bin("Sub", o);
    }

    public Dim minus(long o) {
        return minus(of(o));
    }

    public Dim times(Dim o) {
        if (isKnown() && o.isKnown()) {
            return of(value * o.value);
        }
        if (o.isKnown() && o.value == 1) {
            return this;
        }
        if (isKnown() && value == 1) {
            return o;
        }
        return bin("Mul", o);
    }

    public Dim times(long o) {
        return times(of(o));
    }

    /** Floor division of non-negative sizes (Python's {@code //}). */
    public Dim div(Dim o) {
        if (isKnown() && o.isKnown()) {
            return of(Math.floorDiv(value, o.value));
        }
        if (o.isKnown() && o.value == 1) {
            return this;
        }
        return bin("Div", o);
    }

    public Dim div(long o) {
        return div(of(o));
    }

    /** Python's {@code %} on non-negative sizes. */
    public Dim mod(long o) {
        if (isKnown()) {
            return of(Math.floorMod(value, o));
        }
        return bin("Mod", of(o));
    }

    public Dim max(long o) {
        if (isKnown()) {
            return of(Math.max(value, o));
        }
        return bin("Max", of(o));
    }

    /** {@code int(math.sqrt(n))}, the side of a square grid of n tokens. */
    public Dim sqrtFloor() {
        if (isKnown()) {
            long s = (long) Math.floor(Math.sqrt((double) value));
            return of(s);
        }
        return new Dim("Sqrt", this, null, null);
    }

    /** Whether both are the same known number or the same expression (false when that cannot be told). */
    @Override
    public boolean equals(Object other) {
        if (!(other instanceof Dim)) {
            return false;
        }
        Dim d = (Dim) other;
        if (isKnown() || d.isKnown()) {
            return isKnown() && d.isKnown() && value == d.value;
        }
        return op.equals(d.op) && Objects.equals(source, d.source) && Objects.equals(a, d.a) && Objects.equals(b, d.b);
    }

    @Override
    public int hashCode() {
        return isKnown() ? Long.hashCode(value) : Objects.hash(op, source, a, b);
    }

    @Override
    public String toString() {
        if (isKnown()) {
            return Long.toString(value);
        }
        if (source != null) {
            return source;
        }
        return b == null ? op + "(" + a + ")" : "(" + a + " " + op + " " + b + ")";
    }

    /** Whether every dim is known. */
    public static boolean allKnown(Dim... dims) {
        for (Dim d : dims) {
            if (!d.isKnown()) {
                return false;
            }
        }
        return true;
    }

    /** The numbers of known dims. */
    public static long[] values(Dim... dims) {
        long[] v = new long[dims.length];
        for (int i = 0; i < dims.length; i++) {
            v[i] = dims[i].value();
        }
        return v;
    }

    /** A dim from a Dim, a Long or an Integer (the arguments of reshape and expand). */
    static Dim from(Object o) {
        if (o instanceof Dim) {
            return (Dim) o;
        }
        if (o instanceof Number) {
            return of(((Number) o).longValue());
        }
        throw new IllegalArgumentException("a size must be a Dim or a number, got " + o);
    }
}
