package io.dpt4j.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Entry point of the {@code ./dpt} launcher. */
public final class Main {
    private Main() {}

    /** Every subcommand, in the order {@code --help} lists them. Add new commands here. */
    static Map<String, Command> commands() {
        Map<String, Command> m = new LinkedHashMap<>();
        for (Command c : List.<Command>of(
                new DepthCommand(),
                new SegmentCommand(),
                new ForwardCommand(),
                new PreprocessCommand(),
                new DownloadCommand(),
                new InspectCommand(),
                new ConvertCommand(),
                new BenchCommand(),
                new RandomCheckpointCommand())) {
            m.put(c.name(), c);
        }
        return m;
    }

    public static void main(String[] args) {
        System.exit(run(args));
    }

    /** Runs one command line and returns the exit code (never calls System.exit; used by tests). */
    public static int run(String... args) {
        Map<String, Command> commands = commands();
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            StringBuilder sb = new StringBuilder("usage: ./dpt COMMAND [ARGS]\n\ncommands:\n");
            commands.values().forEach(c -> sb.append(String.format("  %-18s %s%n", c.name(), c.summary())));
            sb.append("\nRun ./dpt COMMAND --help for the options of one command.");
            System.out.println(sb);
            return args.length == 0 ? 2 : 0;
        }
        Command c = commands.get(args[0]);
        if (c == null) {
            System.err.println("dpt: unknown command '" + args[0] + "'; run ./dpt --help for the list");
            return 2;
        }
        List<String> rest = new ArrayList<>(Arrays.asList(args).subList(1, args.length));
        if (rest.contains("--help") || rest.contains("-h")) {
            System.out.println(c.help());
            return 0;
        }
        try {
            return c.run(rest);
        } catch (Exception | Error e) {
            Throwable t = Failures.unwrap(e);
            if (System.getenv(CliConstants.ENV_DEBUG) != null) {
                e.printStackTrace();
            }
            String hint = Failures.speaksForItself(t) ? "" : "; set DPT_DEBUG=1 for the stack trace";
            System.err.println("dpt " + c.name() + ": " + Failures.message(t) + hint);
            return Failures.exitCode(t);
        }
    }
}
