package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpt4j.converters.CheckpointException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exit codes, partial outputs, file modes and messages of the command line (issue 14). */
class CliHardeningTest {
    static final Path DEPTH = PipelineCommandsTest.DEPTH;
    static final Path SEG = PipelineCommandsTest.SEG;
    static final Path PHOTO = PipelineCommandsTest.PHOTO;

    @TempDir
    Path tmp;

    Path badImage() throws IOException {
        return Files.writeString(tmp.resolve("bad.jpg"), "not a jpeg");
    }

    /** A copy of the tiny depth model with config.json edited. */
    Path modelWithConfig(String from, String to) throws IOException {
        Path dir = Files.createDirectories(tmp.resolve("model-" + System.nanoTime()));
        Files.copy(DEPTH.resolve("model.safetensors"), dir.resolve("model.safetensors"));
        Files.copy(DEPTH.resolve("preprocessor_config.json"), dir.resolve("preprocessor_config.json"));
        String cfg = Files.readString(DEPTH.resolve("config.json"));
        assertTrue(cfg.contains(from), from);
        Files.writeString(dir.resolve("config.json"), cfg.replace(from, to));
        return dir;
    }

    static void assertOneCleanLine(CliTestSupport.Result r) {
        ForwardCommandTest.assertOneLine(r.err());
        assertFalse(r.err().contains("Exception:") || r.err().contains("UncheckedIOException") || r.err().contains("io.dpt4j."),
                "no wrapped or qualified exception names: " + r.err());
    }

    @Test
    void aBadImageExitsWith2InEveryCommand() throws IOException {
        Path bad = badImage();
        CliTestSupport.Result d = CliTestSupport.run("depth", "--model", DEPTH.toString(), "--output",
                tmp.resolve("d").toString(), bad.toString());
        assertEquals(2, d.exitCode(), d.err());
        CliTestSupport.Result s = CliTestSupport.run("segment", "--model", SEG.toString(), "--output",
                tmp.resolve("s").toString(), bad.toString());
        assertEquals(2, s.exitCode(), s.err());
        Path cfg = Files.writeString(tmp.resolve("preprocessor_config.json"), "{}");
        CliTestSupport.Result p = CliTestSupport.run("preprocess", "--config", cfg.toString(), "--output",
                tmp.resolve("p.safetensors").toString(), bad.toString());
        assertEquals(2, p.exitCode(), p.err());
    }

    @Test
    void badConfigsExitWith2() throws IOException {
        Path bad = modelWithConfig("\"readout_type\": \"project\"", "\"readout_type\": \"sideways\"");
        for (String cmd : List.of("depth", "segment")) {
            CliTestSupport.Result r = CliTestSupport.run(cmd, "--model", bad.toString(), "--output",
                    tmp.resolve(cmd + "-out").toString(), PHOTO.toString());
            assertEquals(2, r.exitCode(), cmd + ": " + r.err());
            assertOneCleanLine(r);
            assertTrue(r.err().contains("readout_type"), r.err());
        }
        CliTestSupport.Result f = CliTestSupport.run("forward", "--model", bad.toString(), "--inputs",
                DEPTH.resolve("model.safetensors").toString(), "--output", tmp.resolve("f.safetensors").toString());
        assertEquals(2, f.exitCode(), f.err());

        Path pre = Files.writeString(tmp.resolve("pre.json"), "{\"image_std\": [0.5, 0, 0.5]}");
        CliTestSupport.Result p = CliTestSupport.run("preprocess", "--config", pre.toString(), "--output",
                tmp.resolve("p.safetensors").toString(), PHOTO.toString());
        assertEquals(2, p.exitCode(), p.err());
        assertTrue(p.err().contains("image_std"), p.err());
        Path model = modelWithConfig("\"readout_type\": \"project\"", "\"readout_type\": \"project\"");
        Files.writeString(model.resolve("preprocessor_config.json"), "{\"image_std\": 0}");
        CliTestSupport.Result d = CliTestSupport.run("depth", "--model", model.toString(), "--output",
                tmp.resolve("dd").toString(), PHOTO.toString());
        assertEquals(2, d.exitCode(), d.err());
        assertTrue(d.err().contains("image_std"), d.err());
    }

    @Test
    void aCorruptCheckpointIsOneUnwrappedLine() throws IOException {
        Path dir = modelWithConfig("\"readout_type\": \"project\"", "\"readout_type\": \"project\"");
        byte[] st = Files.readAllBytes(dir.resolve("model.safetensors"));
        Files.write(dir.resolve("model.safetensors"), Arrays.copyOf(st, st.length / 2));
        CliTestSupport.Result r = CliTestSupport.run("depth", "--model", dir.toString(), "--output",
                tmp.resolve("out").toString(), PHOTO.toString());
        assertEquals(2, r.exitCode(), r.err());
        assertOneCleanLine(r);
        assertTrue(r.err().contains("model.safetensors"), r.err());
        CliTestSupport.Result c = CliTestSupport.run("convert", "--model", dir.toString(), "--output",
                tmp.resolve("conv").toString());
        assertEquals(2, c.exitCode(), c.err());
        assertOneCleanLine(c);
    }

