package io.dpt4j.core.modeling;

import io.dpt4j.core.config.BackboneConfig;
import io.dpt4j.core.config.BeitConfig;
import io.dpt4j.core.config.Dinov2Config;
import io.dpt4j.core.config.Swinv2Config;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.nn.HfBlock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Function;

/** Builds the backbone block for a nested backbone_config, by model_type. */
public final class Backbones {
    private static final Map<String, Function<BackboneConfig, HfBlock>> FACTORIES = new LinkedHashMap<>();

    static {
        // The built-in families, registered whenever this class loads.
        register("dinov2", c -> new Dinov2Modeling.Dinov2Backbone((Dinov2Config) c));
        register("beit", c -> new BeitModeling.BeitBackbone((BeitConfig) c));
        register("swinv2", c -> new Swinv2Modeling.Swinv2Backbone((Swinv2Config) c));
    }

    private Backbones() {}

    public static synchronized void register(String modelType, Function<BackboneConfig, HfBlock> factory) {
        FACTORIES.put(modelType, factory);
    }

    public static synchronized HfBlock create(BackboneConfig config) {
        Function<BackboneConfig, HfBlock> f = FACTORIES.get(config.modelType());
        if (f == null) {
            throw new ConfigException("backbone \"" + config.modelType() + "\" cannot be used as a DPT backbone here"
                    + (FACTORIES.isEmpty() ? "" : "; supported: " + String.join(", ", FACTORIES.keySet())));
        }
        HfBlock b = f.apply(config);
        if (!(b instanceof Backbone)) {
            throw new IllegalStateException(b.getClass() + " does not implement Backbone");
        }
        return b;
    }
}
