package io.dpt4j.notebook;

import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import jdk.jshell.Diag;
import jdk.jshell.EvalException;
import jdk.jshell.JShell;
import jdk.jshell.JShellException;
import jdk.jshell.Snippet;
import jdk.jshell.SnippetEvent;
import jdk.jshell.SourceCodeAnalysis;

/**
 * Evaluates a cell the way IJava and JJava do: the source is cut into complete snippets with
 * {@link SourceCodeAnalysis#analyzeCompletion}, each is evaluated in turn, the first failure stops the cell,
 * and the cell's value is the value of its last snippet when that snippet is an expression (a bare
 * expression or variable name, without a trailing semicolon making it a statement); declarations and
 * statements have no value.
 */
final class CellEvaluator implements AutoCloseable {
    private final JShell shell;
    private final InProcessExecution.Control control;

    CellEvaluator(JShell shell, InProcessExecution.Control control) {
        this.shell = shell;
        this.control = control;
    }

    /** A cell that did not compile: JShell's diagnostics, one per line, with the offending source. */
    static final class CompilationError extends RuntimeException {
        CompilationError(String message) {
            super(message);
        }
    }

    /** Evaluates the cell (magics already transpiled); returns the last expression's value, or null. */
    Object eval(String cell) {
        try {
            Object value = null;
            SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
            SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(cell);
            while (info.completeness().isComplete()) {
                value = evalSnippet(info.source());
                info = analysis.analyzeCompletion(info.remaining());
            }
            if (info.completeness() != SourceCodeAnalysis.Completeness.EMPTY) {
                throw new CompilationError("Incomplete input (a missing ';', ')' or '}'?):\n" + info.remaining().trim());
            }
            return value;
        } finally {
            control.forgetValues();
        }
    }

    private Object evalSnippet(String source) {
        List<SnippetEvent> events = shell.eval(source);
        Object value = null;
        for (SnippetEvent e : events) {
            if (e.causeSnippet() != null) {
                continue; // an update of an earlier snippet this one depends on
            }
            JShellException thrown = e.exception();
            if (thrown != null) {
                throw new SnippetFailure(thrown);
            }
            if (!e.status().isDefined()) {
                throw new CompilationError(diagnostics(e.snippet()));
            }
            value = switch (e.snippet().subKind()) {
                case VAR_VALUE_SUBKIND, OTHER_EXPRESSION_SUBKIND, TEMP_VAR_EXPRESSION_SUBKIND ->
                        e.value() == null ? null : control.take(e.value());
                default -> null;
            };
        }
        return value;
    }

    private String diagnostics(Snippet snippet) {
        List<String> lines = new ArrayList<>();
        for (Diag d : shell.diagnostics(snippet).collect(Collectors.toList())) {
            lines.add(d.getMessage(null));
            if (d.getStartPosition() >= 0) {
                lines.add("    in: " + excerpt(snippet.source(), (int) d.getStartPosition(), (int) d.getEndPosition()));
            }
        }
        if (lines.isEmpty()) {
            lines.add("Snippet rejected (" + snippet.kind() + "): " + snippet.source().trim());
        }
        return String.join("\n", lines);
    }

    /** The source line holding [start, end), for the error message. */
    static String excerpt(String source, int start, int end) {
        int from = source.lastIndexOf('\n', Math.max(0, start - 1)) + 1;
        int to = source.indexOf('\n', Math.max(start, end - 1));
        return source.substring(from, to < 0 ? source.length() : to).trim();
    }

    /** Jupyter's is_complete answer for console front ends. */
    String isComplete(String code) {
        SourceCodeAnalysis analysis = shell.sourceCodeAnalysis();
        SourceCodeAnalysis.CompletionInfo info = analysis.analyzeCompletion(code);
        while (info.completeness().isComplete()) {
            info = analysis.analyzeCompletion(info.remaining());
        }
        switch (info.completeness()) {
            case EMPTY:
            case COMPLETE:
            case COMPLETE_WITH_SEMI:
                return org.dflib.jjava.jupyter.kernel.BaseKernel.IS_COMPLETE_YES;
            case UNKNOWN:
                return org.dflib.jjava.jupyter.kernel.BaseKernel.IS_COMPLETE_BAD;
            default:
                return ""; // incomplete, no indent suggestion
        }
    }

    void addToClasspath(String classpath) {
        shell.addToClasspath(classpath);
    }

    @Override
    public void close() {
        shell.close();
    }

    /**
     * A snippet threw: carries JShell's exception (whose stack trace is the notebook code's); the message
     * names the exception the notebook code threw, as Jupyter shows "ename: evalue".
     */
    static final class SnippetFailure extends RuntimeException {
        SnippetFailure(JShellException cause) {
            super((cause instanceof EvalException ? ((EvalException) cause).getExceptionClassName() : cause.getClass().getName())
                    + ": " + cause.getMessage(), cause);
        }
    }
}
