package io.dpt4j.notebook;

import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import org.dflib.jjava.jupyter.channels.JupyterConnection;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.BaseKernelBuilder;
import org.dflib.jjava.jupyter.kernel.BaseNotebookStatics;
import org.dflib.jjava.jupyter.kernel.JupyterIO;
import org.dflib.jjava.jupyter.kernel.KernelConnectionProperties;
import org.dflib.jjava.jupyter.kernel.comm.CommManager;
import org.dflib.jjava.jupyter.kernel.display.Renderer;
import org.dflib.jjava.jupyter.kernel.magic.MagicsRegistry;
import org.dflib.jjava.jupyter.kernel.util.StringStyler;
import org.dflib.jjava.jupyter.kernel.LanguageInfo;
import org.dflib.jjava.jupyter.kernel.ReplacementOptions;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.magic.MagicParser;
import org.dflib.jjava.jupyter.kernel.util.PathsHandler;

/**
 * A small JShell Jupyter kernel on JJava's protocol library ({@code org.dflib.jjava:jjava-jupyter}), used by
 * CI to execute {@code examples/notebooks/*.ipynb} through real Jupyter ({@code jupyter nbconvert --execute}).
 * It behaves like the IJava/JJava kernels for what a plain notebook uses:
 * <ul>
 *   <li>cells are cut into snippets and evaluated by JShell in this JVM; a cell's last expression is its
 *       result, rendered by jjava-jupyter's renderer (a {@code java.awt.image.RenderedImage} such as a
 *       {@code BufferedImage} becomes {@code image/png}, anything else {@code text/plain} of {@code toString()});</li>
 *   <li>line magics {@code %classpath} and {@code %jars} take glob paths, transpiled by JJava's magic parser,
 *       so a magic may also be the right-hand side of an assignment;</li>
 *   <li>{@code display(obj)}, {@code render(obj)} and the other static helpers of JJava's
 *       {@code BaseNotebookStatics} are imported, as are JJava's default imports.</li>
 * </ul>
 * Maven magics ({@code %maven}, {@code %%loadFromPOM}) are not implemented: CI uses the local build.
 *
 * <p>Usage (what the kernelspec runs): {@code java -cp <test-classes>:<kernel class path> io.dpt4j.notebook.NotebookKernel <connection-file>}.
 */
public final class NotebookKernel extends BaseKernel {
    /** JJava's startup imports (its NotebookInitializer), so that cells compile the same in both. */
    static final String STARTUP_IMPORTS = String.join("\n",
            "import java.util.*;", "import java.io.*;", "import java.math.*;", "import java.net.*;", "import java.time.*;",
            "import java.util.concurrent.*;", "import java.util.prefs.*;", "import java.util.regex.*;",
            "import static " + BaseNotebookStatics.class.getName() + ".*;");
    /** JJava's magic syntax: a line magic starts a line or follows '=' (e.g. {@code var cp = %classpath x}). */
    static final String LINE_MAGIC_START = "(?<=(?:^|=))\\s*%";
    static final String CELL_MAGIC_START = "%%";

    private final CellEvaluator evaluator;
    private final ClassLoader notebookLoader;

    private NotebookKernel(String name, String version, JupyterIO io, CommManager comms, Renderer renderer,
            MagicParser magicParser, MagicsRegistry magics, StringStyler errorStyler, CellEvaluator evaluator,
            ClassLoader notebookLoader) {
        super(name, version,
                new LanguageInfo.Builder("Java").version(Runtime.version().toString()).mimetype("text/x-java-source")
                        .fileExtension(".jshell").pygments("java").codemirror("java").build(),
                List.of(), null, io, comms, renderer, magicParser, magics, false, errorStyler);
        this.evaluator = evaluator;
        this.notebookLoader = notebookLoader;
    }

    /** A kernel with its magics registered and JJava's imports evaluated. */
    public static NotebookKernel create() {
        return new Builder()
                .name("DPT4J notebook CI kernel")
                .version("1")
                .lineMagic("classpath", new ClasspathMagic(false))
                .lineMagic("jars", new ClasspathMagic(true))
                .lineMagic("maven", new UnsupportedMagic("maven"))
                .lineMagic("mavenRepo", new UnsupportedMagic("mavenRepo"))
                .lineMagic("loadFromPOM", new UnsupportedMagic("loadFromPOM"))
                .lineMagic("addMavenDependency", new UnsupportedMagic("addMavenDependency"))
                .build();
    }

