package io.dpt4j.converters;

import io.dpt4j.hub.HubConstants;

/**
 * Every file name, limit and default of the converters module. The file names of a model directory are the
 * hub client's ({@link HubConstants}), named here for the readers and writers.
 */
public final class ConverterConstants {
    private ConverterConstants() {}

    /** Largest safetensors header accepted, as in the reference Rust crate. */
    public static final long SAFETENSORS_MAX_HEADER = 100_000_000L;
    /** Key of the free-form string map in a safetensors header. */
    public static final String SAFETENSORS_METADATA_KEY = "__metadata__";
    /** Largest index json read (they are a few hundred KB at most). */
    public static final long INDEX_MAX_BYTES = 100_000_000L;
    /**
     * Largest single memory-mapped region: files above this are mapped in several regions,
     * each holding whole tensors.
     */
    public static final long MAP_REGION_BYTES = 1L << 30;

    public static final String SAFETENSORS_WEIGHTS = HubConstants.SAFETENSORS_WEIGHTS_NAME;
    public static final String SAFETENSORS_INDEX = HubConstants.SAFETENSORS_INDEX_NAME;
    public static final String BIN_WEIGHTS = HubConstants.PYTORCH_WEIGHTS_NAME;
    public static final String BIN_INDEX = HubConstants.PYTORCH_INDEX_NAME;
    public static final String INDEX_SUFFIX = ".index.json";
    public static final String CONFIG = HubConstants.CONFIG_NAME;
    public static final String PREPROCESSOR_CONFIG = HubConstants.PREPROCESSOR_CONFIG_NAME;
    public static final String INDEX_WEIGHT_MAP = "weight_map";
    public static final String INDEX_METADATA = "metadata";
    public static final String INDEX_TOTAL_SIZE = "total_size";
}
