package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import java.math.BigInteger;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * A restricted unpickler for what {@code torch.save} writes for a state dict. It interprets the data
 * opcodes of protocols 2-5 and knows exactly these globals: {@code collections.OrderedDict},
 * {@code torch._utils._rebuild_tensor_v2} / {@code _rebuild_tensor} / {@code _rebuild_parameter}
 * / {@code _rebuild_parameter_with_state}, and the {@code torch.*Storage} types (only as persistent
 * id tags). Any other global or any object-building opcode is refused with an error naming it; no
 * Python code is ever run, nothing is resolved by reflection. Sizes are bounded: strings and ints
 * by the remaining input, the stack, memo and mark stack by fixed limits, and nothing recurses.
 */
final class Unpickler {
    static final int MAX_STACK = 10_000_000;
    static final int MAX_MEMO = 10_000_000;
    static final int MAX_MARKS = 1_000_000;
    static final int MAX_LONG_BYTES = 64;

    /** A Python global known to the allow-list. */
    record Global(String module, String name) {
        String qualified() {
            return module + "." + name;
        }
    }

    /** A Python tuple. Identity semantics: tuples are never used as keys here. */
    static final class Tuple {
        final List<Object> items;

        Tuple(List<Object> items) {
            this.items = items;
        }
    }

