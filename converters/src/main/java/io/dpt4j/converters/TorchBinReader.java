package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import io.dpt4j.converters.Unpickler.Dict;
import io.dpt4j.converters.Unpickler.Global;
import io.dpt4j.converters.Unpickler.StorageRef;
import io.dpt4j.converters.Unpickler.TensorRef;
import io.dpt4j.converters.Unpickler.Tuple;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads a {@code pytorch_model.bin} written by {@code torch.save}, in the zip container
 * ({@code <top>/data.pkl}, {@code <top>/data/<key>}, {@code <top>/byteorder}) or the legacy
 * non-zip format (five pickles followed by the raw storages), through the restricted
 * {@link Unpickler}: no code from the file ever runs. Storage offsets, strides, views and storages
 * shared between tensors are honoured; a contiguous tensor is a zero-copy slice of the memory map,
 * any other view is gathered into a new buffer.
 */
public final class TorchBinReader implements TensorReader {
    static final BigInteger LEGACY_MAGIC = new BigInteger("1950a86a20f9469cfc6c", 16);
    static final long LEGACY_PROTOCOL = 1001;
    /** A view may be larger than its storage (stride 0) only up to this many bytes. */
    static final long MAX_EXPANDED_VIEW_BYTES = 64L << 20;

    private final Path file;
    private final MappedFile mapped;
    private final Map<String, TensorRef> tensors;
    private final Map<String, StorageData> storages;
    private final ByteOrder order;
    private final List<String> names;
    private final String format;
    private volatile boolean closed;

    /** Where a root storage's bytes are. */
    interface StorageData {
        ByteBuffer bytes() throws CheckpointException;
    }

    private TorchBinReader(Path file, MappedFile mapped, Map<String, TensorRef> tensors,
            Map<String, StorageData> storages, ByteOrder order, String format) {
        this.file = file;
        this.mapped = mapped;
        this.tensors = tensors;
        this.storages = storages;
        this.order = order;
        this.format = format;
        this.names = Collections.unmodifiableList(new ArrayList<>(new TreeMap<>(tensors).keySet()));
    }

    /** Opens a torch zip or legacy file, recognised by its first bytes. */
    public static TorchBinReader open(Path file) throws CheckpointException {
        MappedFile mf = new MappedFile(file);
        try {
            ByteBuffer head = mf.slice(0, Math.min(4, mf.size()), null);
            boolean zip = head.remaining() == 4 && head.getInt(0) == 0x04034b50;
            return zip ? openZip(file, mf) : openLegacy(file, mf);
        } catch (CheckpointException | RuntimeException e) {
            try {
                mf.close();
            } catch (CheckpointException ignored) {
                // report the first error
            }
            if (e instanceof CheckpointException ce) {
                throw ce;
            }
            throw new CheckpointException(Kind.IO_ERROR, file, null, "cannot read: " + e, e);
        }
    }

    /** "zip" or "legacy". */
    public String format() {
        return format;
    }

    // ---------------------------------------------------------------- zip

