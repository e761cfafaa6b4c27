package io.dpt4j.core;

import io.dpt4j.converters.ConverterConstants;
import io.dpt4j.core.processing.PilResampling;
import java.util.List;

/**
 * Every file name, environment variable, key and default of the core module, in one place (like
 * huggingface_hub's {@code constants.py}). File names shared with the checkpoint readers and the hub
 * client come from {@link ConverterConstants} (which takes them from the hub client's constants).
 */
public final class CoreConstants {
    private CoreConstants() {}

    // ---- files of a model directory ----

    /** transformers' {@code CONFIG_NAME}. */
    public static final String CONFIG_FILE = ConverterConstants.CONFIG;
    /** transformers' {@code IMAGE_PROCESSOR_NAME} / {@code FEATURE_EXTRACTOR_NAME}. */
    public static final String PREPROCESSOR_CONFIG_FILE = ConverterConstants.PREPROCESSOR_CONFIG;
    /** transformers' {@code SAFE_WEIGHTS_NAME}. */
    public static final String SAFETENSORS_WEIGHTS_FILE = ConverterConstants.SAFETENSORS_WEIGHTS;
    /** DJL's model-directory descriptor ({@code engine=...}, {@code translatorFactory=...}). */
    public static final String DJL_SERVING_PROPERTIES = "serving.properties";

    // ---- argument names (LoadOptions.fromArguments: DJL Criteria arguments, serving.properties) ----

    /** The execution engine: pytorch, onnxruntime or auto ({@link ExecutionEngine#parse}). */
    public static final String ARG_ENGINE = "engine";
    /** The precision the weights run in. */
    public static final String ARG_DTYPE = "dtype";
    /** Load even when the checkpoint lacks weights (true/false). */
    public static final String ARG_ALLOW_MISSING_KEYS = "allowMissingKeys";
    /** DJL's argument naming the {@code BlockFactory} that builds (and loads) a model's block. */
    public static final String ARG_DJL_BLOCK_FACTORY = "blockFactory";

    // ---- environment and system properties ----

    /** Set to a file prefix to make ONNX Runtime write its per-node JSON profile for each session. */
    public static final String ENV_ORT_PROFILE = "DPT4J_ORT_PROFILE";
    /** DJL's switch that keeps it from downloading native libraries (the natives come from Maven). */
    public static final String PROP_DJL_OFFLINE = "ai.djl.offline";

    // ---- keys and defaults of preprocessor_config.json, as transformers' DPTImageProcessor names them ----

    public static final String DO_RESIZE = "do_resize";
    public static final String SIZE = "size";
    public static final String KEEP_ASPECT_RATIO = "keep_aspect_ratio";
    public static final String ENSURE_MULTIPLE_OF = "ensure_multiple_of";
    public static final String RESAMPLE = "resample";
    public static final String DO_RESCALE = "do_rescale";
    public static final String RESCALE_FACTOR = "rescale_factor";
    public static final String DO_NORMALIZE = "do_normalize";
    public static final String IMAGE_MEAN = "image_mean";
    public static final String IMAGE_STD = "image_std";
    public static final String DO_PAD = "do_pad";
    public static final String SIZE_DIVISOR = "size_divisor";
    public static final String DO_REDUCE_LABELS = "do_reduce_labels";
    public static final String IMAGE_PROCESSOR_TYPE = "image_processor_type";
    public static final String FEATURE_EXTRACTOR_TYPE = "feature_extractor_type";
    public static final String HEIGHT = "height";
    public static final String WIDTH = "width";

    /** Every option a call may override (Python argument names). */
    public static final List<String> CALL_OPTIONS = List.of(DO_RESIZE, SIZE, KEEP_ASPECT_RATIO, ENSURE_MULTIPLE_OF,
            RESAMPLE, DO_RESCALE, RESCALE_FACTOR, DO_NORMALIZE, IMAGE_MEAN, IMAGE_STD, DO_PAD, SIZE_DIVISOR,
            DO_REDUCE_LABELS);

    public static final String DPT_IMAGE_PROCESSOR = "DPTImageProcessor";

    public static final int DEFAULT_SIZE = 384;
    public static final PilResampling DEFAULT_RESAMPLE = PilResampling.BICUBIC;
    /** Python's {@code 1 / 255}; serialised by json as 0.00392156862745098. */
    public static final double DEFAULT_RESCALE_FACTOR = 1.0 / 255;
    /** transformers' {@code IMAGENET_STANDARD_MEAN} / {@code IMAGENET_STANDARD_STD}. */
    public static final double[] IMAGENET_STANDARD_MEAN = {0.5, 0.5, 0.5};
    public static final double[] IMAGENET_STANDARD_STD = {0.5, 0.5, 0.5};
    /**
     * Pillow's {@code Image.MAX_IMAGE_PIXELS} (decompression-bomb guard): an image declaring more pixels
     * loads with a warning, one declaring more than twice as many is refused before its pixels are decoded.
     */
    public static final long MAX_IMAGE_PIXELS = 89_478_485L;
    /**
     * System property overriding {@link #MAX_IMAGE_PIXELS} (a number of pixels; {@code none} or {@code 0}
     * turns the guard off, as {@code Image.MAX_IMAGE_PIXELS = None} does).
     */
    public static final String MAX_IMAGE_PIXELS_PROPERTY = "dpt4j.maxImagePixels";
    /**
     * System property that, when {@code true}, accepts truncated images (the missing part is left as the
     * decoder fills it), like Pillow's {@code ImageFile.LOAD_TRUNCATED_IMAGES = True}; by default a truncated
     * image is an error ("image file is truncated"), as in Pillow.
     */
    public static final String LOAD_TRUNCATED_IMAGES_PROPERTY = "dpt4j.loadTruncatedImages";
    /** The label that {@code do_reduce_labels} gives background (0) and keeps for ignore (255). */
    public static final int IGNORE_LABEL = 255;
}
