package io.dpt4j.core;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;

/**
 * ONNX Runtime's optimized model, saved next to the checkpoint so that later processes skip the graph
 * optimizations (about 40% of dpt-large's session build): {@code <checkpoint dir>/.dpt4j-ort/<key>/}
 * with {@code model.onnx} and its weights in {@code model.onnx.data}.
 *
 * <p>The key hashes what the saved model depends on: the graph DPT4J writes (modules, config, options),
 * the weight files (name, size, modification time), the ONNX Runtime version and the machine (the
 * saved model may hold CPU-specific layouts). An entry is written into a temporary folder and renamed
 * into place, so a reader sees a complete entry or none; the three newest entries per folder are kept.
 * {@code DPT4J_ORT_CACHE=off} disables it.
 */
final class OptimizedModelCache {
    static final String ENV = "DPT4J_ORT_CACHE";
    static final String DIR = ".dpt4j-ort";
    static final String MODEL = "model.onnx";

    private OptimizedModelCache() {}

    static boolean enabled() {
        String v = System.getenv(ENV);
        if (v == null) {
            v = System.getProperty("dpt4j.ort.cache");
        }
        return v == null || !(v.equalsIgnoreCase("off") || v.equals("0") || v.equalsIgnoreCase("false"));
    }

    /** Where this model's entry lives, or null when there is no writable checkpoint folder to keep it in. */
    static Path location(PreTrainedModel<?, ?> model, byte[] graph, String variant) {
        if (!enabled() || model.loadReport() == null) {
            return null;
        }
        try {
            Path src = Path.of(model.loadReport().source()).toAbsolutePath();
            Path dir = Files.isDirectory(src) ? src : src.getParent();
            if (dir == null || !Files.isWritable(dir)) {
                return null;
            }
            MessageDigest d = MessageDigest.getInstance("SHA-256");
            d.update(graph);
            d.update(("|" + variant + "\n").getBytes(StandardCharsets.UTF_8));
            for (Path f : weightFiles(dir)) {
                d.update((f.getFileName() + "|" + Files.size(f) + "|" + Files.getLastModifiedTime(f).toMillis() + "\n")
                        .getBytes(StandardCharsets.UTF_8));
            }
            d.update(("ort " + OnnxRuntimeRunner.env().getVersion() + "|threads " + DptEngine.numThreads() + "|arena off|"
                    + cpuKey()).getBytes(StandardCharsets.UTF_8));
            return dir.resolve(DIR).resolve(HexFormat.of().formatHex(d.digest(), 0, 12));
        } catch (IOException | NoSuchAlgorithmException | RuntimeException e) {
            return null;
        }
    }

    private static List<Path> weightFiles(Path dir) throws IOException {
        List<Path> out = new ArrayList<>();
        try (Stream<Path> s = Files.list(dir)) {
            s.filter(Files::isRegularFile).filter(f -> {
                String n = f.getFileName().toString();
                return n.endsWith(".safetensors") || n.endsWith(".bin") || n.endsWith(".index.json") || n.equals(CoreConstants.CONFIG_FILE);
            }).sorted().forEach(out::add);
        }
        return out;
    }

    /** The CPU the optimized model was made for (ONNX Runtime's optimized graphs are machine-specific). */
    private static String cpuKey() {
        CpuFeatures cpu = CpuFeatures.current();
        return cpu.arch() + "|" + cpu.model() + "|" + String.join(" ", cpu.flags());
    }

    /** A fresh temporary folder beside the entry, or null if it cannot be made. */
    static Path tempDir(Path entry) {
        try {
            Files.createDirectories(entry.getParent());
            return Files.createTempDirectory(entry.getParent(), entry.getFileName() + ".tmp-");
        } catch (IOException e) {
            return null;
        }
    }

    /** Moves a written entry into place (another process may have won the race: then its entry stays). */
    static boolean publish(Path tmp, Path entry) {
        try {
            if (!Files.isRegularFile(tmp.resolve(MODEL))) {
                delete(tmp);
                return false;
            }
            Files.move(tmp, entry, StandardCopyOption.ATOMIC_MOVE);
            prune(entry);
            return true;
        } catch (FileAlreadyExistsException | AtomicMoveNotSupportedException e) {
            delete(tmp);
            return Files.isRegularFile(entry.resolve(MODEL));
        } catch (IOException e) {
            delete(tmp);
            return false;
        }
    }

    /**
     * Entries kept per checkpoint folder (an f32 one is about as large as the weights, an int8 one a
     * quarter): three, so that f32, int8 and int8-conv of one checkpoint do not evict each other.
     */
    static final int KEEP = 3;

    /**
     * Deletes all but the {@link #KEEP} newest entries beside {@code entry} (those of earlier weights or
     * DPT4J versions are never read again); temporary folders of writers in progress are left alone.
     */
    static void prune(Path entry) {
        try (Stream<Path> s = Files.list(entry.getParent())) {
            List<Path> entries = s.filter(p -> Files.isDirectory(p) && !p.getFileName().toString().contains(".tmp-"))
                    .sorted(Comparator.comparingLong(OptimizedModelCache::modified).reversed()).toList();
            for (Path old : entries.subList(Math.min(KEEP, entries.size()), entries.size())) {
                if (!old.equals(entry)) {
                    delete(old);
                }
            }
        } catch (IOException | UncheckedIOException e) {
            // best effort: an old entry only costs disk
        }
    }

    private static long modified(Path p) {
        try {
            return Files.getLastModifiedTime(p).toMillis();
        } catch (IOException e) {
            return 0;
        }
    }

    static void delete(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            // best effort: a leftover temporary folder is never read
        }
    }
}
