package io.dpt4j.converters;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/** Hand-assembles pickle opcodes and torch-style containers for hostile and edge-case tests. */
final class PickleBytes {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    PickleBytes op(int... bytes) {
        for (int b : bytes) {
            out.write(b);
        }
        return this;
    }

    PickleBytes proto() {
        return op(0x80, 2);
    }

    PickleBytes global(String module, String name) {
        op('c');
        out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
        return this;
    }

    PickleBytes str(String s) {
        byte[] b = s.getBytes(StandardCharsets.UTF_8);
        op('X');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt(b.length).array());
        out.writeBytes(b);
        return this;
    }

    PickleBytes integer(long v) {
        if (v >= 0 && v < 256) {
            return op('K', (int) v);
        }
        op('J');
        out.writeBytes(ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putInt((int) v).array());
        return this;
    }

    PickleBytes mark() {
        return op('(');
    }

    PickleBytes tuple() {
        return op('t');
    }

    PickleBytes ints(long... v) {
        mark();
        for (long x : v) {
            integer(x);
        }
        return tuple();
    }

    /** A persistent id tuple for a storage, then BINPERSID. */
    PickleBytes storage(String type, String key, long numel) {
        mark().str("storage").global("torch", type).str(key).str("cpu").integer(numel).tuple();
        return op('Q');
    }

    /** {@code _rebuild_tensor_v2(storage, offset, size, stride, False, OrderedDict())}. */
    PickleBytes tensor(String type, String key, long numel, long offset, long[] size, long[] stride) {
        global("torch._utils", "_rebuild_tensor_v2").mark();
        storage(type, key, numel).integer(offset).ints(size).ints(stride).op(0x89);
        global("collections", "OrderedDict").op(')', 'R');
        return tuple().op('R');
    }

    PickleBytes stop() {
        return op('.');
    }

    byte[] bytes() {
        return out.toByteArray();
    }

    /** A torch-style zip: stored entries {@code top/data.pkl} plus the given records. */
    static Path torchZip(Path file, String top, byte[] pkl, Map<String, byte[]> records) throws IOException {
        try (ZipOutputStream z = new ZipOutputStream(Files.newOutputStream(file))) {
            stored(z, top + "/data.pkl", pkl);
            for (Map.Entry<String, byte[]> e : records.entrySet()) {
                stored(z, e.getKey().startsWith("!") ? e.getKey().substring(1) : top + "/" + e.getKey(), e.getValue());
            }
        }
        return file;
    }

    static void stored(ZipOutputStream z, String name, byte[] data) throws IOException {
        ZipEntry e = new ZipEntry(name);
        e.setMethod(ZipEntry.STORED);
        e.setSize(data.length);
        e.setCompressedSize(data.length);
        CRC32 c = new CRC32();
        c.update(data);
        e.setCrc(c.getValue());
        z.putNextEntry(e);
        z.write(data);
        z.closeEntry();
    }

    /** A simple valid state dict pickle: {"w": F32 tensor of shape [2] on storage "0" of 2 elements}. */
    static byte[] simpleStateDict() {
        return new PickleBytes().proto().op('}').str("w")
                .tensor("FloatStorage", "0", 2, 0, new long[] {2}, new long[] {1}).op('s').stop().bytes();
    }
}