    @Test
    void wrappedExceptionsAreReportedOnce() {
        CheckpointException inner = new CheckpointException(CheckpointException.Kind.METADATA_INCOMPLETE_BUFFER, Path.of("m.safetensors"), null, "header is truncated");
        UncheckedIOException wrapped = new UncheckedIOException(inner);
        assertEquals(inner.getMessage(), Failures.message(wrapped));
        assertEquals(inner.getMessage(), Failures.message(new RuntimeException(wrapped)));
        assertEquals(Failures.INPUT_ERROR, Failures.exitCode(new RuntimeException(wrapped)));
        assertEquals(Failures.OTHER_ERROR, Failures.exitCode(new IllegalStateException("boom")));
        assertEquals("x: no such file or folder", Failures.message(new NoSuchFileException("x")));
    }

    @Test
    void noEmptyOutputFolderWhenTheModelFailsToLoad() throws IOException {
        Path bad = modelWithConfig("\"readout_type\": \"project\"", "\"readout_type\": \"sideways\"");
        for (String cmd : List.of("depth", "segment")) {
            Path out = tmp.resolve(cmd + "-out");
            CliTestSupport.Result r = CliTestSupport.run(cmd, "--model", bad.toString(), "--output", out.toString(), PHOTO.toString());
            assertTrue(r.exitCode() != 0);
            assertFalse(Files.exists(out), cmd + " left " + out);
        }
    }

    @Test
    void aFailedImageLeavesNoneOfItsFiles() throws IOException {
        Path out = tmp.resolve("out");
        // The .npy cannot be written (a folder is in its place): the two PNGs must not stay either.
        Files.createDirectories(out.resolve("chelsea_depth.npy").resolve("x"));
        CliTestSupport.Result r = CliTestSupport.run("depth", "--model", DEPTH.toString(), "--output", out.toString(),
                PHOTO.toString());
        assertEquals(1, r.exitCode(), r.err());
        assertTrue(r.err().contains("cannot write results"), r.err());
        try (Stream<Path> s = Files.list(out)) {
            assertEquals(List.of("chelsea_depth.npy"), s.map(p -> p.getFileName().toString()).toList());
        }

        Path seg = tmp.resolve("seg");
        Files.createDirectories(seg.resolve("chelsea_labels.tsv").resolve("x"));
        CliTestSupport.Result rs = CliTestSupport.run("segment", "--model", SEG.toString(), "--output", seg.toString(),
                PHOTO.toString());
        assertEquals(1, rs.exitCode(), rs.err());
        try (Stream<Path> s = Files.list(seg)) {
            assertEquals(List.of("chelsea_labels.tsv"), s.map(p -> p.getFileName().toString()).toList());
        }
    }

    @Test
    void outputFilesGetTheUmasksMode() throws IOException {
        Path out = tmp.resolve("out");
        assertEquals(0, CliTestSupport.run("depth", "--model", DEPTH.toString(), "--output", out.toString(), PHOTO.toString())
                .exitCode());
        Set<PosixFilePermission> usual = Files.getPosixFilePermissions(Files.createFile(tmp.resolve("reference")));
        for (String f : List.of("chelsea_depth.png", "chelsea_depth.npy")) {
            assertEquals(usual, Files.getPosixFilePermissions(out.resolve(f)), f);
        }
        Path seg = tmp.resolve("seg");
        assertEquals(0, CliTestSupport.run("segment", "--model", SEG.toString(), "--output", seg.toString(), PHOTO.toString())
                .exitCode());
        assertEquals(usual, Files.getPosixFilePermissions(seg.resolve("chelsea_labels.tsv")));

        Path pre = tmp.resolve("p.safetensors");
        assertEquals(0, CliTestSupport.run("preprocess", "--config", DEPTH.toString(), "--output", pre.toString(),
                PHOTO.toString()).exitCode());
        assertEquals(usual, Files.getPosixFilePermissions(pre));

        Path conv = tmp.resolve("conv");
        CliTestSupport.Result c = CliTestSupport.run("convert", "--model", DEPTH.toString(), "--output", conv.toString());
        assertEquals(0, c.exitCode(), c.err());
        assertEquals(usual, Files.getPosixFilePermissions(conv.resolve("model.safetensors")));
        assertEquals(usual, Files.getPosixFilePermissions(conv.resolve("config.json")));
        Set<PosixFilePermission> usualDir = Files.getPosixFilePermissions(Files.createDirectory(tmp.resolve("refdir")));
        Path djl = tmp.resolve("djl");
        assertEquals(0, CliTestSupport.run("convert", "--model", DEPTH.toString(), "--output", djl.toString(), "--format", "djl")
                .exitCode());
        assertEquals(usualDir, Files.getPosixFilePermissions(djl));
    }

    @Test
    void plainMessagesForOutputsAndFolders() throws IOException {
        Path file = Files.writeString(tmp.resolve("existing.txt"), "x");
        for (String cmd : List.of("depth", "segment")) {
            CliTestSupport.Result r = CliTestSupport.run(cmd, "--model", DEPTH.toString(), "--output", file.toString(),
                    PHOTO.toString());
            assertEquals(2, r.exitCode(), r.err());
            assertOneCleanLine(r);
            assertTrue(r.err().contains("is an existing file, not a folder"), r.err());
        }
        CliTestSupport.Result f = CliTestSupport.run("forward", "--model", DEPTH.toString(), "--inputs",
                DEPTH.resolve("model.safetensors").toString(), "--output", tmp.toString());
        assertEquals(2, f.exitCode(), f.err());
        assertTrue(f.err().contains("is an existing folder"), f.err());

        CliTestSupport.Result p = CliTestSupport.run("preprocess", "--config", DEPTH.toString(), "--output",
                tmp.resolve("p.safetensors").toString(), tmp.toString());
        assertEquals(2, p.exitCode(), p.err());
        assertTrue(p.err().contains("is a folder; pass image files"), p.err());
    }
}
