package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line around the hub client (the client itself is tested in hub-client against an emulator). */
class DownloadCommandTest {
    @TempDir
    Path tmp;

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

        CliTestSupport.Result r = CliTestSupport.run("download", "org/m", "--cache-dir", tmp.toString(), "--local-files-only");
        assertEquals(0, r.exitCode(), r.err());
        String[] lines = r.out().strip().split("\n");
        assertEquals(snap.toAbsolutePath().toString(), lines[lines.length - 1]);
    }

    @Test
    void failsWithOneLine() {
        CliTestSupport.Result r = CliTestSupport.run("download", "org/absent", "--cache-dir", tmp.toString(), "--local-files-only", "--revision", "v2");
        assertEquals(1, r.exitCode());
        assertEquals(1, r.err().strip().lines().count(), r.err());
        assertTrue(r.err().contains("'org/absent' at revision 'v2'"), r.err());
        assertEquals("", r.out());

        CliTestSupport.Result usage = CliTestSupport.run("download");
        assertEquals(2, usage.exitCode());
        assertTrue(usage.err().contains("REPO_ID"), usage.err());
        CliTestSupport.Result bad = CliTestSupport.run("download", "not a/valid/id", "--local-files-only");
        assertTrue(bad.exitCode() != 0 && bad.err().strip().lines().count() == 1, bad.err());
        CliTestSupport.Result help = CliTestSupport.run("download", "--help");
        assertEquals(0, help.exitCode());
        assertTrue(help.out().contains("--include GLOB"));
    }
}
