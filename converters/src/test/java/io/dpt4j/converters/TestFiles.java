package io.dpt4j.converters;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/** Helpers to build test files by hand (never with the code under test). */
final class TestFiles {
    private TestFiles() {}

    /** A safetensors file from a literal header (unpadded) and raw data bytes. */
    static Path safetensors(Path dir, String name, String header, byte[] data) throws IOException {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        return safetensorsRaw(dir, name, h.length, h, data);
    }

    /** A safetensors file with an arbitrary (possibly lying) header length. */
    static Path safetensorsRaw(Path dir, String name, long declaredLength, byte[] header, byte[] data) throws IOException {
        ByteBuffer b = ByteBuffer.allocate(8 + header.length + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(declaredLength).put(header).put(data);
        Path p = dir.resolve(name);
        Files.write(p, b.array());
        return p;
    }

    /** Little-endian float32 bytes. */
    static byte[] f32(float... v) {
        ByteBuffer b = ByteBuffer.allocate(4 * v.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    /** Copies a classpath resource under {@code /weights/} into dir (so tests can write beside it). */
    static Path resource(Path dir, String path) {
        Path target = dir.resolve(path.replace('/', '_'));
        try (InputStream in = TestFiles.class.getResourceAsStream("/weights/" + path)) {
            if (in == null) {
                throw new IllegalStateException("missing test resource /weights/" + path);
            }
            Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return target;
    }

    /** The directory of a resource folder under {@code /weights/} on the class path. */
    static Path resourceDir(String folder) {
        try {
            return Path.of(TestFiles.class.getResource("/weights/" + folder).toURI());
        } catch (Exception e) {
            throw new IllegalStateException("missing test resource folder /weights/" + folder, e);
        }
    }

    static byte[] bytes(ByteBuffer b) {
        ByteBuffer d = b.duplicate();
        byte[] out = new byte[d.remaining()];
        d.get(out);
        return out;
    }
}
