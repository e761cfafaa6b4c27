package io.dpt4j.cli;

import io.dpt4j.converters.CheckpointException;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.loading.WeightLoadingException;
import io.dpt4j.core.processing.ImageLoadException;
import io.dpt4j.core.processing.PreprocessorConfigException;
import io.dpt4j.hub.HfHubException;
import java.io.UncheckedIOException;
import java.lang.reflect.InvocationTargetException;
import java.nio.file.FileSystemException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;

/**
 * How the command line reports a failure: the exit code (README: 2 for usage and input errors, such as a
 * bad image, config or preprocessor config; 1 otherwise) and one line without wrappers.
 */
final class Failures {
    static final int INPUT_ERROR = 2;
    static final int OTHER_ERROR = 1;

    private Failures() {}

    /**
     * The exception that says what went wrong: wrappers that only carry another exception
     * ({@link UncheckedIOException}, {@link ExecutionException}, ..., or any whose message is just its
     * cause's {@code toString()}) are peeled off, so no message reads "x.y.SomeException: ... (Wrapper)".
     */
    static Throwable unwrap(Throwable e) {
        Throwable t = e;
        for (int i = 0; i < 10 && t.getCause() != null && t.getCause() != t; i++) {
            Throwable c = t.getCause();
            boolean wrapper = t instanceof UncheckedIOException || t instanceof ExecutionException
                    || t instanceof CompletionException || t instanceof InvocationTargetException
                    || t.getMessage() == null || t.getMessage().equals(c.toString());
            if (!wrapper) {
                break;
            }
            t = c;
        }
        return t;
    }

    /** Bad input: the image, config.json, preprocessor_config.json or weights the user gave cannot be used. */
    static boolean isInputError(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof CliException c) {
            return c.exitCode() == INPUT_ERROR;
        }
        return t instanceof ConfigException || t instanceof PreprocessorConfigException || t instanceof ImageLoadException
                || t instanceof WeightLoadingException || t instanceof CheckpointException;
    }

    static int exitCode(Throwable e) {
        Throwable t = unwrap(e);
        if (t instanceof CliException c) {
            return c.exitCode();
        }
        return isInputError(t) ? INPUT_ERROR : OTHER_ERROR;
    }

    /** Exceptions whose message is written for the user (one line naming the file, key or value). */
    static boolean speaksForItself(Throwable t) {
        return t instanceof CliException || isInputError(t) || t instanceof HfHubException;
    }

    /** The first line of the message, with the exception type only where the message alone would be unclear. */
    static String message(Throwable e) {
        Throwable t = unwrap(e);
        String m = t.getMessage() == null ? "" : t.getMessage();
        m = m.lines().findFirst().orElse(m);
        if (t instanceof FileSystemException fs && fs.getFile() != null && m.equals(fs.getFile())) {
            // NoSuchFileException("x") says only "x"
            return fs.getFile() + ": " + fsReason(t);
        }
        if (speaksForItself(t) && !m.isEmpty()) {
            return m;
        }
        return (m.isEmpty() ? t.getClass().getSimpleName() : m + " (" + t.getClass().getSimpleName() + ")");
    }

    private static String fsReason(Throwable t) {
        String n = t.getClass().getSimpleName();
        switch (n) {
            case "NoSuchFileException":
                return "no such file or folder";
            case "FileAlreadyExistsException":
                return "already exists";
            case "AccessDeniedException":
                return "permission denied";
            case "NotDirectoryException":
                return "not a folder";
            case "DirectoryNotEmptyException":
                return "folder not empty";
            default:
                return n;
        }
    }
}
