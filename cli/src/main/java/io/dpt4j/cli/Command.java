package io.dpt4j.cli;

import java.util.List;

/** One `./dpt` subcommand. */
public interface Command {
    /** The word after {@code ./dpt}. */
    String name();

    /** One line for {@code ./dpt --help}. */
    String summary();

    /** The text of {@code ./dpt NAME --help} (or {@code -h} anywhere in the arguments); Main prints it. */
    String help();

    /**
     * Runs the command. Throw {@link CliException} for user errors (printed as one line, exit 2);
     * any other exception is printed as one line with its type (exit 1).
     *
     * @return the process exit code
     */
    int run(List<String> args) throws Exception;
}
