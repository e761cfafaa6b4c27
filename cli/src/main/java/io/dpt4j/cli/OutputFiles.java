package io.dpt4j.cli;

import io.dpt4j.converters.AtomicFiles;
import io.dpt4j.core.CoreConstants;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import javax.imageio.ImageIO;

/** Writing results: atomic PNG / .npy / text files, unique per-image file stems. */
final class OutputFiles {
    private final Set<String> used = new HashSet<>();

    /** A file stem for an input image, unique within this run (photo, photo-2, ...). */
    String stem(Path image) {
        String name = image.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String base = dot > 0 ? name.substring(0, dot) : name;
        String s = base;
        for (int i = 2; !used.add(s); i++) {
            s = base + "-" + i;
        }
        return s;
    }

    /** Writes a file or folder at a path it is given. */
    interface Writer {
        void write(Path path) throws IOException;
    }

    /**
     * Writes {@code target} through a temp file beside it, moved into place once complete. The temp file
     * gets the umask's mode (as the PNGs always had), not {@code createTempFile}'s 0600.
     */
    static void atomically(Path target, Writer writer) throws IOException {
        try (Group g = new Group()) {
            g.add(target, writer);
            g.commit();
        }
    }

    /**
     * The files of one result (e.g. an image's PNGs and .npy): each is written to a temp file beside its
     * target, and only when all are written are they moved into place. If any write or move fails, none of
     * the group's files is left behind (targets already moved are removed again).
     */
    static final class Group implements AutoCloseable {
        private final Map<Path, Path> staged = new LinkedHashMap<>(); // target -> temp
        private final List<Path> moved = new ArrayList<>();

        void add(Path target, Writer writer) throws IOException {
            Path tmp = AtomicFiles.tempSibling(target);
            staged.put(target, tmp);
            writer.write(tmp);
        }

        void commit() throws IOException {
            try {
                for (Map.Entry<Path, Path> e : staged.entrySet()) {
                    if (Files.isDirectory(e.getKey())) {
                        throw new IOException(e.getKey() + " is a folder; cannot write a file there");
                    }
                }
                for (Map.Entry<Path, Path> e : staged.entrySet()) {
                    Files.move(e.getValue(), e.getKey(), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                    moved.add(e.getKey());
                }
            } catch (IOException | RuntimeException e) {
                for (Path p : moved) {
                    Files.deleteIfExists(p);
                }
                throw e;
            }
        }

        @Override
        public void close() throws IOException {
            for (Path tmp : staged.values()) {
                Files.deleteIfExists(tmp); // nothing left after a commit; the temp files after a failure
            }
        }
    }

    /**
     * Fills a staging folder beside {@code output}, then replaces {@code output} with it: a failure
     * leaves no half-written folder (and the old one, if any, untouched).
     */
    static void directoryAtomically(Path output, Writer filler) throws IOException {
        Path staging = AtomicFiles.tempDirectorySibling(output); // the umask's mode, not 0700
        try {
            Path dir = staging.resolve("out");
            filler.write(dir);
            if (Files.exists(output)) {
                deleteTree(output);
            }
            Files.move(dir, output, StandardCopyOption.ATOMIC_MOVE);
        } finally {
            deleteTree(staging);
        }
    }

    /**
     * Checks that {@code --output} can be a folder (missing, or an existing folder), with a plain message
     * otherwise; the folder itself is created only once there is something to write.
     */
    static void checkOutputFolder(Path out) {
        if (Files.exists(out) && !Files.isDirectory(out)) {
            throw new CliException("--output " + out + " is an existing file, not a folder: name a folder (it is"
                    + " created if missing)");
        }
    }

    /** Checks that {@code --output} can be a file (missing, or an existing file), with a plain message otherwise. */
    static void checkOutputFile(Path out) {
        if (Files.isDirectory(out)) {
            throw new CliException("--output " + out + " is an existing folder: name the file to write, e.g. "
                    + out.resolve("out.safetensors"));
        }
    }

    /** Deletes a file or folder tree (nothing if it does not exist). */
    static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) {
            return;
        }
        try (var s = Files.walk(p)) {
            for (Path q : (Iterable<Path>) s.sorted(Comparator.reverseOrder())::iterator) {
                Files.deleteIfExists(q);
            }
        }
    }

    /** Copies config.json and, when there is one, preprocessor_config.json from one model folder to another. */
    static void copyConfigs(Path fromDir, Path toDir) throws IOException {
        Files.copy(fromDir.resolve(CoreConstants.CONFIG_FILE), toDir.resolve(CoreConstants.CONFIG_FILE));
        Path pre = fromDir.resolve(CoreConstants.PREPROCESSOR_CONFIG_FILE);
        if (Files.isRegularFile(pre)) {
            Files.copy(pre, toDir.resolve(CoreConstants.PREPROCESSOR_CONFIG_FILE));
        }
    }

    static void png(BufferedImage img, Path target) throws IOException {
        atomically(target, png(img));
    }

    static Writer png(BufferedImage img) {
        return tmp -> {
            if (!ImageIO.write(img, "png", tmp.toFile())) {
                throw new IOException("no PNG writer for this image type");
            }
        };
    }

    static void text(String s, Path target) throws IOException {
        atomically(target, text(s));
    }

    static Writer text(String s) {
        return tmp -> Files.writeString(tmp, s);
    }

    /** A float32 array as a NumPy .npy file (format 1.0), so {@code np.load(path)} opens it. */
    static void npy(float[] data, long[] shape, Path target) throws IOException {
        atomically(target, npy(data, shape));
    }

    static Writer npy(float[] data, long[] shape) {
        StringBuilder sh = new StringBuilder("(");
        for (long d : shape) {
            sh.append(d).append(", ");
        }
        if (shape.length > 1) {
            sh.setLength(sh.length() - 2);
        }
        sh.append(')');
        String dict = "{'descr': '<f4', 'fortran_order': False, 'shape': " + sh + ", }";
        int total = 10 + dict.length() + 1;
        int pad = (64 - total % 64) % 64;
        String header = dict + " ".repeat(pad) + "\n";
        ByteBuffer head = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        head.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.US_ASCII)).put((byte) 1).put((byte) 0)
                .putShort((short) header.length());
        ByteBuffer body = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        body.asFloatBuffer().put(data);
        return tmp -> {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                os.write(head.array());
                os.write(header.getBytes(StandardCharsets.US_ASCII));
                os.write(body.array());
            }
        };
    }

    static String pct(double share) {
        return String.format(Locale.ROOT, "%.2f%%", 100 * share);
    }
}
