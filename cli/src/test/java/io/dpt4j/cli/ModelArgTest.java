package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** --model goes through the library's resolution (ModelFiles) and the default size through its config classes. */
class ModelArgTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();

    @TempDir
    Path tmp;

    @Test
    void directoryWithoutConfigIsAUsageError() {
        CliTestSupport.Result r = CliTestSupport.run("depth", "--model", tmp.toString(), "--output", tmp.resolve("o").toString(),
                ROOT.resolve("examples/data/chelsea.png").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("--model " + tmp + ": the directory has no config.json"), r.err());
    }

    @Test
    void missingPathIsNotTakenForAHubId() {
        CliTestSupport.Result r = CliTestSupport.run("segment", "--model", tmp.resolve("nope").toString(), "--output",
                tmp.resolve("o").toString(), ROOT.resolve("examples/data/chelsea.png").toString());
        assertEquals(2, r.exitCode(), r.err());
        assertTrue(r.err().contains("no such directory"), r.err());
    }

    @Test
    void benchSizeComesFromTheConfigClasses() throws Exception {
        assertArrayEquals(new int[] {64, 64}, BenchCommand.size((String) null, ROOT.resolve("examples/models/tiny-dpt-depth")));
        Files.writeString(tmp.resolve("config.json"), "{\"model_type\": \"dpt\", \"image_size\": [96, 128]}");
        assertArrayEquals(new int[] {96, 128}, BenchCommand.size((String) null, tmp));
        assertArrayEquals(new int[] {32, 48}, BenchCommand.size("32x48", tmp));
    }
}
