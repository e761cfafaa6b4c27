package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Reads one {@code .safetensors} file through a read-only memory map, validating the header like the
 * reference Rust crate: header length bounds, strict JSON, known dtypes, non-negative dimensions,
 * byte ranges matching shape x dtype size, offsets contiguous from 0 to the end of the file (no
 * overlap, no hole), no arithmetic overflow. Files larger than a region are mapped in several
 * regions, each holding whole tensors, so no single buffer exceeds {@link Integer#MAX_VALUE}.
 */
public final class SafetensorsReader implements TensorReader {
    private final Path file;
    private final FileChannel channel;
    private final Map<String, Entry> entries;
    private final List<String> names;
    private final Map<String, String> metadata;
    private final Region[] regions;
    private volatile boolean closed;

    /** One tensor: info plus absolute byte range in the file and the region holding it. */
    private record Entry(TensorInfo info, long start, long end, int region) {}

    /** A lazily mapped window of the file. */
    private static final class Region {
        final long start;
        final long end;
        MappedByteBuffer buffer;

        Region(long start, long end) {
            this.start = start;
            this.end = end;
        }
    }

    private SafetensorsReader(Path file, FileChannel channel, Map<String, Entry> entries,
            Map<String, String> metadata, Region[] regions) {
        this.file = file;
        this.channel = channel;
        this.entries = entries;
        this.names = Collections.unmodifiableList(new ArrayList<>(new TreeMap<>(entries).keySet()));
        this.metadata = Collections.unmodifiableMap(metadata);
        this.regions = regions;
    }

    /** Opens and validates a safetensors file. */
    public static SafetensorsReader open(Path file) throws CheckpointException {
        return open(file, ConverterConstants.MAP_REGION_BYTES);
    }

    /** As {@link #open(Path)} with a chosen map region size (tests use small ones). */
    static SafetensorsReader open(Path file, long regionBytes) throws CheckpointException {
        FileChannel ch;
        try {
            ch = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            throw new CheckpointException(Kind.NOT_FOUND, file, null, "no such file");
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, file, null, "cannot open: " + e.getMessage(), e);
        }
        try {
            SafetensorsReader r = parse(file, ch, regionBytes);
            return r;
        } catch (CheckpointException | RuntimeException e) {
            closeQuietly(ch);
            throw e;
        } catch (IOException e) {
            closeQuietly(ch);
            throw new CheckpointException(Kind.IO_ERROR, file, null, "cannot read: " + e.getMessage(), e);
        }
    }

    private static void closeQuietly(FileChannel ch) {
        try {
            ch.close();
        } catch (IOException ignored) {
            // already failing; the first error is the one to report
        }
    }

    private static SafetensorsReader parse(Path file, FileChannel ch, long regionBytes) throws IOException {
        long fileSize = ch.size();
        if (fileSize < 8) {
            throw new CheckpointException(Kind.HEADER_TOO_SMALL, file, null, "file is " + fileSize
                    + " bytes, too small for a safetensors file (expected an 8-byte header length first)");
        }
        ByteBuffer lenBuf = ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN);
        readFully(ch, lenBuf, 0, file);
        long n = lenBuf.getLong(0);
        if (n < 0 || n > ConverterConstants.SAFETENSORS_MAX_HEADER) {
            throw new CheckpointException(Kind.HEADER_TOO_LARGE, file, null, "header length " + Long.toUnsignedString(n)
                    + " exceeds the limit of " + ConverterConstants.SAFETENSORS_MAX_HEADER + " bytes");
        }
        if (n > fileSize - 8) {
            throw new CheckpointException(Kind.INVALID_HEADER_LENGTH, file, null, "header length " + n + " runs past the end of the "
                    + fileSize + "-byte file (truncated?)");
        }
        ByteBuffer hb = ByteBuffer.allocate((int) n);
        readFully(ch, hb, 8, file);
        JsonNode root = JsonSupport.parse(file, hb.array(), "safetensors header");
        if (!root.isObject()) {
            throw new CheckpointException(Kind.INVALID_HEADER, file, null, "safetensors header must be a JSON object, got " + root.getNodeType());
        }
        long dataStart = 8 + n;
        long dataLen = fileSize - dataStart;
        Map<String, String> metadata = new LinkedHashMap<>();
        List<Entry> list = new ArrayList<>();
        for (Iterator<Map.Entry<String, JsonNode>> it = root.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> f = it.next();
            String name = f.getKey();
            JsonNode v = f.getValue();
            if (name.equals(ConverterConstants.SAFETENSORS_METADATA_KEY)) {
                readMetadata(file, v, metadata);
                continue;
            }
            list.add(parseEntry(file, name, v, dataStart));
        }
        // Contiguity: sorted by offsets, each tensor must start where the previous ended.
        list.sort(Comparator.comparingLong((Entry e) -> e.start).thenComparingLong(e -> e.end));
        long cursor = dataStart;
        for (Entry e : list) {
            if (e.start != cursor) {
                String what = e.start < cursor ? "overlaps the previous tensor" : "leaves a hole of "
                        + (e.start - cursor) + " bytes before it";
                throw new CheckpointException(Kind.INVALID_OFFSET, file, e.info.name(), "data_offsets [" + (e.start - dataStart) + ", "
                        + (e.end - dataStart) + "] " + what + " (expected it to start at " + (cursor - dataStart) + ")");
            }
            cursor = e.end;
        }
        if (cursor != fileSize) {
            throw new CheckpointException(Kind.METADATA_INCOMPLETE_BUFFER, file, null, "tensors cover " + (cursor - dataStart)
                    + " bytes of data but the file holds " + dataLen
                    + " bytes after the header (expected the tensors to cover the data exactly)");
        }
        Region[] regions = planRegions(list, dataStart, fileSize, regionBytes);
        Map<String, Entry> byName = new HashMap<>();
        int r = 0;
        for (Entry e : list) {
            if (e.start == e.end) { // zero-size tensors need no map
                byName.put(e.info.name(), e);
                continue;
            }
            while (r < regions.length - 1 && !(e.start >= regions[r].start && e.end <= regions[r].end)) {
                r++;
            }
            boolean inside = e.start >= regions[r].start && e.end <= regions[r].end;
            byName.put(e.info.name(), new Entry(e.info, e.start, e.end, inside ? r : -1));
        }
        return new SafetensorsReader(file, ch, byName, metadata, regions);
    }

    /**
     * Groups tensors (sorted by offset) into map regions: the whole file when it fits, otherwise runs
     * of whole tensors of at most {@code regionBytes}; a tensor larger than that gets its own region.
     */
    private static Region[] planRegions(List<Entry> sorted, long dataStart, long fileSize, long regionBytes) {
        if (fileSize <= regionBytes) {
            return new Region[] {new Region(0, fileSize)};
        }
        List<Region> out = new ArrayList<>();
        long start = -1;
        long end = -1;
        for (Entry e : sorted) {
            if (e.start == e.end) {
                continue;
            }
            if (start >= 0 && e.end - start <= regionBytes) {
                end = e.end;
                continue;
            }
            if (start >= 0) {
                out.add(new Region(start, end));
            }
            start = e.start;
            end = e.end;
        }
        if (start >= 0) {
            out.add(new Region(start, end));
        }
        if (out.isEmpty()) {
            out.add(new Region(dataStart, dataStart));
        }
        return out.toArray(new Region[0]);
    }

    private static void readMetadata(Path file, JsonNode v, Map<String, String> out) throws CheckpointException {
        if (v.isNull()) {
            return;
        }
        if (!v.isObject()) {
            throw new CheckpointException(Kind.INVALID_HEADER, file, null, "__metadata__ must be an object of strings, got " + v.getNodeType());
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = v.fields(); it.hasNext();) {
            Map.Entry<String, JsonNode> m = it.next();
            if (!m.getValue().isTextual()) {
                throw new CheckpointException(Kind.INVALID_HEADER, file, null, "__metadata__ value of '" + m.getKey()
                        + "' must be a string, got " + m.getValue().getNodeType());
            }
            out.put(m.getKey(), m.getValue().textValue());
        }
    }

    private static Entry parseEntry(Path file, String name, JsonNode v, long dataStart) throws CheckpointException {
        if (!v.isObject()) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, "header entry must be an object with dtype, shape and data_offsets, got "
                    + v.getNodeType());
        }
        JsonNode dt = v.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, "missing or non-string 'dtype'");
        }
        DType dtype;
        try {
            dtype = DType.fromSafetensorsName(dt.textValue());
        } catch (IllegalArgumentException e) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, e.getMessage());
        }
        JsonNode sh = v.get("shape");
        if (sh == null || !sh.isArray()) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, "missing or non-array 'shape'");
        }
        long[] shape = new long[sh.size()];
        for (int i = 0; i < shape.length; i++) {
            shape[i] = nonNegative(file, name, "shape[" + i + "]", sh.get(i));
        }
        JsonNode off = v.get("data_offsets");
        if (off == null || !off.isArray() || off.size() != 2) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, "'data_offsets' must be an array of two integers [begin, end]");
        }
        long begin = nonNegative(file, name, "data_offsets[0]", off.get(0));
        long end = nonNegative(file, name, "data_offsets[1]", off.get(1));
        if (end < begin) {
            throw new CheckpointException(Kind.INVALID_OFFSET, file, name, "data_offsets [" + begin + ", " + end + "] end before begin");
        }
        long nbytes;
        try {
            nbytes = Math.multiplyExact(Shapes.numel(shape), (long) dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new CheckpointException(Kind.VALIDATION_OVERFLOW, file, name, "shape " + Arrays.toString(shape) + " x " + dtype
                    + " overflows 64-bit arithmetic");
        }
        if (end - begin != nbytes) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, "shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + nbytes + " bytes but data_offsets [" + begin + ", " + end + "] span " + (end - begin));
        }
        long absStart;
        long absEnd;
        try {
            absStart = Math.addExact(dataStart, begin);
            absEnd = Math.addExact(dataStart, end);
        } catch (ArithmeticException e) {
            throw new CheckpointException(Kind.VALIDATION_OVERFLOW, file, name, "data_offsets overflow 64-bit arithmetic");
        }
        return new Entry(new TensorInfo(name, dtype, shape), absStart, absEnd, -1);
    }

    private static long nonNegative(Path file, String name, String what, JsonNode n) throws CheckpointException {
        if (n == null || !n.isIntegralNumber()) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, what + " must be a non-negative integer, got "
                    + (n == null ? "nothing" : CheckpointException.oneLine(n.toString())));
        }
        BigInteger b = n.bigIntegerValue();
        if (b.signum() < 0) {
            throw new CheckpointException(Kind.TENSOR_INVALID_INFO, file, name, what + " is negative (" + b + "); expected a non-negative integer");
        }
        if (b.bitLength() > 63) {
            throw new CheckpointException(Kind.VALIDATION_OVERFLOW, file, name, what + " = " + b + " overflows 64-bit arithmetic");
        }
        return b.longValue();
    }

    private static void readFully(FileChannel ch, ByteBuffer buf, long pos, Path file) throws IOException {
        while (buf.hasRemaining()) {
            int r = ch.read(buf, pos + buf.position());
            if (r < 0) {
                throw new CheckpointException(Kind.INVALID_HEADER_LENGTH, file, null, "unexpected end of file at byte " + (pos + buf.position()));
            }
        }
    }

    private Entry entry(String name) throws CheckpointException {
        if (closed) {
            throw new CheckpointException(Kind.CLOSED, file, name, "reader is closed");
        }
        Entry e = entries.get(name);
        if (e == null) {
            throw new CheckpointException(Kind.TENSOR_NOT_FOUND, file, name, "no such tensor in this file (" + entries.size() + " tensors)");
        }
        return e;
    }

    @Override
    public List<String> names() {
        return names;
    }

    @Override
    public boolean contains(String name) {
        return entries.containsKey(name);
    }

    @Override
    public TensorInfo info(String name) throws CheckpointException {
        return entry(name).info;
    }

    @Override
    public ByteBuffer bytes(String name) throws CheckpointException {
        Entry e = entry(name);
        long len = e.end - e.start;
        if (len == 0) {
            return ByteBuffer.allocate(0).order(ByteOrder.LITTLE_ENDIAN).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
        }
        if (e.region < 0 || len > Integer.MAX_VALUE) {
            throw new CheckpointException(Kind.UNSUPPORTED, file, name, len + " bytes is more than one Java buffer can address ("
                    + Integer.MAX_VALUE + ")");
        }
        MappedByteBuffer m = map(e.region, name);
        Region r = regions[e.region];
        return m.slice((int) (e.start - r.start), (int) len).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    private synchronized MappedByteBuffer map(int index, String name) throws CheckpointException {
        Region r = regions[index];
        if (r.buffer == null) {
            try {
                r.buffer = channel.map(FileChannel.MapMode.READ_ONLY, r.start, r.end - r.start);
            } catch (IOException e) {
                throw new CheckpointException(Kind.IO_ERROR, file, name, "cannot memory-map bytes " + r.start + ".." + r.end + ": "
                        + e.getMessage(), e);
            }
        }
        return r.buffer;
    }

    @Override
    public ByteBuffer toF32(String name) throws CheckpointException {
        TensorInfo info = info(name);
        ByteBuffer b = bytes(name);
        if (info.dtype() == DType.F32) {
            return b;
        }
        if ((long) info.numel() * 4 > Integer.MAX_VALUE) {
            throw new CheckpointException(Kind.UNSUPPORTED, file, name, "as float32 it needs " + info.numel() * 4
                    + " bytes, more than one Java buffer can address");
        }
        return DTypeConversion.toF32(info.dtype(), b);
    }

    @Override
    public Map<String, String> metadata() {
        return metadata;
    }

    @Override
    public Path source() {
        return file;
    }

    /** Number of map regions planned (1 unless the file exceeds the region size). */
    int regionCount() {
        return regions.length;
    }

    @Override
    public void close() throws CheckpointException {
        closed = true;
        try {
            channel.close();
        } catch (IOException e) {
            throw new CheckpointException(Kind.IO_ERROR, file, null, "cannot close: " + e.getMessage(), e);
        }
    }
}
