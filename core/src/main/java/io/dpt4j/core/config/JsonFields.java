package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;

/**
 * Typed, validating reads of one JSON object of a config file. Every failure names the source, the
 * key and what was expected, e.g. {@code config.json: "hidden_size" must be a positive integer, got "abc"}.
 */
public final class JsonFields {
    private final ObjectNode node;
    private final String where;

    public JsonFields(ObjectNode node, String where) {
        this.node = node;
        this.where = where;
    }

    public ObjectNode node() {
        return node;
    }

    public String where() {
        return where;
    }

    public boolean has(String key) {
        return node.has(key) && !node.get(key).isNull();
    }

    public ConfigException error(String key, String expected) {
        JsonNode v = node.get(key);
        return new ConfigException(ConfigException.Kind.INVALID_VALUE,
                where + ": \"" + key + "\" must be " + expected + ", got " + (v == null ? "nothing" : v.toString()));
    }

    public int integer(String key, int dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (v.isIntegralNumber() && v.canConvertToInt()) {
            return v.intValue();
        }
        if (v.isFloatingPointNumber() && v.doubleValue() == Math.rint(v.doubleValue())
                && Math.abs(v.doubleValue()) <= Integer.MAX_VALUE) {
            return (int) v.doubleValue();
        }
        // The message quotes the value as written (1e30 stays 1.0E30, never a clamped 2147483647).
        throw error(key, "an integer between " + Integer.MIN_VALUE + " and " + Integer.MAX_VALUE);
    }

    public int positive(String key, int dflt) {
        int v = integer(key, dflt);
        if (v <= 0) {
            throw error(key, "a positive integer");
        }
        return v;
    }

    public Integer optInteger(String key) {
        return has(key) ? integer(key, 0) : null;
    }

    public double number(String key, double dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isNumber()) {
            throw error(key, "a number");
        }
        return v.doubleValue();
    }

    public boolean bool(String key, boolean dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isBoolean()) {
            throw error(key, "true or false");
        }
        return v.booleanValue();
    }

    public Boolean optBool(String key) {
        return has(key) ? bool(key, false) : null;
    }

    public String string(String key, String dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isTextual()) {
            throw error(key, "a string");
        }
        return v.textValue();
    }

    public String oneOf(String key, String dflt, String... allowed) {
        String v = string(key, dflt);
        for (String a : allowed) {
            if (a.equals(v)) {
                return v;
            }
        }
        throw error(key, "one of " + String.join(", ", allowed));
    }

    public List<Integer> intList(String key, List<Integer> dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error(key, "a list of integers");
        }
        List<Integer> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (e.isIntegralNumber() && e.canConvertToInt()) {
                out.add(e.intValue());
            } else {
                throw error(key, "a list of integers");
            }
        }
        return out;
    }

    public List<Double> numberList(String key, List<Double> dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error(key, "a list of numbers");
        }
        List<Double> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isNumber()) {
                throw error(key, "a list of numbers");
            }
            out.add(e.doubleValue());
        }
        return out;
    }

    public List<String> stringList(String key, List<String> dflt) {
        if (!has(key)) {
            return dflt;
        }
        JsonNode v = node.get(key);
        if (!v.isArray()) {
            throw error(key, "a list of strings");
        }
        List<String> out = new ArrayList<>();
        for (JsonNode e : v) {
            if (!e.isTextual()) {
                throw error(key, "a list of strings");
            }
            out.add(e.textValue());
        }
        return out;
    }

    public ObjectNode object(String key) {
        if (!has(key)) {
            return null;
        }
        JsonNode v = node.get(key);
        if (!v.isObject()) {
            throw error(key, "a JSON object");
        }
        return (ObjectNode) v;
    }
}
