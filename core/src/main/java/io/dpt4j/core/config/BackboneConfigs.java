package io.dpt4j.core.config;

import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.BiFunction;

/** Registry of backbone config types beyond BiT: DINOv2, BEiT and Swinv2 are built in; others may register. */
public final class BackboneConfigs {
    private static final Map<String, BiFunction<ObjectNode, String, BackboneConfig>> TYPES = new LinkedHashMap<>();

    static {
        // The built-in families, registered whenever this class loads.
        register("dinov2", Dinov2Config::new);
        register("beit", BeitConfig::new);
        register("swinv2", Swinv2Config::new);
    }

    private BackboneConfigs() {}

    public static synchronized void register(String modelType, BiFunction<ObjectNode, String, BackboneConfig> factory) {
        TYPES.put(modelType, factory);
    }

    static synchronized BackboneConfig resolve(String type, ObjectNode node, String where) {
        BiFunction<ObjectNode, String, BackboneConfig> f = TYPES.get(type);
        if (f == null) {
            throw new ConfigException(ConfigException.Kind.UNSUPPORTED, where + ": backbone \"model_type\" \"" + type
                    + "\" is not supported; supported: bit" + (TYPES.isEmpty() ? "" : ", " + String.join(", ", TYPES.keySet())));
        }
        return f.apply(node, where);
    }
}
