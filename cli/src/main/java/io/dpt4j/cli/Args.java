package io.dpt4j.cli;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Minimal GNU-style option parser: {@code --key value}, {@code --key=value}, repeated options,
 * boolean flags, and positionals. Unknown options are an error that names them.
 */
public final class Args {
    private final Map<String, List<String>> options = new HashMap<>();
    private final List<String> positionals = new ArrayList<>();
    private final String command;

    private Args(String command) {
        this.command = command;
    }

    /**
     * @param valued options that take a value (without the leading dashes)
     * @param flags options that take none
     */
    public static Args parse(String command, List<String> args, Set<String> valued, Set<String> flags) {
        Args a = new Args(command);
        for (int i = 0; i < args.size(); i++) {
            String s = args.get(i);
            if (s.equals("--")) {
                a.positionals.addAll(args.subList(i + 1, args.size()));
                break;
            }
            if (s.startsWith("--") && s.length() > 2) {
                String key = s.substring(2);
                String value = null;
                int eq = key.indexOf('=');
                if (eq >= 0) {
                    value = key.substring(eq + 1);
                    key = key.substring(0, eq);
                }
                if (flags.contains(key)) {
                    if (value != null) {
                        throw new CliException("option --" + key + " takes no value");
                    }
                    a.options.computeIfAbsent(key, k -> new ArrayList<>()).add("true");
                } else if (valued.contains(key)) {
                    if (value == null) {
                        if (i + 1 >= args.size()) {
                            throw new CliException("option --" + key + " needs a value");
                        }
                        value = args.get(++i);
                    }
                    a.options.computeIfAbsent(key, k -> new ArrayList<>()).add(value);
                } else {
                    throw new CliException("unknown option --" + key + "; run ./dpt " + command + " --help");
                }
            } else {
                a.positionals.add(s);
            }
        }
        return a;
    }

    public boolean has(String key) {
        return options.containsKey(key);
    }

    public String get(String key) {
        List<String> v = options.get(key);
        return v == null ? null : v.get(v.size() - 1);
    }

    public String get(String key, String dflt) {
        String v = get(key);
        return v == null ? dflt : v;
    }

    public String require(String key) {
        String v = get(key);
        if (v == null) {
            throw new CliException("missing required option --" + key + "; run ./dpt " + command + " --help");
        }
        return v;
    }

    public List<String> all(String key) {
        return options.getOrDefault(key, List.of());
    }

    public int getInt(String key, int dflt) {
        String v = get(key);
        if (v == null) {
            return dflt;
        }
        try {
            return Integer.parseInt(v);
        } catch (NumberFormatException e) {
            throw new CliException("option --" + key + " expects an integer, got '" + v + "'");
        }
    }

    public List<String> positionals() {
        return positionals;
    }

    /** An existing file or directory given by option {@code key}. */
    public Path existingPath(String key) {
        Path p = Path.of(require(key));
        if (!Files.exists(p)) {
            throw new CliException("--" + key + ": no such file or directory: " + p);
        }
        return p;
    }
}
