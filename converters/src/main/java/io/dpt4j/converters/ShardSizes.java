package io.dpt4j.converters;

import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Parses shard sizes as transformers / huggingface_hub do ("5GB" = 5e9 bytes, "500MB", "2GiB", or bytes). */
public final class ShardSizes {
    private static final Pattern SIZE = Pattern.compile("^\\s*(\\d+(?:\\.\\d+)?)\\s*([a-zA-Z]*)\\s*$");

    private ShardSizes() {}

    /** @throws IllegalArgumentException naming the value when it is not a size */
    public static long parse(String s) {
        Matcher m = s == null ? null : SIZE.matcher(s);
        if (m == null || !m.matches()) {
            throw new IllegalArgumentException("invalid size '" + s + "' (expected e.g. 5GB, 500MB, 2GiB or a byte count)");
        }
        double n = Double.parseDouble(m.group(1));
        long unit;
        switch (m.group(2).toUpperCase(Locale.ROOT)) {
            case "": case "B": unit = 1; break;
            case "KB": unit = 1_000L; break;
            case "MB": unit = 1_000_000L; break;
            case "GB": unit = 1_000_000_000L; break;
            case "TB": unit = 1_000_000_000_000L; break;
            case "KIB": unit = 1L << 10; break;
            case "MIB": unit = 1L << 20; break;
            case "GIB": unit = 1L << 30; break;
            case "TIB": unit = 1L << 40; break;
            default:
                throw new IllegalArgumentException("invalid size unit in '" + s + "' (expected B, KB, MB, GB, TB, KiB, MiB, GiB or TiB)");
        }
        long v = (long) (n * unit);
        if (v <= 0) {
            throw new IllegalArgumentException("size '" + s + "' must be positive");
        }
        return v;
    }
}
