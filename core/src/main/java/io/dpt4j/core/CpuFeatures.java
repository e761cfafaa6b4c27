package io.dpt4j.core;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CPU's model name and the instruction-set flags that decide int8 speed, from /proc/cpuinfo
 * (Linux). int8 matmuls are fast with AVX-512 VNNI, AVX-VNNI or AMX-INT8 (x86) and the dot-product
 * extension (ARM); without them ONNX Runtime's int8 kernels can be slower than float32.
 */
public record CpuFeatures(String model, String arch, Set<String> flags) {
    /** The flags reported with every benchmark. */
    static final List<String> REPORTED = List.of("avx2", "avx512f", "avx512_vnni", "avx_vnni", "avx512_bf16", "amx_int8", "amx_bf16", "asimddp");

    private static volatile CpuFeatures current;

    /** This machine's features (read once; empty flags where /proc/cpuinfo is not readable). */
    public static CpuFeatures current() {
        if (current == null) {
            current = read(Path.of("/proc/cpuinfo"), System.getProperty("os.arch", ""));
        }
        return current;
    }

    /** Parses a /proc/cpuinfo file (the first processor's "model name" and "flags"/"Features"). */
    public static CpuFeatures read(Path cpuinfo, String arch) {
        String model = "unknown CPU";
        Set<String> flags = new TreeSet<>();
        try {
            for (String line : Files.readAllLines(cpuinfo)) {
                int colon = line.indexOf(':');
                if (colon < 0) {
                    continue;
                }
                String key = line.substring(0, colon).trim();
                String value = line.substring(colon + 1).trim();
                if (key.equals("model name") && model.equals("unknown CPU")) {
                    model = value;
                } else if ((key.equals("flags") || key.equals("Features")) && flags.isEmpty()) {
                    flags.addAll(List.of(value.split("\\s+")));
                }
            }
        } catch (IOException | RuntimeException e) {
            // not Linux, or not readable: no flags known
        }
        return new CpuFeatures(model, arch, flags);
    }

    public boolean isX86() {
        String a = arch.toLowerCase(Locale.ROOT);
        return a.equals("amd64") || a.equals("x86_64") || a.equals("x86");
    }

    /** Whether int8 dot products have hardware support: AVX-512 VNNI, AVX-VNNI, AMX-INT8, or ARM's dot product. */
    public boolean hasInt8DotProduct() {
        return flags.contains("avx512_vnni") || flags.contains("avx_vnni") || flags.contains("amx_int8") || flags.contains("asimddp");
    }

    /**
     * Whether int8 may be slower than float32 here (and whether full-range int8 weights may saturate
     * the 16-bit sums of AVX2's int8 dot product): an x86 CPU without VNNI or AMX, or flags unknown.
     */
    public boolean int8MaySaturate() {
        return isX86() && !hasInt8DotProduct();
    }

    /** A warning for CPUs where int8 is likely no faster than float32, or null. */
    public String int8Warning() {
        if (flags.isEmpty()) {
            return "warning: CPU flags unknown (no /proc/cpuinfo); int8 is only faster than f32 on CPUs with VNNI or AMX-INT8";
        }
        if (isX86() && !hasInt8DotProduct()) {
            return "warning: this CPU has no AVX512-VNNI, AVX-VNNI or AMX-INT8: int8 may be slower than f32 here "
                    + "(weights use 7-bit range to avoid AVX2 saturation)";
        }
        return null;
    }

    /** e.g. "AMD EPYC (avx2 avx512f avx512_vnni avx512_bf16; no avx_vnni amx_int8)". */
    public String summary() {
        List<String> have = new ArrayList<>();
        List<String> lack = new ArrayList<>();
        for (String f : REPORTED) {
            if (f.equals("asimddp") == isX86()) {
                continue; // only the flags of this architecture
            }
            (flags.contains(f) ? have : lack).add(f);
        }
        return model + " (" + String.join(" ", have) + (lack.isEmpty() ? "" : "; no " + String.join(" ", lack)) + ")";
    }
}
