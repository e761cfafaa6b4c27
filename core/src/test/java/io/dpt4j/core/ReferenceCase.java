package io.dpt4j.core;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** One case of the reference data in test resources ({@code dpt/<case>/} + {@code dpt/manifest.json}). */
public final class ReferenceCase {
    public final String name;
    public final String className;
    public final String primaryOutput;
    public final double atol;
    public final double rtol;
    public final JsonNode manifestEntry;

    private ReferenceCase(JsonNode c) {
        this.manifestEntry = c;
        this.name = c.get("case").asText();
        this.className = c.get("class_name").asText();
        this.primaryOutput = c.get("primary_output").asText();
        this.atol = c.get("suggested_tolerance").get("atol").asDouble();
        this.rtol = c.get("suggested_tolerance").get("rtol").asDouble();
    }

    public static Path root() {
        try {
            return Path.of(ReferenceCase.class.getResource("/dpt/manifest.json").toURI()).getParent();
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    public Path dir() {
        return root().resolve(name);
    }

    /** max_abs recorded in the manifest for an output. */
    public double maxAbs(String output) {
        for (JsonNode o : manifestEntry.get("outputs")) {
            if (o.get("name").asText().equals(output)) {
                return o.get("max_abs").asDouble();
            }
        }
        return 1.0;
    }

    public static List<ReferenceCase> all() {
        try {
            JsonNode m = new ObjectMapper().readTree(root().resolve("manifest.json").toFile());
            List<ReferenceCase> out = new ArrayList<>();
            for (JsonNode c : m.get("cases")) {
                out.add(new ReferenceCase(c));
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ReferenceCase named(String name) {
        return all().stream().filter(c -> c.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no reference case " + name));
    }

    @Override
    public String toString() {
        return name;
    }
}
