package io.dpt4j.converters;

/** Every file name, limit and default of the converters module. */
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

    public static final String SAFETENSORS_WEIGHTS = "model.safetensors";
    public static final String SAFETENSORS_INDEX = "model.safetensors.index.json";
    public static final String BIN_WEIGHTS = "pytorch_model.bin";
    public static final String BIN_INDEX = "pytorch_model.bin.index.json";
    public static final String INDEX_SUFFIX = ".index.json";
    public static final String CONFIG = "config.json";
    public static final String PREPROCESSOR_CONFIG = "preprocessor_config.json";
    public static final String INDEX_WEIGHT_MAP = "weight_map";
    public static final String INDEX_METADATA = "metadata";
    public static final String INDEX_TOTAL_SIZE = "total_size";
}