    private static TorchBinReader openZip(Path file, MappedFile mf) throws CheckpointException {
        ZipArchive zip = ZipArchive.read(mf);
        List<String> pkls = new ArrayList<>();
        for (String n : zip.namesEndingWith("/data.pkl")) {
            if (n.indexOf('/') == n.length() - "/data.pkl".length()) {
                pkls.add(n);
            }
        }
        if (pkls.size() != 1) {
            throw new CheckpointException(Kind.INVALID_ARCHIVE, file, null, "torch zip archive must hold exactly one <top>/data.pkl, found "
                    + (pkls.isEmpty() ? "none" : pkls.toString()));
        }
        String pkl = pkls.get(0);
        String top = pkl.substring(0, pkl.length() - "/data.pkl".length());
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        ZipArchive.Entry bo = zip.entry(top + "/byteorder");
        if (bo != null) {
            ByteBuffer b = zip.data(bo);
            if (b.remaining() > 16) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, file, bo.name(), "expected 'little' or 'big'");
            }
            byte[] raw = new byte[b.remaining()];
            b.duplicate().get(raw);
            String s = new String(raw, StandardCharsets.US_ASCII).trim();
            if (s.equals("big")) {
                order = ByteOrder.BIG_ENDIAN;
            } else if (!s.equals("little")) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, file, bo.name(), "expected 'little' or 'big', got '"
                        + CheckpointException.oneLine(s) + "'");
            }
        }
        Map<String, StorageRef> refs = new HashMap<>();
        Unpickler u = new Unpickler(file, pkl, zip.data(zip.entry(pkl)).duplicate(), (pid, up) -> storageFromPid(pid, up, refs, false));
        Object root = u.load();
        Map<String, TensorRef> tensors = stateDict(file, pkl, root);
        Map<String, StorageData> storages = new HashMap<>();
        for (StorageRef s : refs.values()) {
            String name = top + "/data/" + s.key();
            ZipArchive.Entry e = zip.entry(name);
            if (e == null) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, file, name, "storage record is missing from the archive (truncated?)");
            }
            long expected = storageBytes(file, s);
            if (e.size() != expected) {
                throw CheckpointException.entry(Kind.METADATA_INCOMPLETE_BUFFER, file, name, "storage record holds " + e.size() + " bytes but its "
                        + s.dtype() + " storage of " + s.numel() + " elements needs " + expected);
            }
            storages.put(s.key(), () -> zip.data(e));
        }
        validateViews(file, tensors, refs);
        return new TorchBinReader(file, mf, tensors, storages, order, "zip");
    }

    // ---------------------------------------------------------------- legacy

    private static TorchBinReader openLegacy(Path file, MappedFile mf) throws CheckpointException {
        ByteBuffer window = mf.slice(0, Math.min(mf.size(), ConverterConstants.MAP_REGION_BYTES), null).duplicate();
        Unpickler.PersistentLoader none = (pid, up) -> {
            throw up.error("unexpected persistent id");
        };
        Object magic = new Unpickler(file, "magic number pickle", window, none).load();
        if (!(magic instanceof BigInteger b) || !b.equals(LEGACY_MAGIC)) {
            throw new CheckpointException(Kind.UNKNOWN_FORMAT, file, null, "not a torch checkpoint: the first pickle is not torch's magic number "
                    + "0x1950a86a20f9469cfc6c (neither a zip nor a legacy torch.save file)");
        }
        Object proto = new Unpickler(file, "protocol version pickle", window, none).load();
        if (!(proto instanceof Long l) || l != LEGACY_PROTOCOL) {
            throw new CheckpointException(Kind.UNSUPPORTED, file, null, "legacy torch file has protocol version "
                    + (proto instanceof Long ? proto : Unpickler.typeName(proto)) + ", expected " + LEGACY_PROTOCOL);
        }
        Object sysInfo = new Unpickler(file, "sys_info pickle", window, none).load();
        ByteOrder order = ByteOrder.LITTLE_ENDIAN;
        if (sysInfo instanceof Dict d) {
            if (Boolean.FALSE.equals(d.get("little_endian"))) {
                order = ByteOrder.BIG_ENDIAN;
            }
        } else {
            throw new CheckpointException(Kind.INVALID_PICKLE, file, null, "legacy torch file: sys_info pickle is a "
                    + Unpickler.typeName(sysInfo) + ", expected a dict");
        }
        Map<String, StorageRef> refs = new HashMap<>();
        Object root = new Unpickler(file, "data pickle", window, (pid, up) -> storageFromPid(pid, up, refs, true)).load();
        Map<String, TensorRef> tensors = stateDict(file, "data pickle", root);
        Object keys = new Unpickler(file, "storage keys pickle", window, none).load();
        if (!(keys instanceof List<?> keyList)) {
            throw new CheckpointException(Kind.INVALID_PICKLE, file, null, "legacy torch file: storage keys pickle is a "
                    + Unpickler.typeName(keys) + ", expected a list");
        }
        long pos = window.position();
        Map<String, StorageData> storages = new HashMap<>();
        for (Object k : keyList) {
            if (!(k instanceof String key)) {
                throw new CheckpointException(Kind.INVALID_PICKLE, file, null, "legacy torch file: storage key is a " + Unpickler.typeName(k));
            }
            StorageRef s = refs.get(key);
            if (s == null) {
                throw CheckpointException.entry(Kind.INVALID_STORAGE, file, "storage " + key, "listed in the storage keys but no tensor uses it "
                        + "(its element size is unknown)");
            }
            if (storages.containsKey(key)) {
                throw CheckpointException.entry(Kind.INVALID_STORAGE, file, "storage " + key, "listed twice in the storage keys");
            }
            if (pos > mf.size() - 8) {
                throw CheckpointException.entry(Kind.METADATA_INCOMPLETE_BUFFER, file, "storage " + key, "truncated file: no element count at byte " + pos);
            }
            long count = mf.slice(pos, 8, key).order(order).getLong(0);
            if (count != s.numel()) {
                throw CheckpointException.entry(Kind.INVALID_STORAGE, file, "storage " + key, "stored element count " + count
                        + " does not match the " + s.numel() + " elements its persistent id declares");
            }
            long nbytes = storageBytes(file, s);
            long start = pos + 8;
            if (nbytes > mf.size() - start) {
                throw CheckpointException.entry(Kind.METADATA_INCOMPLETE_BUFFER, file, "storage " + key, "truncated file: " + nbytes + " bytes of data at byte "
                        + start + " run past the end of the " + mf.size() + "-byte file");
            }
            storages.put(key, () -> mf.slice(start, nbytes, key));
            pos = start + nbytes;
        }
        for (String key : refs.keySet()) {
            StorageRef s = refs.get(key);
            if (!storages.containsKey(s.rootKey())) {
                throw CheckpointException.entry(Kind.INVALID_STORAGE, file, "storage " + s.rootKey(), "used by a tensor but missing from the "
                        + "storage keys (truncated?)");
            }
        }
        validateViews(file, tensors, refs);
        return new TorchBinReader(file, mf, tensors, storages, order, "legacy");
    }

    // ---------------------------------------------------------------- shared

    /** Interprets ('storage', torch.XStorage, key, location, numel[, view_metadata]). */
    private static Object storageFromPid(Object pid, Unpickler up, Map<String, StorageRef> refs, boolean legacy)
            throws CheckpointException {
        if (!(pid instanceof Tuple t) || t.items.size() < 5 || t.items.size() > 6 || !"storage".equals(t.items.get(0))) {
            throw up.error("persistent id must be ('storage', type, key, location, numel), got a "
                    + Unpickler.typeName(pid));
        }
        List<Object> a = t.items;
        if (!(a.get(1) instanceof Global g) || !g.module().equals("torch") || !Unpickler.STORAGE_TYPES.containsKey(g.name())) {
            throw up.error("persistent id storage type must be a torch.*Storage, got " + Unpickler.typeName(a.get(1)));
        }
        DType dtype = Unpickler.STORAGE_TYPES.get(g.name());
        if (!(a.get(2) instanceof String key) || key.isEmpty() || key.contains("/") || key.contains("\\") || key.equals("..")) {
            throw up.error("persistent id storage key must be a plain string, got " + Unpickler.typeName(a.get(2)));
        }
        if (!(a.get(3) instanceof String location)) {
            throw up.error("persistent id location must be a string, got " + Unpickler.typeName(a.get(3)));
        }
        if (!(a.get(4) instanceof Long numel) || numel < 0) {
            throw up.error("persistent id numel must be a non-negative int");
        }
        StorageRef root = new StorageRef(dtype, key, numel, location, key, 0);
        StorageRef prev = refs.putIfAbsent(key, root);
        if (prev != null && (prev.dtype() != dtype || prev.numel() != numel)) {
            throw up.error("storage '" + key + "' is declared twice with different types or sizes ("
                    + prev.dtype() + " x " + prev.numel() + " vs " + dtype + " x " + numel + ")");
        }
        if (a.size() == 6 && a.get(5) != null) {
            // pre-0.4 legacy files: a storage view (view_key, offset, size) on the root storage
            if (!legacy || !(a.get(5) instanceof Tuple v) || v.items.size() != 3 || !(v.items.get(0) instanceof String vk)
                    || !(v.items.get(1) instanceof Long off) || !(v.items.get(2) instanceof Long size) || off < 0 || size < 0
                    || off > numel || size > numel - off) {
                throw up.error("storage view metadata of '" + key + "' must be (key, offset, size) within its storage");
            }
            StorageRef view = new StorageRef(dtype, vk, size, location, key, off);
            refs.putIfAbsent("view:" + vk, view);
            return view;
        }
        return refs.get(key);
    }

    private static Map<String, TensorRef> stateDict(Path file, String entry, Object root) throws CheckpointException {
        if (!(root instanceof Dict d)) {
            throw CheckpointException.entry(Kind.INVALID_PICKLE, file, entry, "the pickle holds a " + Unpickler.typeName(root)
                    + ", expected a state dict (a dict of name -> tensor)");
        }
        Map<String, TensorRef> out = new LinkedHashMap<>();
        for (Map.Entry<Object, Object> e : d.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw CheckpointException.entry(Kind.INVALID_PICKLE, file, entry, "state dict key of type " + Unpickler.typeName(e.getKey())
                        + ", expected str");
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new CheckpointException(Kind.INVALID_PICKLE, file, name, "state dict value is a " + Unpickler.typeName(e.getValue())
                        + ", expected a tensor" + (e.getValue() instanceof Dict ? " (a nested checkpoint? pass a flat state dict)" : ""));
            }
            out.put(name, t);
        }
        return out;
    }

    private static long storageBytes(Path file, StorageRef s) throws CheckpointException {
        try {
            return Math.multiplyExact(s.numel(), (long) s.dtype().byteSize());
        } catch (ArithmeticException e) {
            throw CheckpointException.entry(Kind.VALIDATION_OVERFLOW, file, "storage " + s.key(), "size overflows 64-bit arithmetic");
        }
    }

    /** Checks that every tensor's view lies inside its storage, with overflow-checked arithmetic. */
    private static void validateViews(Path file, Map<String, TensorRef> tensors, Map<String, StorageRef> refs)
            throws CheckpointException {
        for (Map.Entry<String, TensorRef> e : tensors.entrySet()) {
            TensorRef t = e.getValue();
            String name = e.getKey();
            StorageRef s = t.storage();
            if (t.offset() < 0) {
                throw new CheckpointException(Kind.INVALID_TENSOR_VIEW, file, name, "negative storage offset " + t.offset());
            }
            try {
                long numel = 1;
                long maxIndex = t.offset();
                for (int i = 0; i < t.size().length; i++) {
                    long n = t.size()[i];
                    long st = t.stride()[i];
                    if (n < 0 || st < 0) {
                        throw new CheckpointException(Kind.INVALID_TENSOR_VIEW, file, name, "negative size or stride in " + Arrays.toString(t.size())
                                + " / " + Arrays.toString(t.stride()));
                    }
                    numel = Math.multiplyExact(numel, n);
                    if (n > 0) {
                        maxIndex = Math.addExact(maxIndex, Math.multiplyExact(n - 1, st));
                    }
                }
                if (numel > 0 && maxIndex >= s.numel()) {
                    throw new CheckpointException(Kind.INVALID_TENSOR_VIEW, file, name, "view (offset " + t.offset() + ", size " + Arrays.toString(t.size())
                            + ", stride " + Arrays.toString(t.stride()) + ") reaches element " + maxIndex + " but its storage '"
                            + s.key() + "' has " + s.numel() + " elements");
                }
                long bytes = Math.multiplyExact(numel, (long) s.dtype().byteSize());
                long storageBytes = Math.multiplyExact(s.numel(), (long) s.dtype().byteSize());
                if (bytes > storageBytes && bytes > MAX_EXPANDED_VIEW_BYTES) {
                    throw new CheckpointException(Kind.INVALID_TENSOR_VIEW, file, name, "view of " + numel + " elements expands a storage of " + s.numel()
                            + " elements beyond " + MAX_EXPANDED_VIEW_BYTES + " bytes; refused");
                }
            } catch (ArithmeticException ex) {
                throw new CheckpointException(Kind.VALIDATION_OVERFLOW, file, name, "size/stride arithmetic overflows 64 bits");
            }
        }
    }

    private TensorRef tensor(String name) throws CheckpointException {
        if (closed) {
            throw new CheckpointException(Kind.CLOSED, file, name, "reader is closed");
        }
        TensorRef t = tensors.get(name);
        if (t == null) {
            throw new CheckpointException(Kind.TENSOR_NOT_FOUND, file, name, "no such tensor in this file (" + tensors.size() + " tensors)");
        }
        return t;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return tensors.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) throws CheckpointException {
        TensorRef t = tensor(name);
        return new TensorInfo(name, t.storage().dtype(), t.size());
    }

    /** Whether row-major strides describe this view (dimensions of size 1 may have any stride). */
    static boolean isContiguous(long[] size, long[] stride) {
        long expected = 1;
        for (int i = size.length - 1; i >= 0; i--) {
            if (size[i] != 1 && stride[i] != expected) {
                return false;
            }
            expected *= size[i];
        }
        return true;
    }

    @Override
    public ByteBuffer bytes(String name) throws CheckpointException {
        TensorRef t = tensor(name);
        StorageRef s = t.storage();
        int es = s.dtype().byteSize();
        long numel = Shapes.numel(t.size());
        long nbytes = numel * es;
        if (numel == 0) {
            return ByteBuffer.allocate(0).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (nbytes > Integer.MAX_VALUE) {
            throw new CheckpointException(Kind.UNSUPPORTED, file, name, nbytes + " bytes is more than one Java buffer can address");
        }
        ByteBuffer storage = storages.get(s.rootKey()).bytes();
        long base = s.elementOffset() + t.offset();
        if (isContiguous(t.size(), t.stride()) && order == ByteOrder.LITTLE_ENDIAN) {
            return storage.slice((int) (base * es), (int) nbytes).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        ByteBuffer out = ByteBuffer.allocateDirect((int) nbytes).order(ByteOrder.LITTLE_ENDIAN);
        int dims = t.size().length;
        long[] idx = new long[dims];
        long[] size = t.size();
        long[] stride = t.stride();
        boolean swap = order != ByteOrder.LITTLE_ENDIAN;
        for (long i = 0; i < numel; i++) {
            long el = base;
            for (int d = 0; d < dims; d++) {
                el += idx[d] * stride[d];
            }
            int src = (int) (el * es);
            int dst = (int) (i * es);
            for (int b = 0; b < es; b++) {
                out.put(dst + b, storage.get(src + (swap ? es - 1 - b : b)));
            }
            for (int d = dims - 1; d >= 0; d--) {
                if (++idx[d] < size[d]) {
                    break;
                }
                idx[d] = 0;
            }
        }
        return out.asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    @Override
    public ByteBuffer toF32(String name) throws CheckpointException {
        TensorInfo info = info(name);
        ByteBuffer b = bytes(name);
        if (info.dtype() == DType.F32) {
            return b;
        }
        if (info.numel() * 4 > Integer.MAX_VALUE) {
            throw new CheckpointException(Kind.UNSUPPORTED, file, name, "as float32 it needs more bytes than one Java buffer can address");
        }
        return DTypeConversion.toF32(info.dtype(), b);
    }

    @Override
    public Map<String, String> metadata() {
        return Map.of();
    }

    @Override
    public Path source() {
        return file;
    }

    @Override
    public void close() throws CheckpointException {
        closed = true;
        mapped.close();
    }
}
