package io.dpt4j.core.onnx;

import java.io.ByteArrayOutputStream;
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
        return bytes(field, m.toByteArray());
    }

    byte[] toByteArray() {
        return out.toByteArray();
    }
}
