package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line around the hub client (the client itself is tested in hub-client against an emulator). */
class DownloadCommandTest {
    @TempDir
    Path tmp;

    private record Run(int code, String out, String err) {}

    private static Run run(String... args) {
        PrintStream oldOut = System.out;
        PrintStream oldErr = System.err;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Run(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(oldOut);
            System.setErr(oldErr);
        }
    }

    @Test
    void printsTheCachedSnapshotDirectoryAsTheLastLine() throws Exception {
        String commit = "0123456789abcdef0123456789abcdef01234567";
        Path storage = tmp.resolve("models--org--m");
        Path blob = Files.createDirectories(storage.resolve("blobs")).resolve("abc");
        Files.writeString(blob, "{}");
        Path snap = Files.createDirectories(storage.resolve("snapshots").resolve(commit));
        Files.createSymbolicLink(snap.resolve("config.json"), Path.of("../../blobs/abc"));
        Files.createDirectories(storage.resolve("refs"));
        Files.writeString(storage.resolve("refs/main"), commit);

        Run r = run("download", "org/m", "--cache-dir", tmp.toString(), "--local-files-only");
        assertEquals(0, r.code(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(snap.toAbsolutePath().toString(), lines[lines.length - 1]);
    }

    @Test
    void failsWithOneLine() {
        Run r = run("download", "org/absent", "--cache-dir", tmp.toString(), "--local-files-only", "--revision", "v2");
        assertEquals(1, r.code());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("'org/absent' at revision 'v2'"), r.err());
        assertEquals("", r.out());

        Run usage = run("download");
        assertEquals(2, usage.code());
        assertTrue(usage.err().contains("REPO_ID"), usage.err());
        Run bad = run("download", "not a/valid/id", "--local-files-only");
        assertTrue(bad.code() != 0 && bad.err().strip().lines().count() == 1, bad.err());
        Run help = run("download", "--help");
        assertEquals(0, help.code());
        assertTrue(help.out().contains("--include GLOB"));
    }
}
