package io.dpt4j.notebook;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.List;
import javax.imageio.ImageIO;
import javax.tools.ToolProvider;
import org.dflib.jjava.jupyter.kernel.BaseKernel;
import org.dflib.jjava.jupyter.kernel.display.DisplayData;
import org.dflib.jjava.jupyter.kernel.display.mime.MIMEType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The CI kernel evaluates cells as IJava/JJava do; driven in process, without Jupyter. */
class NotebookKernelTest {
    private static NotebookKernel kernel;

    @BeforeAll
    static void start() {
        kernel = NotebookKernel.create();
        kernel.onStartup(); // makes it the notebook kernel that magics and display(...) reach
    }

    @AfterAll
    static void stop() {
        kernel.onShutdown(false);
    }

    private static String text(DisplayData d) {
        return (String) d.getData(MIMEType.TEXT_PLAIN);
    }

    @Test
    void lastExpressionIsTheCellsValueAndStatementsHaveNone() {
        assertNull(kernel.eval("int answer = 6 * 7;"));
        assertEquals("42", text(kernel.eval("int twice = answer * 2;\nanswer")));
        assertEquals("84", text(kernel.eval("twice")));
        assertNull(kernel.eval("List<String> names = new ArrayList<>();\nif (names.isEmpty()) names.add(\"a\");"));
        // As in jshell, an expression statement still has a value, the trailing ';' notwithstanding.
        assertEquals("true", text(kernel.eval("names.add(\"b\");")));
        assertNull(kernel.eval("void noop() {}"));
    }

    @Test
    void anImageValueIsRenderedAsPng() throws Exception {
        DisplayData d = kernel.eval("var img = new java.awt.image.BufferedImage(7, 5, java.awt.image.BufferedImage.TYPE_INT_RGB);\n"
                + "img.setRGB(2, 3, 0xff0000);\nimg");
        String png = (String) d.getData(MIMEType.IMAGE_PNG);
        assertNotNull(png, "image/png output");
        BufferedImage back = ImageIO.read(new ByteArrayInputStream(Base64.getMimeDecoder().decode(png)));
        assertEquals(7, back.getWidth());
        assertEquals(5, back.getHeight());
        assertEquals(0xff0000, back.getRGB(2, 3) & 0xffffff);
    }

    @Test
    void classpathMagicAddsGlobMatchesForCompileAndRun(@TempDir Path dir) throws Exception {
        Path src = dir.resolve("src/demo/Greeter.java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, "package demo; public class Greeter { public static String hi(String n) { return \"hi \" + n; } }");
        Path classes = dir.resolve("classes");
        Files.createDirectories(classes);
        assertEquals(0, ToolProvider.getSystemJavaCompiler().run(null, null, null, "-d", classes.toString(), src.toString()));

        // A magic may be the right-hand side of an assignment (JJava's syntax); its value is what it added.
        kernel.eval("String added = %classpath " + dir.toString().replace('\\', '/') + "/class*");
        assertEquals(classes.toAbsolutePath().toString(), text(kernel.eval("added")));
        assertEquals("hi notebook", text(kernel.eval("demo.Greeter.hi(\"notebook\")")));
    }

    @Test
    void jarsMagicTakesFilesOnlyAndNothingMatchingIsAnError(@TempDir Path dir) {
        RuntimeException e = assertThrows(RuntimeException.class, () -> kernel.eval("%jars " + dir + "/*.jar"));
        assertTrue(e.getMessage().contains("nothing matches"), e.getMessage());
    }

    @Test
    void theKernelsOwnLibrariesAreNotVisibleToCells() {
        RuntimeException e = assertThrows(CellEvaluator.CompilationError.class, () -> kernel.eval("com.google.gson.Gson g = null;"));
        assertTrue(e.getMessage().contains("com.google.gson"), e.getMessage());
        // ... while the jjava-jupyter API (display, render) is, as in JJava.
        assertEquals("x", text(kernel.eval("render(\"x\").getData(org.dflib.jjava.jupyter.kernel.display.mime.MIMEType.TEXT_PLAIN)")));
    }

    @Test
    void exceptionsNameTheNotebooksExceptionAndStopTheCell() {
        CellEvaluator.SnippetFailure e = assertThrows(CellEvaluator.SnippetFailure.class,
                () -> kernel.eval("int before = 1;\nif (before == 1) throw new IllegalStateException(\"boom\");\nint after = 2;"));
        assertEquals("java.lang.IllegalStateException: boom", e.getMessage());
        List<String> lines = kernel.formatError(e);
        assertTrue(lines.get(0).contains("java.lang.IllegalStateException: boom"), lines.get(0));
        assertThrows(CellEvaluator.CompilationError.class, () -> kernel.eval("after"), "the rest of the cell did not run");
    }

    @Test
    void compileErrorsQuoteTheOffendingLine() {
        CellEvaluator.CompilationError e = assertThrows(CellEvaluator.CompilationError.class,
                () -> kernel.eval("int ok = 1;\nint bad = \"text\";"));
        assertTrue(e.getMessage().contains("incompatible types"), e.getMessage());
        assertTrue(e.getMessage().contains("int bad = \"text\";"), e.getMessage());
    }

    @Test
    void mavenMagicSaysWhatToUseInstead() {
        RuntimeException e = assertThrows(RuntimeException.class, () -> kernel.eval("%maven io.dpt4j:dpt4j-examples:0.1.0"));
        assertTrue(e.getMessage().contains("%classpath"), e.getMessage());
    }

    @Test
    void isCompleteForConsoles() {
        assertEquals(BaseKernel.IS_COMPLETE_YES, kernel.isComplete("int x = 1;"));
        assertEquals("", kernel.isComplete("for (int i = 0; i < 3; i++) {"));
    }
}
