package io.dpt4j.converters;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.HexFormat;

/**
 * Temp files and folders for "write beside the target, then move": created with the process's default
 * permissions (0666 / 0777 less the umask), so the moved result gets the same mode as any other file the
 * user creates. {@link Files#createTempFile} would create them 0600 (and folders 0700), and that mode
 * would stick to the published output.
 */
public final class AtomicFiles {
    private static final SecureRandom RANDOM = new SecureRandom();

    private AtomicFiles() {}

    /** A new, empty {@code .<name>.<random>.tmp} file in {@code target}'s folder (created if missing). */
    public static Path tempSibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        while (true) {
            try {
                return Files.createFile(dir.resolve(tempName(target)));
            } catch (FileAlreadyExistsException e) {
                // another random name
            }
        }
    }

    /** A new, empty {@code .<name>.<random>.tmp} folder in {@code target}'s folder (created if missing). */
    public static Path tempDirectorySibling(Path target) throws IOException {
        Path dir = target.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        while (true) {
            try {
                return Files.createDirectory(dir.resolve(tempName(target)));
            } catch (FileAlreadyExistsException e) {
                // another random name
            }
        }
    }

    private static String tempName(Path target) {
        byte[] b = new byte[6];
        RANDOM.nextBytes(b);
        return "." + target.getFileName() + "." + HexFormat.of().formatHex(b) + ".tmp";
    }
}
