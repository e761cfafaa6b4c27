package io.dpt4j.hub;

import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Progress on a console: on a terminal, one bar per file redrawn in place ({@code name  42% 12.0MB/28.5MB
 * 3.1MB/s ETA 5s}); elsewhere (logs, CI) one line per finished file.
 */
final class ConsoleProgress implements ProgressListener {
    private static final long REDRAW_NANOS = 100_000_000L;

    private final PrintStream out;
    private final boolean terminal;
    private final LongSupplier clock;
    private final Map<String, long[]> state = new ConcurrentHashMap<>(); // start nanos, start bytes, last draw

    ConsoleProgress(PrintStream out, boolean terminal, LongSupplier clock) {
        this.out = out;
        this.terminal = terminal;
        this.clock = clock;
    }

    /**
     * Java 17 has no isatty for stderr alone ({@code System.console()} looks at stdin/stdout), so on Linux
     * this reads where fd 2 points; elsewhere it falls back to {@code System.console()}.
     */
    static boolean stderrIsTerminal() {
        try {
            Path fd2 = Path.of("/proc/self/fd/2");
            if (Files.exists(fd2)) {
                String target = Files.readSymbolicLink(fd2).toString();
                return target.startsWith("/dev/pts/") || target.startsWith("/dev/tty");
            }
        } catch (Exception e) {
            // fall through
        }
        return System.console() != null;
    }

    @Override
    public void onStart(String repoId, String filename, long totalBytes, long alreadyDone) {
        long now = clock.getAsLong();
        state.put(filename, new long[] {now, alreadyDone, 0});
    }

    @Override
    public void onProgress(String filename, long bytesDone, long totalBytes) {
        if (!terminal) {
            return;
        }
        long[] s = state.get(filename);
        long now = clock.getAsLong();
        if (s == null || now - s[2] < REDRAW_NANOS) {
            return;
        }
        s[2] = now;
        synchronized (out) {
            out.print("\r" + bar(filename, bytesDone, totalBytes, now - s[0], bytesDone - s[1]) + "\u001b[K");
            out.flush();
        }
    }

    @Override
    public void onComplete(String filename, long totalBytes) {
        long[] s = state.remove(filename);
        long elapsed = s == null ? 0 : clock.getAsLong() - s[0];
        synchronized (out) {
            if (terminal) {
                out.print("\r" + bar(filename, totalBytes, totalBytes, elapsed, totalBytes - (s == null ? 0 : s[1]))
                        + "\u001b[K\n");
            } else {
                out.println("Downloaded " + filename + " (" + formatBytes(totalBytes) + ") in "
                        + String.format(Locale.ROOT, "%.1f", elapsed / 1e9) + " s");
            }
            out.flush();
        }
    }

    @Override
    public void onFailure(String filename, Throwable error) {
        state.remove(filename);
        if (terminal) {
            synchronized (out) {
                out.print("\n");
                out.flush();
            }
        }
    }

    /** One progress bar line (pure, for tests). */
    static String bar(String filename, long done, long total, long elapsedNanos, long transferred) {
        String name = filename.length() > 40 ? "(…)" + filename.substring(filename.length() - 40) : filename;
        double secs = elapsedNanos / 1e9;
        double rate = secs > 0 ? transferred / secs : 0;
        StringBuilder sb = new StringBuilder(name).append("  ");
        if (total > 0) {
            int pct = (int) Math.min(100, done * 100 / total);
            int width = 20;
            int filled = pct * width / 100;
            sb.append(String.format(Locale.ROOT, "%3d%% ", pct)).append('|').append("#".repeat(filled))
                    .append(" ".repeat(width - filled)).append("| ");
            sb.append(formatBytes(done)).append('/').append(formatBytes(total));
        } else {
            sb.append(formatBytes(done));
        }
        sb.append(' ').append(formatBytes((long) rate)).append("/s");
        if (total > 0 && rate > 0) {
            long eta = (long) Math.ceil((total - done) / rate);
            sb.append(" ETA ").append(eta).append('s');
        }
        return sb.toString();
    }

    /** {@code 999B}, {@code 1.2kB}, {@code 12.3MB}, {@code 1.5GB} (decimal units, like tqdm's unit_scale). */
    static String formatBytes(long n) {
        if (n < 1000) {
            return n + "B";
        }
        String[] units = {"kB", "MB", "GB", "TB"};
        double v = n;
        int u = -1;
        while (v >= 1000 && u < units.length - 1) {
            v /= 1000;
            u++;
        }
        return String.format(Locale.ROOT, "%.1f%s", v, units[u]);
    }
}
