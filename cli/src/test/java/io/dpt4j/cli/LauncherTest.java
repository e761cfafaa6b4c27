package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./dpt} launcher's first build, with stand-ins for {@code mvn} (fails offline like a fresh
 * machine, succeeds or fails online) and {@code java}: one calm line instead of Maven's offline block.
 */
class LauncherTest {
    static final Path SCRIPT = PipelineCommandsTest.ROOT.resolve("dpt");

    @TempDir
    Path tmp;

    record Run(int code, String out, String err) {}

    /** A copy of the launcher in a fake checkout, run with fake mvn/java first on the PATH. */
    Run launch(boolean onlineSucceeds) throws IOException, InterruptedException {
        Path root = Files.createDirectories(tmp.resolve("checkout"));
        Files.copy(SCRIPT, root.resolve("dpt"));
        Files.writeString(root.resolve("pom.xml"), "<project/>");
        Path bin = Files.createDirectories(tmp.resolve("bin"));
        script(bin.resolve("mvn"), "#!/usr/bin/env bash\n"
                + "for a in \"$@\"; do if [[ $a == -o ]]; then\n"
                + "  echo '[ERROR] Failed to execute goal on project dpt4j: Cannot access central in offline mode'\n"
                + "  echo '[ERROR] -> [Help 1]'; exit 1; fi; done\n"
                + (onlineSucceeds ? "exit 0\n" : "echo '[ERROR] online build broke: compilation failure'; exit 1\n"));
        script(bin.resolve("java"), "#!/usr/bin/env bash\necho \"java ran\"\n");
        ProcessBuilder pb = new ProcessBuilder("bash", root.resolve("dpt").toString(), "--help");
        Map<String, String> env = pb.environment();
        env.put("PATH", bin + ":" + env.get("PATH"));
        pb.redirectOutput(tmp.resolve("out.txt").toFile()).redirectError(tmp.resolve("err.txt").toFile());
        Process p = pb.start();
        assertTrue(p.waitFor(60, TimeUnit.SECONDS));
        Thread.sleep(100); // the launcher's stderr filter may flush just after exit
        return new Run(p.exitValue(), Files.readString(tmp.resolve("out.txt"), StandardCharsets.UTF_8),
                Files.readString(tmp.resolve("err.txt"), StandardCharsets.UTF_8));
    }

    static void script(Path p, String body) throws IOException {
        Files.writeString(p, body);
        Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rwxr-xr-x"));
    }

    @Test
    void aFreshMachinesFirstBuildPrintsNoMavenErrors() throws Exception {
        Run r = launch(true);
        assertEquals(0, r.code(), r.err());
        assertEquals("java ran", r.out().strip());
        assertFalse(r.err().contains("[ERROR]"), r.err());
        assertTrue(r.err().contains("fetching them from Maven Central"), r.err());
        assertTrue(r.err().strip().lines().count() <= 2, "calm: " + r.err());
    }

    @Test
    void whenTheOnlineBuildFailsTooEverythingIsShown() throws Exception {
        Run r = launch(false);
        assertEquals(1, r.code(), r.err());
        assertTrue(r.err().contains("Cannot access central in offline mode") && r.err().contains("online build broke")
                && r.err().contains("dpt: build failed"), r.err());
        assertFalse(r.out().contains("java ran"));
    }
}
