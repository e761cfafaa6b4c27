package io.dpt4j.converters;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Malicious and malformed .bin files: refused with a one-line message, nothing runs. */
class HostileBinTest {
    @TempDir
    Path dir;

    private CheckpointException refused(Path p) {
        CheckpointException e = assertThrows(CheckpointException.class, () -> Checkpoints.open(p).close());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
        assertTrue(e.getMessage().startsWith(p.toString()), e.getMessage());
        return e;
    }

    @ParameterizedTest
    @CsvSource({"os,system", "posix,system", "builtins,eval", "builtins,exec", "subprocess,Popen", "__builtin__,eval",
            "torch,load", "numpy.core.multiarray,_reconstruct", "torch._utils,_rebuild_device_tensor_from_numpy"})
    void codeExecutingGlobalsAreRefusedAndNeverRun(String module, String name) throws Exception {
        Path marker = dir.resolve("pwned");
        byte[] pkl = new PickleBytes().proto().global(module, name).str("touch " + marker).op(0x85, 'R').stop().bytes();
        Path zip = PickleBytes.torchZip(dir.resolve("evil.bin"), "evil", pkl, Map.of());
        CheckpointException e = refused(zip);
        UnsafePickleException u = assertInstanceOf(UnsafePickleException.class, e);
        assertEquals(CheckpointException.Kind.UNSAFE_PICKLE, e.kind());
        assertEquals(module + "." + name, u.offending());
        assertTrue(e.getMessage().contains("'" + module + "." + name + "'"), e.getMessage());
        assertTrue(e.getMessage().contains("evil/data.pkl"), e.getMessage());
        assertFalse(Files.exists(marker), "the payload ran");

        // the same payload as the first pickle of a legacy file
        Path legacy = dir.resolve("evil-legacy.bin");
        Files.write(legacy, pkl);
        e = refused(legacy);
        assertTrue(e.getMessage().contains(module + "." + name), e.getMessage());
        assertFalse(Files.exists(marker), "the payload ran");
    }

    @Test
    void stackGlobalAndCallingAStorageTypeAreRefused() throws Exception {
        byte[] pkl = new PickleBytes().proto().str("os").str("system").op(0x93).str("id").op(0x85, 'R').stop().bytes();
        assertTrue(refused(PickleBytes.torchZip(dir.resolve("a.bin"), "a", pkl, Map.of())).getMessage().contains("os.system"));
        byte[] call = new PickleBytes().proto().global("torch", "FloatStorage").op(')', 'R').stop().bytes();
        assertTrue(refused(PickleBytes.torchZip(dir.resolve("b.bin"), "b", call, Map.of())).getMessage()
                .contains("calling global 'torch.FloatStorage'"));
    }

    @ParameterizedTest
    @CsvSource({"129,NEWOBJ", "105,INST", "111,OBJ", "130,EXT1", "146,NEWOBJ_EX"})
    void objectBuildingOpcodesAreRefused(int opcode, String name) throws Exception {
        byte[] pkl = new PickleBytes().proto().op(')', opcode).stop().bytes();
        CheckpointException e = refused(PickleBytes.torchZip(dir.resolve("op.bin"), "op", pkl, Map.of()));
        assertEquals(CheckpointException.Kind.UNSAFE_PICKLE, e.kind(), e.getMessage());
        assertTrue(e.getMessage().contains("opcode " + name), e.getMessage());
    }

    @Test
    void malformedPicklesAreNamed() throws Exception {
        Map<String, byte[]> cases = new LinkedHashMap<>();
        cases.put("unknown pickle opcode 0xff", new PickleBytes().proto().op(0xff).bytes());
        cases.put("ends without STOP", new PickleBytes().proto().op('}').bytes());
        cases.put("a 2147483647-byte value", new PickleBytes().proto().op('X', 0xff, 0xff, 0xff, 0x7f).bytes());
        cases.put("memo key 7 was never stored", new PickleBytes().proto().op('h', 7).stop().bytes());
        cases.put("pop from an empty stack", new PickleBytes().proto().op('s').stop().bytes());
        cases.put("expected a state dict", new PickleBytes().proto().op(']').stop().bytes());
        cases.put("unsupported pickle protocol 9", new PickleBytes().op(0x80, 9).bytes());
        cases.put("LONG4 of 100000 bytes", new PickleBytes().proto().op(0x8b, 0xa0, 0x86, 1, 0).stop().bytes());
        cases.put("tensor 'x': state dict value is a str, expected a tensor",
                new PickleBytes().proto().op('}').str("x").str("y").op('s').stop().bytes());
        int i = 0;
        for (Map.Entry<String, byte[]> c : cases.entrySet()) {
            CheckpointException e = refused(PickleBytes.torchZip(dir.resolve("m" + i + ".bin"), "m" + i, c.getValue(), Map.of()));
            assertEquals(CheckpointException.Kind.INVALID_PICKLE, e.kind(), c.getKey() + " -> " + e.getMessage());
            assertTrue(e.getMessage().contains(c.getKey()), c.getKey() + " -> " + e.getMessage());
            i++;
        }
    }

