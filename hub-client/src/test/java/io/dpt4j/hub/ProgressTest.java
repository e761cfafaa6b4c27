package io.dpt4j.hub;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest extends HubTestSupport {
    @Test
    void barShowsBytesRateAndEta() {
        assertEquals("f.bin   50% |##########          | 500B/1.0kB 250B/s ETA 2s",
                ConsoleProgress.bar("f.bin", 500, 1000, 2_000_000_000L, 500));
        assertEquals("1.5MB", ConsoleProgress.formatBytes(1_500_000));
        assertEquals("999B", ConsoleProgress.formatBytes(999));
    }

    @Test
    void oneLinePerFileWhenNotATerminalAndABarOnATerminal() {
        AtomicLong clock = new AtomicLong();
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        ConsoleProgress lines = new ConsoleProgress(new PrintStream(buf, true, StandardCharsets.UTF_8), false, clock::get);
        lines.onStart("r", "a.json", 2000, 0);
        clock.set(500_000_000L);
        lines.onProgress("a.json", 1000, 2000);
        lines.onComplete("a.json", 2000);
        assertEquals("Downloaded a.json (2.0kB) in 0.5 s\n", buf.toString(StandardCharsets.UTF_8));

        ByteArrayOutputStream tty = new ByteArrayOutputStream();
        ConsoleProgress bar = new ConsoleProgress(new PrintStream(tty, true, StandardCharsets.UTF_8), true, clock::get);
        bar.onStart("r", "w.bin", 2000, 0);
        clock.addAndGet(1_000_000_000L);
        bar.onProgress("w.bin", 1000, 2000);
        bar.onComplete("w.bin", 2000);
        String out = tty.toString(StandardCharsets.UTF_8);
        assertTrue(out.startsWith("\rw.bin   50% |") && out.contains("ETA 1s") && out.contains("100%") && out.endsWith("\n"), out);
    }

    @Test
    void disabledByEnvironmentAndCalledForTransfersOnly() throws Exception {
        assertSame(ProgressListener.NONE, ProgressListener.console(new HubEnvironment(Map.of("HF_HUB_DISABLE_PROGRESS_BARS", "1"), "/")));
        emu.repo("o/p").commit("main", Map.of("config.json", bytes("{}"), "model.safetensors", blob(3000, 1)));
        List<String> events = Collections.synchronizedList(new ArrayList<>());
        ProgressListener l = new ProgressListener() {
            @Override
            public void onStart(String repoId, String filename, long totalBytes, long alreadyDone) {
                events.add("start " + filename + " " + totalBytes);
            }

            @Override
            public void onComplete(String filename, long totalBytes) {
                events.add("done " + filename);
            }
        };
        hub().snapshotDownload("o/p", opts().withProgress(l));
        hub().snapshotDownload("o/p", opts().withProgress(l));
        assertEquals(List.of("start config.json 2", "done config.json", "start model.safetensors 3000", "done model.safetensors"), events);
    }
}