    /** Python dict / OrderedDict (insertion-ordered, string or int keys only). */
    static final class Dict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public int hashCode() {
            return System.identityHashCode(this); // never recurse into values
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }
    }

    /** Python list. */
    static final class PyList extends ArrayList<Object> {
        private static final long serialVersionUID = 1L;

        @Override
        public int hashCode() {
            return System.identityHashCode(this);
        }

        @Override
        public boolean equals(Object o) {
            return this == o;
        }
    }

    /** A tensor as {@code _rebuild_tensor_v2} describes it: a view on a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {}

    /** A storage named by a persistent id; {@code elementOffset} is non-zero only for legacy storage views. */
    record StorageRef(DType dtype, String key, long numel, String location, String rootKey, long elementOffset) {}

    /** Turns a persistent id into an object (a {@link StorageRef}). */
    interface PersistentLoader {
        Object load(Object pid, Unpickler u) throws CheckpointException;
    }

    private static final Object MARK = new Object();

    static final Set<String> ALLOWED_GLOBALS;
    static final Map<String, DType> STORAGE_TYPES = new HashMap<>();

    static {
        STORAGE_TYPES.put("FloatStorage", DType.F32);
        STORAGE_TYPES.put("DoubleStorage", DType.F64);
        STORAGE_TYPES.put("HalfStorage", DType.F16);
        STORAGE_TYPES.put("BFloat16Storage", DType.BF16);
        STORAGE_TYPES.put("LongStorage", DType.I64);
        STORAGE_TYPES.put("IntStorage", DType.I32);
        STORAGE_TYPES.put("ShortStorage", DType.I16);
        STORAGE_TYPES.put("CharStorage", DType.I8);
        STORAGE_TYPES.put("ByteStorage", DType.U8);
        STORAGE_TYPES.put("BoolStorage", DType.BOOL);
        Set<String> g = new TreeSet<>();
        g.add("collections.OrderedDict");
        g.add("torch._utils._rebuild_tensor_v2");
        g.add("torch._utils._rebuild_tensor");
        g.add("torch._utils._rebuild_parameter");
        g.add("torch._utils._rebuild_parameter_with_state");
        for (String s : STORAGE_TYPES.keySet()) {
            g.add("torch." + s);
        }
        ALLOWED_GLOBALS = Collections.unmodifiableSet(g);
    }

    private final Path file;
    private final String entry;
    private final ByteBuffer in;
    private final PersistentLoader persistent;
    private final List<Object> stack = new ArrayList<>();
    private final List<Integer> marks = new ArrayList<>();
    private final Map<Long, Object> memo = new HashMap<>();
    private int opStart;

    /**
     * @param data the pickle bytes from its position (the buffer's position advances past STOP)
     */
    Unpickler(Path file, String entry, ByteBuffer data, PersistentLoader persistent) {
        this.file = file;
        this.entry = entry;
        this.in = data.order(ByteOrder.LITTLE_ENDIAN);
        this.persistent = persistent;
    }

    Path file() {
        return file;
    }

    String entry() {
        return entry;
    }

    CheckpointException error(String problem) {
        return CheckpointException.entry(Kind.INVALID_PICKLE, file, entry, problem + " (pickle byte " + opStart + ")");
    }

    private UnsafePickleException refuse(String offending, String what) {
        return new UnsafePickleException(file, entry, offending, what + " '" + offending
                + "' is not allowed in a state dict pickle; refused without running anything (pickle byte " + opStart
                + "; allowed globals: " + ALLOWED_GLOBALS + ")");
    }

    /** Reads one pickle up to its STOP opcode and returns the result. */
    Object load() throws CheckpointException {
        try {
            return run();
        } catch (BufferUnderflowException e) {
            throw error("truncated pickle: an operand runs past the end of the data");
        }
    }

    private Object run() throws CheckpointException {
        while (true) {
            opStart = in.position();
            int op = u8();
            switch (op) {
                case 0x80: { // PROTO
                    int proto = u8();
                    if (proto < 2 || proto > 5) {
                        throw error("unsupported pickle protocol " + proto + " (expected 2 to 5)");
                    }
                    break;
                }
                case 0x95: // FRAME
                    bytes8Len();
                    break;
                case '.': // STOP
                    Object result = pop();
                    if (result == MARK) {
                        throw error("malformed pickle: STOP on a mark");
                    }
                    return result;
                case '(': // MARK
                    if (marks.size() >= MAX_MARKS) {
                        throw error("too many nested marks (limit " + MAX_MARKS + ")");
                    }
                    marks.add(stack.size());
                    break;
                case '0': // POP
                    pop();
                    break;
                case '1': // POP_MARK
                    popMark();
                    break;
                case '2': // DUP
                    push(peek());
                    break;
                case 'N':
                    push(null);
                    break;
                case 0x88:
                    push(Boolean.TRUE);
                    break;
                case 0x89:
                    push(Boolean.FALSE);
                    break;
                case 'J':
                    push((long) in.getInt());
                    break;
                case 'K':
                    push((long) u8());
                    break;
                case 'M':
                    push((long) (in.getShort() & 0xffff));
                    break;
                case 0x8a: // LONG1
                    push(longBytes(u8()));
                    break;
                case 0x8b: { // LONG4
                    int n = in.getInt();
                    if (n < 0 || n > MAX_LONG_BYTES) {
                        throw error("LONG4 of " + n + " bytes (limit " + MAX_LONG_BYTES + ")");
                    }
                    push(longBytes(n));
                    break;
                }
                case 'G':
                    push(in.order(ByteOrder.BIG_ENDIAN).getDouble());
                    in.order(ByteOrder.LITTLE_ENDIAN);
                    break;
                case 'X':
                    push(utf8(len(in.getInt() & 0xffffffffL)));
                    break;
                case 0x8c:
                    push(utf8(len(u8())));
                    break;
                case 0x8d:
                    push(utf8(len(in.getLong())));
                    break;
                case 'T': // BINSTRING (python 2 str)
                    push(latin1(len(in.getInt())));
                    break;
                case 'U':
                    push(latin1(len(u8())));
                    break;
                case 'B':
                    push(raw(len(in.getInt() & 0xffffffffL)));
                    break;
                case 'C':
                    push(raw(len(u8())));
                    break;
                case 0x8e:
                    push(raw(len(in.getLong())));
                    break;
                case ')':
                    push(new Tuple(List.of()));
                    break;
                case 't':
                    push(new Tuple(popMark()));
                    break;
                case 0x85:
                    push(new Tuple(Collections.singletonList(pop())));
                    break;
                case 0x86: {
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b)));
                    break;
                }
                case 0x87: {
                    Object c = pop();
                    Object b = pop();
                    Object a = pop();
                    push(new Tuple(Arrays.asList(a, b, c)));
                    break;
                }
                case ']':
                    push(new PyList());
                    break;
                case 'l': {
                    PyList l = new PyList();
                    l.addAll(popMark());
                    push(l);
                    break;
                }
                case '}':
                    push(new Dict());
                    break;
                case 'd': {
                    List<Object> items = popMark();
                    Dict d = new Dict();
                    putPairs(d, items);
                    push(d);
                    break;
                }
                case 'a': {
                    Object v = pop();
                    list(peek()).add(v);
                    break;
                }
                case 'e': {
                    List<Object> items = popMark();
                    list(peek()).addAll(items);
                    break;
                }
                case 's': {
                    Object v = pop();
                    Object k = pop();
                    dict(peek()).put(key(k), v);
                    break;
                }
                case 'u': {
                    List<Object> items = popMark();
                    putPairs(dict(peek()), items);
                    break;
                }
                case 'q':
                    memoPut(u8());
                    break;
                case 'r':
                    memoPut(in.getInt() & 0xffffffffL);
                    break;
                case 0x94: // MEMOIZE
                    memoPut(memo.size());
                    break;
                case 'h':
                    memoGet(u8());
                    break;
                case 'j':
                    memoGet(in.getInt() & 0xffffffffL);
                    break;
                case 'c': { // GLOBAL
                    String module = line();
                    String name = line();
                    push(global(module, name));
                    break;
                }
                case 0x93: { // STACK_GLOBAL
                    Object name = pop();
                    Object module = pop();
                    if (!(module instanceof String) || !(name instanceof String)) {
                        throw error("STACK_GLOBAL expects two strings");
                    }
                    push(global((String) module, (String) name));
                    break;
                }
                case 'Q': { // BINPERSID
                    Object pid = pop();
                    push(persistent.load(pid, this));
                    break;
                }
                case 'R': { // REDUCE
                    Object args = pop();
                    Object fn = pop();
                    push(reduce(fn, args));
                    break;
                }
                case 'b': { // BUILD
                    pop(); // the state: OrderedDict._metadata, tensor __dict__ ... never applied
                    Object target = peek();
                    if (!(target instanceof Dict) && !(target instanceof TensorRef)) {
                        throw error("BUILD on a " + typeName(target) + " (only a dict or tensor state is accepted)");
                    }
                    break;
                }
                default:
                    throw refusedOpcode(op);
            }
        }
    }

    private CheckpointException refusedOpcode(int op) {
        String name = OPCODE_NAMES.get(op);
        if (name != null) {
            return new UnsafePickleException(file, entry, name, "pickle opcode " + name
                    + " is not allowed in a state dict pickle; refused without running anything (pickle byte " + opStart + ")");
        }
        return error(String.format("unknown pickle opcode 0x%02x", op));
    }

    private static final Map<Integer, String> OPCODE_NAMES = Map.ofEntries(
            Map.entry((int) 'i', "INST"), Map.entry((int) 'o', "OBJ"), Map.entry(0x81, "NEWOBJ"),
            Map.entry(0x92, "NEWOBJ_EX"), Map.entry(0x82, "EXT1"), Map.entry(0x83, "EXT2"), Map.entry(0x84, "EXT4"),
            Map.entry((int) 'P', "PERSID"), Map.entry((int) 'I', "INT"), Map.entry((int) 'L', "LONG"),
            Map.entry((int) 'S', "STRING"), Map.entry((int) 'V', "UNICODE"), Map.entry((int) 'F', "FLOAT"),
            Map.entry((int) 'g', "GET"), Map.entry((int) 'p', "PUT"), Map.entry(0x8f, "EMPTY_SET"),
            Map.entry(0x90, "ADDITEMS"), Map.entry(0x91, "FROZENSET"), Map.entry(0x96, "BYTEARRAY8"),
            Map.entry(0x97, "NEXT_BUFFER"), Map.entry(0x98, "READONLY_BUFFER"));

    private Object global(String module, String name) throws CheckpointException {
        String q = module + "." + name;
        if (!ALLOWED_GLOBALS.contains(q)) {
            throw refuse(CheckpointException.oneLine(q), "global");
        }
        return new Global(module, name);
    }

    private Object reduce(Object fn, Object args) throws CheckpointException {
        if (!(fn instanceof Global g)) {
            throw error("REDUCE on a " + typeName(fn) + " (only allow-listed globals may be called)");
        }
        if (!(args instanceof Tuple t)) {
            throw error("REDUCE arguments for " + g.qualified() + " must be a tuple, got " + typeName(args));
        }
        List<Object> a = t.items;
        switch (g.qualified()) {
            case "collections.OrderedDict": {
                Dict d = new Dict();
                if (a.size() == 1 && a.get(0) instanceof List<?> pairs) {
                    for (Object p : pairs) {
                        List<Object> kv = p instanceof Tuple pt ? pt.items : p instanceof PyList pl ? pl : null;
                        if (kv == null || kv.size() != 2) {
                            throw error("OrderedDict expects (key, value) pairs");
                        }
                        d.put(key(kv.get(0)), kv.get(1));
                    }
                } else if (!a.isEmpty()) {
                    throw error("OrderedDict called with " + a.size() + " unexpected arguments");
                }
                return d;
            }
            case "torch._utils._rebuild_tensor_v2":
                if (a.size() < 6 || a.size() > 7) {
                    throw error("_rebuild_tensor_v2 expects 6 or 7 arguments, got " + a.size());
                }
                return rebuildTensor(a);
            case "torch._utils._rebuild_tensor":
                if (a.size() != 4) {
                    throw error("_rebuild_tensor expects 4 arguments, got " + a.size());
                }
                return rebuildTensor(a);
            case "torch._utils._rebuild_parameter":
            case "torch._utils._rebuild_parameter_with_state":
                if (a.size() < 3 || a.size() > 4 || !(a.get(0) instanceof TensorRef)) {
                    throw error(g.name() + " expects (tensor, requires_grad, hooks[, state])");
                }
                return a.get(0);
            default:
                throw refuse(g.qualified(), "calling global");
        }
    }

    private TensorRef rebuildTensor(List<Object> a) throws CheckpointException {
        if (!(a.get(0) instanceof StorageRef s)) {
            throw error("tensor rebuild expects a storage first, got " + typeName(a.get(0)));
        }
        long offset = intArg(a.get(1), "storage_offset");
        long[] size = intTuple(a.get(2), "size");
        long[] stride = intTuple(a.get(3), "stride");
        if (size.length != stride.length) {
            throw error("tensor size has " + size.length + " dims but stride has " + stride.length);
        }
        return new TensorRef(s, offset, size, stride);
    }

    private long intArg(Object o, String what) throws CheckpointException {
        if (o instanceof Long l) {
            return l;
        }
        throw error(what + " must be an int, got " + typeName(o));
    }

    private long[] intTuple(Object o, String what) throws CheckpointException {
        if (!(o instanceof Tuple t)) {
            throw error(what + " must be a tuple of ints, got " + typeName(o));
        }
        long[] out = new long[t.items.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = intArg(t.items.get(i), what + "[" + i + "]");
        }
        return out;
    }

    static String typeName(Object o) {
        if (o == null) {
            return "None";
        }
        if (o == MARK) {
            return "mark";
        }
        if (o instanceof Global g) {
            return "global " + g.qualified();
        }
        if (o instanceof Tuple) {
            return "tuple";
        }
        if (o instanceof Dict) {
            return "dict";
        }
        if (o instanceof PyList) {
            return "list";
        }
        if (o instanceof TensorRef) {
            return "tensor";
        }
        if (o instanceof StorageRef) {
            return "storage";
        }
        if (o instanceof String) {
            return "str";
        }
        if (o instanceof Long || o instanceof BigInteger) {
            return "int";
        }
        if (o instanceof Double) {
            return "float";
        }
        if (o instanceof Boolean) {
            return "bool";
        }
        if (o instanceof byte[]) {
            return "bytes";
        }
        return o.getClass().getSimpleName();
    }

    private Object key(Object k) throws CheckpointException {
        if (k instanceof String || k instanceof Long || k instanceof Boolean || k == null) {
            return k;
        }
        throw error("dict key of type " + typeName(k) + " (expected str or int)");
    }

    private void putPairs(Map<Object, Object> d, List<Object> items) throws CheckpointException {
        if (items.size() % 2 != 0) {
            throw error("odd number of items for a dict");
        }
        for (int i = 0; i < items.size(); i += 2) {
            d.put(key(items.get(i)), items.get(i + 1));
        }
    }

    @SuppressWarnings("unchecked")
    private List<Object> list(Object o) throws CheckpointException {
        if (o instanceof PyList l) {
            return l;
        }
        throw error("APPEND to a " + typeName(o) + " (expected a list)");
    }

    private Map<Object, Object> dict(Object o) throws CheckpointException {
        if (o instanceof Dict d) {
            return d;
        }
        throw error("SETITEM on a " + typeName(o) + " (expected a dict)");
    }

    private void push(Object o) throws CheckpointException {
        if (stack.size() >= MAX_STACK) {
            throw error("pickle stack exceeds " + MAX_STACK + " items");
        }
        stack.add(o);
    }

    private Object pop() throws CheckpointException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("malformed pickle: pop from an empty stack");
        }
        return stack.remove(stack.size() - 1);
    }

    private Object peek() throws CheckpointException {
        int floor = marks.isEmpty() ? 0 : marks.get(marks.size() - 1);
        if (stack.size() <= floor) {
            throw error("malformed pickle: empty stack");
        }
        return stack.get(stack.size() - 1);
    }

    private List<Object> popMark() throws CheckpointException {
        if (marks.isEmpty()) {
            throw error("malformed pickle: no mark");
        }
        int m = marks.remove(marks.size() - 1);
        List<Object> sub = new ArrayList<>(stack.subList(m, stack.size()));
        stack.subList(m, stack.size()).clear();
        return sub;
    }

    private void memoPut(long idx) throws CheckpointException {
        if (memo.size() >= MAX_MEMO && !memo.containsKey(idx)) {
            throw error("pickle memo exceeds " + MAX_MEMO + " entries");
        }
        memo.put(idx, peek());
    }

    private void memoGet(long idx) throws CheckpointException {
        if (!memo.containsKey(idx)) {
            throw error("malformed pickle: memo key " + idx + " was never stored");
        }
        push(memo.get(idx));
    }

    private int u8() throws CheckpointException {
        if (!in.hasRemaining()) {
            throw error("truncated pickle: ends without STOP");
        }
        return in.get() & 0xff;
    }

    private int len(long n) throws CheckpointException {
        if (n < 0 || n > in.remaining()) {
            throw error("truncated pickle: a " + n + "-byte value but only " + in.remaining() + " bytes remain");
        }
        return (int) n;
    }

    private void bytes8Len() throws CheckpointException {
        if (in.remaining() < 8) {
            throw error("truncated pickle frame");
        }
        in.getLong();
    }

    private byte[] raw(int n) {
        byte[] b = new byte[n];
        in.get(b);
        return b;
    }

    private String utf8(int n) throws CheckpointException {
        byte[] b = raw(n);
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(b)).toString();
        } catch (CharacterCodingException e) {
            throw error("string is not valid UTF-8");
        }
    }

    private String latin1(int n) {
        return new String(raw(n), StandardCharsets.ISO_8859_1);
    }

    private Object longBytes(int n) throws CheckpointException {
        byte[] b = raw(len(n));
        if (n == 0) {
            return 0L;
        }
        byte[] be = new byte[n];
        for (int i = 0; i < n; i++) {
            be[i] = b[n - 1 - i];
        }
        BigInteger v = new BigInteger(be);
        return v.bitLength() < 64 ? (Object) v.longValue() : v;
    }

    /** A newline-terminated ASCII line (GLOBAL operands), at most 256 bytes. */
    private String line() throws CheckpointException {
        StringBuilder sb = new StringBuilder();
        while (true) {
            int c = u8();
            if (c == '\n') {
                return sb.toString();
            }
            if (sb.length() >= 256) {
                throw error("GLOBAL name longer than 256 bytes");
            }
            sb.append((char) c);
        }
    }
}