    /** Adds glob paths (separated by the path separator) to the snippets' compile and run class path. */
    public void addToClasspath(String classpath) {
        String resolved = PathsHandler.joinPaths(PathsHandler.splitAndResolveGlobs(classpath));
        if (!resolved.isEmpty()) {
            evaluator.addToClasspath(resolved);
        }
    }

    @Override
    public Object evalRaw(String source) {
        try {
            return evaluator.eval(magicParser.resolveMagics(source));
        } catch (Error e) {
            // BaseKernel reports Exceptions only; an Error escaping would leave Jupyter without a reply.
            throw new IllegalStateException(e.toString(), e);
        }
    }

    @Override
    public DisplayData inspect(String code, int at, boolean extraDetail) {
        return null; // not needed to execute notebooks
    }

    @Override
    public ReplacementOptions complete(String code, int at) {
        return null;
    }

    @Override
    public String isComplete(String code) {
        return evaluator.isComplete(code);
    }

    @Override
    protected ClassLoader getClassLoader() {
        return notebookLoader;
    }

    @Override
    public void onShutdown(boolean restarting) {
        super.onShutdown(restarting);
        evaluator.close();
    }

    /** Error text without the kernel's own frames: compile diagnostics as they are, exceptions as the notebook threw them. */
    @Override
    public List<String> formatError(Throwable e) {
        List<String> lines = new ArrayList<>();
        if (e instanceof CellEvaluator.CompilationError) {
            lines.add(errorStyler.secondary("Compilation failed:"));
            lines.addAll(errorStyler.primaryLines(e.getMessage()));
            return lines;
        }
        Throwable t = e instanceof CellEvaluator.SnippetFailure ? e.getCause() : e;
        for (; t != null; t = t.getCause()) {
            String type = t instanceof EvalException ? ((EvalException) t).getExceptionClassName() : t.getClass().getName();
            lines.add(errorStyler.secondary((lines.isEmpty() ? "" : "Caused by: ") + type + ": " + t.getMessage()));
            for (StackTraceElement f : t.getStackTrace()) {
                lines.add(errorStyler.primary("    at " + f));
            }
        }
        return lines;
    }

    /** Builds the JShell that runs cells in this JVM with the class path described in {@link InProcessExecution}. */
    static final class Builder extends BaseKernelBuilder<Builder, NotebookKernel> {
        @Override
        public NotebookKernel build() {
            InProcessExecution.Provider provider = new InProcessExecution.Provider();
            // JShell compiles against java.class.path as it is when the JShell is built: narrow it to the
            // jjava-jupyter API so that notebook code cannot compile against the kernel's own libraries.
            String kernelClasspath = System.getProperty("java.class.path");
            JShell shell;
            try {
                System.setProperty("java.class.path", jarOf(BaseNotebookStatics.class));
                shell = JShell.builder().executionEngine(provider, java.util.Map.of()).build();
            } finally {
                System.setProperty("java.class.path", kernelClasspath);
            }
            CellEvaluator evaluator = new CellEvaluator(shell, provider.control());
            NotebookKernel kernel = new NotebookKernel(buildName(), buildVersion(), buildJupyterIO(StandardCharsets.UTF_8),
                    buildCommManager(), buildRenderer(),
                    new MagicParser(LINE_MAGIC_START, CELL_MAGIC_START, buildMagicTranspiler()), buildMagicsRegistry(),
                    buildErrorStyler(), evaluator, provider.control().classLoader());
            evaluator.eval(STARTUP_IMPORTS);
            return kernel;
        }

        private static String jarOf(Class<?> c) {
            try {
                return Path.of(c.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
            } catch (URISyntaxException e) {
                throw new IllegalStateException("cannot locate " + c.getName() + "'s jar", e);
            }
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 1 || !Files.isRegularFile(Path.of(args[0]))) {
            System.err.println("usage: NotebookKernel <connection-file> (the kernelspec passes {connection_file})");
            System.exit(2);
        }
        JupyterConnection connection = new JupyterConnection(KernelConnectionProperties.parse(Files.readString(Path.of(args[0]))));
        NotebookKernel kernel = create();
        kernel.onStartup();
        kernel.becomeHandlerForConnection(connection);
        connection.connect();
        connection.waitUntilClose();
        // Native libraries (libtorch) may leave non-daemon threads behind; the kernel is done once Jupyter hung up.
        System.exit(0);
    }
}
