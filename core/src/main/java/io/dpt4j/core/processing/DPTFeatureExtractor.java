package io.dpt4j.core.processing;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The deprecated name of {@link DPTImageProcessor} (transformers' {@code DPTFeatureExtractor}): identical
 * results; creating one logs a deprecation warning once per JVM.
 *
 * @deprecated use {@link DPTImageProcessor}
 */
@Deprecated
public class DPTFeatureExtractor extends DPTImageProcessor {
    private static final AtomicBoolean WARNED = new AtomicBoolean();
    private static final System.Logger LOG = System.getLogger(DPTFeatureExtractor.class.getName());

    DPTFeatureExtractor(DPTImageProcessor p) {
        super(p.toBuilder());
        if (WARNED.compareAndSet(false, true)) {
            LOG.log(System.Logger.Level.WARNING, "The class DPTFeatureExtractor is deprecated and will be removed "
                    + "in version 5 of Transformers. Please use DPTImageProcessor instead.");
        }
    }

    /** See {@link DPTImageProcessor#fromPretrained(Path)}. */
    public static DPTFeatureExtractor fromPretrained(Path dirOrJson) throws IOException {
        return new DPTFeatureExtractor(DPTImageProcessor.fromPretrained(dirOrJson));
    }

    /** See {@link DPTImageProcessor#fromJson(JsonNode)}. */
    public static DPTFeatureExtractor fromJson(JsonNode config) {
        return new DPTFeatureExtractor(DPTImageProcessor.fromJson(config));
    }

    /** See {@link DPTImageProcessor#fromDict(Map)}. */
    public static DPTFeatureExtractor fromDict(Map<String, ?> config) {
        return new DPTFeatureExtractor(DPTImageProcessor.fromDict(config));
    }
}
