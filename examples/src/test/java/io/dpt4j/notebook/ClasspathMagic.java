package io.dpt4j.notebook;

import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import org.dflib.jjava.jupyter.kernel.magic.LineMagic;
import org.dflib.jjava.jupyter.kernel.util.PathsHandler;

/**
 * {@code %classpath <glob>...} (IJava and JJava: files and directories) and {@code %jars <glob>...} (IJava:
 * files only; JJava: a deprecated alias of %classpath). Relative globs resolve against the kernel's working
 * directory, which Jupyter sets to the notebook's folder. Returns the entries added, joined by the path
 * separator.
 */
final class ClasspathMagic implements LineMagic<String, NotebookKernel> {
    private final boolean filesOnly;

    ClasspathMagic(boolean filesOnly) {
        this.filesOnly = filesOnly;
    }

    @Override
    public String eval(NotebookKernel kernel, List<String> args) {
        List<Path> paths = args.stream()
                .flatMap(a -> PathsHandler.resolveGlobs(a).stream())
                .filter(p -> !filesOnly || Files.isRegularFile(p))
                .collect(Collectors.toList());
        if (paths.isEmpty()) {
            // Both kernels add nothing silently here; failing is kinder, and CI must notice a missing build.
            throw new IllegalArgumentException("nothing matches " + String.join(" ", args) + " (relative to "
                    + Path.of("").toAbsolutePath() + "); build the project first: mvn -DskipTests package");
        }
        String classpath = paths.stream().map(p -> p.toAbsolutePath().toString()).collect(Collectors.joining(File.pathSeparator));
        kernel.addToClasspath(classpath);
        return classpath;
    }
}
