package io.dpt4j.hub;

import com.sun.jna.Library;
import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.OverlappingFileLockException;
import java.nio.charset.Charset;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * The lock huggingface_hub takes around a blob's download: {@code <cache>/.locks/<repo folder>/<etag>.lock}.
 *
 * <p>Python's {@code filelock} locks that file with {@code flock(2)} on Unix. Java's {@link FileChannel#lock()}
 * takes a POSIX record lock ({@code fcntl(F_SETLK)}) instead, and on Linux the two kinds do not exclude each
 * other, so on Unix this class calls {@code flock(2)} itself through JNA: a Java and a Python client then
 * never write the same {@code blobs/<etag>.incomplete} at once. Every {@code open(2)} is its own open file
 * description, so the lock also excludes other threads of this process and other Java processes. Where
 * libc cannot be loaded (Windows, or JNA missing) it falls back to {@link FileChannel#lock()}, which on
 * Windows ({@code LockFileEx}) excludes Python's {@code msvcrt.locking} too.
 */
final class BlobLock implements AutoCloseable {
    private static final System.Logger LOG = System.getLogger(BlobLock.class.getName());
    private static final long POLL_MILLIS = 50; // filelock's own poll interval
    private static final long REPORT_MILLIS = 10_000;

    /** The few libc calls needed; their numbers are the same on Linux and macOS. */
    interface CLib extends Library {
        int O_RDWR = 2;
        int LOCK_EX = 2;
        int LOCK_NB = 4;
        int LOCK_UN = 8;

        int open(byte[] path, int flags) throws LastErrorException;

        int flock(int fd, int operation) throws LastErrorException;

        int close(int fd) throws LastErrorException;
    }

    private static final CLib LIBC = loadLibc();

    private final Path path;
    private final int fd;
    private final FileChannel channel;
    private final FileLock channelLock;

    private BlobLock(Path path, int fd, FileChannel channel, FileLock channelLock) {
        this.path = path;
        this.fd = fd;
        this.channel = channel;
        this.channelLock = channelLock;
    }

    private static CLib loadLibc() {
        if (Platform.isWindows()) {
            return null;
        }
        try {
            return Native.load(Platform.C_LIBRARY_NAME, CLib.class);
        } catch (LinkageError | RuntimeException e) {
            LOG.log(System.Logger.Level.DEBUG, "flock(2) unavailable (" + e + "): using FileChannel.lock");
            return null;
        }
    }

    /** True when the lock is an {@code flock(2)} lock (the kind Python's filelock takes on Unix). */
    static boolean usesFlock() {
        return LIBC != null;
    }

    /** Blocks until the lock on {@code lockFile} (created if missing) is held. */
    static BlobLock acquire(Path lockFile) throws IOException {
        Files.createDirectories(lockFile.getParent());
        try {
            Files.createFile(lockFile);
        } catch (FileAlreadyExistsException e) {
            // another client created it: it is only a lock
        }
        long start = System.nanoTime();
        long nextReport = REPORT_MILLIS;
        if (LIBC != null) {
            int fd = openFd(lockFile);
            try {
                while (true) {
                    try {
                        LIBC.flock(fd, CLib.LOCK_EX | CLib.LOCK_NB);
                        return new BlobLock(lockFile, fd, null, null);
                    } catch (LastErrorException e) {
                        // EWOULDBLOCK: held by another client; anything else is retried the same way
                    }
                    nextReport = waitAndReport(lockFile, start, nextReport);
                }
            } catch (IOException | RuntimeException e) {
                closeFd(fd);
                throw e;
            }
        }
        FileChannel ch = FileChannel.open(lockFile, StandardOpenOption.WRITE);
        try {
            while (true) {
                try {
                    FileLock l = ch.tryLock();
                    if (l != null) {
                        return new BlobLock(lockFile, -1, ch, l);
                    }
                } catch (OverlappingFileLockException e) {
                    // held by another thread of this process
                }
                nextReport = waitAndReport(lockFile, start, nextReport);
            }
        } catch (IOException | RuntimeException e) {
            ch.close();
            throw e;
        }
    }

    private static int openFd(Path lockFile) throws IOException {
        Charset fs = Charset.forName(System.getProperty("sun.jnu.encoding", Charset.defaultCharset().name()));
        byte[] name = lockFile.toString().getBytes(fs);
        byte[] cName = new byte[name.length + 1]; // NUL-terminated
        System.arraycopy(name, 0, cName, 0, name.length);
        try {
            return LIBC.open(cName, CLib.O_RDWR);
        } catch (LastErrorException e) {
            throw new IOException("cannot open the lock file " + lockFile + " (errno " + e.getErrorCode() + ")");
        }
    }

    private static long waitAndReport(Path lockFile, long start, long nextReport) throws IOException {
        long waited = (System.nanoTime() - start) / 1_000_000;
        if (waited >= nextReport) {
            LOG.log(System.Logger.Level.INFO, "waiting for " + lockFile + " (another download of the same file)");
            nextReport += REPORT_MILLIS;
        }
        try {
            Thread.sleep(POLL_MILLIS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while waiting for the lock " + lockFile);
        }
        return nextReport;
    }

    private static void closeFd(int fd) {
        try {
            LIBC.close(fd);
        } catch (LastErrorException ignored) {
            // nothing to do
        }
    }

    Path path() {
        return path;
    }

    /** Releases the lock; the lock file stays (as with huggingface_hub), it is reused by the next download. */
    @Override
    public void close() throws IOException {
        if (channel != null) {
            try {
                channelLock.release();
            } finally {
                channel.close();
            }
            return;
        }
        try {
            LIBC.flock(fd, CLib.LOCK_UN);
        } catch (LastErrorException ignored) {
            // closing the descriptor releases it anyway
        } finally {
            closeFd(fd);
        }
    }
}
