package io.dpt4j.core.loading;

import java.util.List;

/**
 * What a checkpoint load found, as transformers reports it: keys the model expected but the checkpoint
 * lacks, keys the checkpoint has that the model does not use, and keys whose shapes disagree.
 */
public record LoadReport(
        String source,
        List<String> missingKeys,
        List<String> unexpectedKeys,
        List<String> mismatchedKeys,
        int loadedTensors,
        long loadedParameters) {

    public boolean isClean() {
        return missingKeys.isEmpty() && unexpectedKeys.isEmpty() && mismatchedKeys.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder sb = new StringBuilder("LoadReport(").append(source).append(": ")
                .append(loadedTensors).append(" tensors, ").append(String.format("%,d", loadedParameters)).append(" parameters");
        append(sb, "missing", missingKeys);
        append(sb, "unexpected", unexpectedKeys);
        append(sb, "mismatched", mismatchedKeys);
        return sb.append(')').toString();
    }

    private static void append(StringBuilder sb, String what, List<String> keys) {
        if (!keys.isEmpty()) {
            sb.append("; ").append(keys.size()).append(' ').append(what).append(": ")
                    .append(String.join(", ", keys.subList(0, Math.min(5, keys.size()))));
            if (keys.size() > 5) {
                sb.append(", ...");
            }
        }
    }
}
