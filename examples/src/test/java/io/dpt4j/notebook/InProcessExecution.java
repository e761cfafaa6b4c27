package io.dpt4j.notebook;

import java.lang.reflect.Method;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Path;
import java.security.CodeSource;
import java.util.HashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import jdk.jshell.execution.DirectExecutionControl;
import jdk.jshell.execution.LoaderDelegate;
import jdk.jshell.spi.ExecutionControl;
import jdk.jshell.spi.ExecutionControlProvider;
import jdk.jshell.spi.ExecutionEnv;

/**
 * Runs JShell snippets in the kernel's own JVM, as IJava and JJava do, so that a cell's value is the real
 * object (a {@code BufferedImage} can then be rendered as PNG) rather than JShell's string of it.
 *
 * <p>One deliberate difference: the snippets' class loader does not see the kernel's own class path
 * (gson, jeromq, slf4j), only the JDK, the jjava-jupyter API that magics and {@code display(...)}
 * compile against, and what the notebook adds with {@code %classpath}. So the notebook gets exactly the
 * library versions it asked for.
 */
final class InProcessExecution {
    /** The only kernel-side package notebook code can reach (magic calls, {@code display}, {@code render}). */
    static final String SHARED_PACKAGE = "org.dflib.jjava.jupyter.";

    private InProcessExecution() {}

    /** Hands JShell one {@link Control}; the kernel keeps a reference to read values back. */
    static final class Provider implements ExecutionControlProvider {
        private Control control;

        @Override
        public String name() {
            return "dpt4j-in-process";
        }

        @Override
        public ExecutionControl generate(ExecutionEnv env, Map<String, String> parameters) {
            control = new Control(new Loader());
            return control;
        }

        Control control() {
            return control;
        }
    }

    /**
     * Invokes each snippet directly and keeps its value under a fresh key; the key is what JShell reports as
     * the snippet's value, and {@link #take} turns it back into the object.
     */
    static final class Control extends DirectExecutionControl {
        private final Loader loader;
        private final Map<String, Object> values = new HashMap<>();

        Control(Loader loader) {
            super(loader);
            this.loader = loader;
        }

        @Override
        protected String invoke(Method doit) throws Exception {
            Thread thread = Thread.currentThread();
            ClassLoader previous = thread.getContextClassLoader();
            // Libraries that discover services through the context loader (DJL's engines) must see the notebook's jars.
            thread.setContextClassLoader(loader.classLoader);
            try {
                Object value = doit.invoke(null);
                String key = "dpt4j-value-" + UUID.randomUUID();
                synchronized (values) {
                    values.put(key, value);
                }
                return key;
            } finally {
                thread.setContextClassLoader(previous);
            }
        }

        /** The object behind a key JShell reported, or the reported text itself when it is not a key. */
        Object take(String reported) {
            synchronized (values) {
                return values.containsKey(reported) ? values.remove(reported) : reported;
            }
        }

        /** Forgets values nobody asked for (statements, declarations), so they do not pile up. */
        void forgetValues() {
            synchronized (values) {
                values.clear();
            }
        }

        ClassLoader classLoader() {
            return loader.classLoader;
        }
    }

    /** Snippet classes and {@code %classpath} entries, in one class loader whose parent is {@link SharedApiLoader}. */
    static final class Loader implements LoaderDelegate {
        private final Map<String, byte[]> bytecodes = new ConcurrentHashMap<>();
        private final Map<String, Class<?>> loaded = new ConcurrentHashMap<>();
        final SnippetClassLoader classLoader = new SnippetClassLoader();

        @Override
        public void load(ExecutionControl.ClassBytecodes[] cbcs) throws ExecutionControl.ClassInstallException {
            boolean[] installed = new boolean[cbcs.length];
            for (int i = 0; i < cbcs.length; i++) {
                bytecodes.put(cbcs[i].name(), cbcs[i].bytecodes());
                try {
                    loaded.put(cbcs[i].name(), classLoader.loadClass(cbcs[i].name()));
                } catch (ClassNotFoundException | LinkageError e) {
                    throw new ExecutionControl.ClassInstallException("cannot load snippet class " + cbcs[i].name() + ": " + e,
                            installed);
                }
                installed[i] = true;
            }
        }

        @Override
        public void classesRedefined(ExecutionControl.ClassBytecodes[] cbcs) {
            for (ExecutionControl.ClassBytecodes cbc : cbcs) {
                bytecodes.put(cbc.name(), cbc.bytecodes());
            }
        }

        @Override
        public void addToClasspath(String path) throws ExecutionControl.InternalException {
            for (String entry : path.split(java.io.File.pathSeparator)) {
                if (entry.isBlank()) {
                    continue;
                }
                try {
                    classLoader.addURL(Path.of(entry).toUri().toURL());
                } catch (MalformedURLException e) {
                    throw new ExecutionControl.InternalException("not a class path entry: " + entry + " (" + e.getMessage() + ")");
                }
            }
        }

        @Override
        public Class<?> findClass(String name) throws ClassNotFoundException {
            Class<?> c = loaded.get(name);
            return c != null ? c : classLoader.loadClass(name);
        }

        final class SnippetClassLoader extends URLClassLoader {
            SnippetClassLoader() {
                super("dpt4j-notebook", new URL[0], new SharedApiLoader());
            }

            @Override
            protected void addURL(URL url) {
                super.addURL(url);
            }

            @Override
            protected Class<?> findClass(String name) throws ClassNotFoundException {
                byte[] b = bytecodes.get(name);
                if (b == null) {
                    return super.findClass(name);
                }
                return defineClass(name, b, 0, b.length, (CodeSource) null);
            }
        }
    }

    /** The JDK's platform classes plus {@link #SHARED_PACKAGE} from the kernel; nothing else of the kernel's class path. */
    static final class SharedApiLoader extends ClassLoader {
        SharedApiLoader() {
            super("dpt4j-notebook-shared", ClassLoader.getPlatformClassLoader());
        }

        @Override
        protected Class<?> findClass(String name) throws ClassNotFoundException {
            if (name.startsWith(SHARED_PACKAGE)) {
                return InProcessExecution.class.getClassLoader().loadClass(name);
            }
            throw new ClassNotFoundException(name);
        }
    }
}
