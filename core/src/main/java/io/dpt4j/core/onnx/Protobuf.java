package io.dpt4j.core.onnx;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;

/** The few protobuf wire-format primitives an ONNX model file needs (varints, fixed32, length-delimited). */
final class Protobuf {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();

    private void varint(long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private void key(int field, int wireType) {
        varint(((long) field << 3) | wireType);
    }

    Protobuf int64(int field, long v) {
        key(field, 0);
        varint(v);
        return this;
    }

    Protobuf float32(int field, float v) {
        key(field, 5);
        int bits = Float.floatToRawIntBits(v);
        for (int i = 0; i < 4; i++) {
            out.write((bits >>> (8 * i)) & 0xFF);
        }
        return this;
    }

    Protobuf bytes(int field, byte[] b) {
        key(field, 2);
        varint(b.length);
        out.write(b, 0, b.length);
        return this;
    }

    Protobuf string(int field, String s) {
        return bytes(field, s.getBytes(StandardCharsets.UTF_8));
    }

    Protobuf message(int field, Protobuf m) {
        key(field, 2);
        varint(m.size());
        return append(m);
    }

    /**
     * The key and length of a length-delimited field whose {@code length} bytes the caller writes
     * after this message (how large tensors are streamed instead of copied).
     */
    Protobuf header(int field, long length) {
        key(field, 2);
        varint(length);
        return this;
    }

    /** Appends another message's bytes as they are (fields of the same message). */
    Protobuf append(Protobuf other) {
        try {
            other.out.writeTo(out);
        } catch (IOException e) {
            throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
        }
        return this;
    }

    /** The bytes written so far. */
    int size() {
        return out.size();
    }

    void writeTo(OutputStream o) throws IOException {
        out.writeTo(o);
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