    @Test
    void stackAndMarkLimitsHold() throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        b.write(0x80);
        b.write(2);
        for (int i = 0; i <= Unpickler.MAX_MARKS; i++) {
            b.write('(');
        }
        CheckpointException e = refused(PickleBytes.torchZip(dir.resolve("marks.bin"), "marks", b.toByteArray(), Map.of()));
        assertEquals(CheckpointException.Kind.INVALID_PICKLE, e.kind(), e.getMessage());
    }

    @Test
    void aValidHandBuiltZipLoads() throws Exception {
        byte[] data = TestFiles.f32(1.5f, -2f);
        Path p = PickleBytes.torchZip(dir.resolve("ok.bin"), "ok", PickleBytes.simpleStateDict(), Map.of("data/0", data));
        try (TensorReader r = Checkpoints.open(p)) {
            assertArrayEquals(new float[] {1.5f, -2f}, r.floats("w"));
        }
    }

    @Test
    void bigEndianByteorderIsHonoured() throws Exception {
        byte[] be = ByteBuffer.allocate(8).order(ByteOrder.BIG_ENDIAN).putFloat(1.5f).putFloat(-2f).array();
        Map<String, byte[]> rec = new LinkedHashMap<>();
        rec.put("data/0", be);
        rec.put("byteorder", "big".getBytes());
        Path p = PickleBytes.torchZip(dir.resolve("be.bin"), "be", PickleBytes.simpleStateDict(), rec);
        try (TensorReader r = Checkpoints.open(p)) {
            assertArrayEquals(new float[] {1.5f, -2f}, r.floats("w"));
        }
    }

    @Test
    void containerProblemsAreNamed() throws Exception {
        byte[] pkl = PickleBytes.simpleStateDict();
        // storage record with the wrong size
        Path p = PickleBytes.torchZip(dir.resolve("size.bin"), "size", pkl, Map.of("data/0", new byte[4]));
        assertEquals(CheckpointException.Kind.METADATA_INCOMPLETE_BUFFER, refused(p).kind());
        // missing storage record
        p = PickleBytes.torchZip(dir.resolve("missing.bin"), "missing", pkl, Map.of());
        CheckpointException missing = refused(p);
        assertEquals(CheckpointException.Kind.INVALID_ARCHIVE, missing.kind());
        assertEquals("missing/data/0", missing.key());
        // zip slip
        p = PickleBytes.torchZip(dir.resolve("slip.bin"), "slip", pkl, Map.of("data/0", new byte[8], "!../../evil.sh", new byte[1]));
        CheckpointException slip = refused(p);
        assertEquals(CheckpointException.Kind.UNSAFE_PATH, slip.kind());
        assertEquals("../../evil.sh", slip.key());
        // truncated archive
        Path good = PickleBytes.torchZip(dir.resolve("good.bin"), "good", pkl, Map.of("data/0", new byte[8]));
        byte[] all = Files.readAllBytes(good);
        Path cut = dir.resolve("cut.bin");
        Files.write(cut, java.util.Arrays.copyOf(all, all.length / 2));
        assertEquals(CheckpointException.Kind.INVALID_ARCHIVE, refused(cut).kind());
        // two data.pkl
        p = PickleBytes.torchZip(dir.resolve("two.bin"), "two", pkl, Map.of("data/0", new byte[8], "!other/data.pkl", pkl));
        assertEquals(CheckpointException.Kind.INVALID_ARCHIVE, refused(p).kind());
        // compressed entry
        p = dir.resolve("deflated.bin");
        try (java.util.zip.ZipOutputStream z = new java.util.zip.ZipOutputStream(Files.newOutputStream(p))) {
            z.putNextEntry(new java.util.zip.ZipEntry("d/data.pkl"));
            z.write(pkl);
            z.closeEntry();
        }
        assertEquals(CheckpointException.Kind.UNSUPPORTED, refused(p).kind());
        // corrupted data (CRC) is reported when the tensor is read
        byte[] data = TestFiles.f32(1.5f, -2f);
        byte[] crcZip = Files.readAllBytes(PickleBytes.torchZip(dir.resolve("crc0.bin"), "crc", pkl, Map.of("data/0", data)));
        int dataAt = indexOf(crcZip, data);
        assertTrue(dataAt > 0);
        crcZip[dataAt] ^= 1;
        Path crc = dir.resolve("crc.bin");
        Files.write(crc, crcZip);
        try (TensorReader r = Checkpoints.open(crc)) {
            CheckpointException e = assertThrows(CheckpointException.class, () -> r.bytes("w"));
            assertEquals(CheckpointException.Kind.INVALID_ARCHIVE, e.kind(), e.getMessage());
            assertEquals("crc/data/0", e.key());
        }
    }

    private static int indexOf(byte[] hay, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= hay.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (hay[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    @Test
    void viewsOutsideTheirStorageAreRefused() throws Exception {
        byte[] offset = new PickleBytes().proto().op('}').str("w")
                .tensor("FloatStorage", "0", 2, 1, new long[] {2}, new long[] {1}).op('s').stop().bytes();
        Path p = PickleBytes.torchZip(dir.resolve("off.bin"), "off", offset, Map.of("data/0", new byte[8]));
        assertTrue(refused(p).getMessage().contains("tensor 'w': view (offset 1, size [2], stride [1]) reaches element 2"));
        byte[] expand = new PickleBytes().proto().op('}').str("w")
                .tensor("FloatStorage", "0", 2, 0, new long[] {100000, 100000}, new long[] {0, 0}).op('s').stop().bytes();
        p = PickleBytes.torchZip(dir.resolve("exp.bin"), "exp", expand, Map.of("data/0", new byte[8]));
        assertTrue(refused(p).getMessage().contains("expands a storage of 2 elements"));
        byte[] overflow = new PickleBytes().proto().op('}').str("w")
                .tensor("FloatStorage", "0", 2, 0, new long[] {0x7fffffff, 0x7fffffff, 0x7fffffff}, new long[] {1, 1, 1})
                .op('s').stop().bytes();
        p = PickleBytes.torchZip(dir.resolve("ovf.bin"), "ovf", overflow, Map.of("data/0", new byte[8]));
        assertTrue(refused(p).getMessage().contains("tensor 'w'"));
        byte[] huge = new PickleBytes().proto().op('}').str("w")
                .tensor("FloatStorage", "0", 0x7fffffff, 0, new long[] {2}, new long[] {1}).op('s').stop().bytes();
        p = PickleBytes.torchZip(dir.resolve("huge.bin"), "huge", huge, Map.of("data/0", new byte[8]));
        assertTrue(refused(p).getMessage().contains("needs 8589934588"));
    }

    @Test
    void legacyProblemsAreNamed() throws Exception {
        byte[] real = Files.readAllBytes(TestFiles.resourceDir("bin-views").resolve("views-legacy.bin"));
        Path cut = dir.resolve("cut-legacy.bin");
        Files.write(cut, java.util.Arrays.copyOf(real, real.length - 100));
        assertTrue(refused(cut).getMessage().contains("truncated file"), refused(cut).getMessage());
        Path header = dir.resolve("header-only.bin");
        Files.write(header, java.util.Arrays.copyOf(real, 500));
        assertTrue(refused(header).getMessage().contains("truncated pickle"), refused(header).getMessage());
        // wrong magic number
        Path magic = dir.resolve("magic.bin");
        Files.write(magic, new PickleBytes().proto().integer(42).stop().bytes());
        assertTrue(refused(magic).getMessage().contains("not a torch checkpoint"));
        // element count that disagrees with the persistent id: the first storage's count is at byte 2641 (manifest)
        byte[] bad = real.clone();
        bad[2641] ^= 1;
        Path count = dir.resolve("count.bin");
        Files.write(count, bad);
        assertTrue(refused(count).getMessage().contains("does not match the"), refused(count).getMessage());
    }

    /** Random truncations and byte flips of real files never escape as anything but a CheckpointException. */
    @Test
    void fuzzedRealFilesFailCleanly() throws Exception {
        Random rnd = new Random(1234);
        Path d = TestFiles.resourceDir("");
        for (String f : new String[] {"bin-views/views-zip.bin", "bin-views/views-legacy.bin",
                "st-dtypes/all-dtypes.safetensors"}) {
            byte[] real = Files.readAllBytes(d.resolve(f));
            for (int k = 0; k < 150; k++) {
                byte[] b;
                if (k % 3 == 0) {
                    b = java.util.Arrays.copyOf(real, rnd.nextInt(real.length));
                } else {
                    b = real.clone();
                    // flip bytes mostly in the metadata part (pickle / header / directory), where it matters
                    int region = f.endsWith(".safetensors") ? 900 : f.contains("legacy") ? 2700 : real.length;
                    for (int j = 0; j < 1 + rnd.nextInt(3); j++) {
                        int at = k % 3 == 1 ? rnd.nextInt(Math.min(region, b.length)) : b.length - 1 - rnd.nextInt(Math.min(3000, b.length));
                        b[at] = (byte) rnd.nextInt(256);
                    }
                }
                Path p = dir.resolve("fuzz");
                Files.write(p, b);
                try (TensorReader r = Checkpoints.open(p)) {
                    for (String n : r.names()) {
                        r.floats(n);
                    }
                } catch (CheckpointException e) {
                    assertFalse(e.getMessage().contains("\n"), e.getMessage());
                    assertTrue(e.kind() != null, e.getMessage());
                }
            }
        }
    }
}
