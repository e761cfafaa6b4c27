package io.dpt4j.core.processing;

import static io.dpt4j.core.CoreConstants.CALL_OPTIONS;
import static io.dpt4j.core.CoreConstants.DEFAULT_RESAMPLE;
import static io.dpt4j.core.CoreConstants.DEFAULT_RESCALE_FACTOR;
import static io.dpt4j.core.CoreConstants.DEFAULT_SIZE;
import static io.dpt4j.core.CoreConstants.DO_NORMALIZE;
import static io.dpt4j.core.CoreConstants.DO_PAD;
import static io.dpt4j.core.CoreConstants.DO_REDUCE_LABELS;
import static io.dpt4j.core.CoreConstants.DO_RESCALE;
import static io.dpt4j.core.CoreConstants.DO_RESIZE;
import static io.dpt4j.core.CoreConstants.DPT_IMAGE_PROCESSOR;
import static io.dpt4j.core.CoreConstants.ENSURE_MULTIPLE_OF;
import static io.dpt4j.core.CoreConstants.FEATURE_EXTRACTOR_TYPE;
import static io.dpt4j.core.CoreConstants.HEIGHT;
import static io.dpt4j.core.CoreConstants.IGNORE_LABEL;
import static io.dpt4j.core.CoreConstants.IMAGENET_STANDARD_MEAN;
import static io.dpt4j.core.CoreConstants.IMAGENET_STANDARD_STD;
import static io.dpt4j.core.CoreConstants.IMAGE_MEAN;
import static io.dpt4j.core.CoreConstants.IMAGE_PROCESSOR_TYPE;
import static io.dpt4j.core.CoreConstants.IMAGE_STD;
import static io.dpt4j.core.CoreConstants.KEEP_ASPECT_RATIO;
import static io.dpt4j.core.CoreConstants.PREPROCESSOR_CONFIG_FILE;
import static io.dpt4j.core.CoreConstants.RESAMPLE;
import static io.dpt4j.core.CoreConstants.RESCALE_FACTOR;
import static io.dpt4j.core.CoreConstants.SIZE;
import static io.dpt4j.core.CoreConstants.SIZE_DIVISOR;
import static io.dpt4j.core.CoreConstants.WIDTH;

import io.dpt4j.core.CoreConstants;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dpt4j.core.outputs.DepthEstimatorOutput;
import io.dpt4j.core.outputs.SemanticSegmenterOutput;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Java port of transformers' slow (Pillow/numpy) {@code DPTImageProcessor}, bit-exact with it.
 *
 * <p>Per image: resize (Pillow {@code Image.resize}, see {@link PilResize}) to {@code size}, optionally
 * keeping the aspect ratio and rounding each side half-to-even to a multiple of
 * {@code ensure_multiple_of}; rescale ({@code float32(u8 * rescale_factor)}); normalize
 * ({@code (x - mean) / std} in float32); pad (centred, to a multiple of {@code size_divisor}, value 0);
 * channels first. Segmentation maps get the optional label reduction and the same resize, and come
 * back as int64 {@code labels}.
 *
 * <p>Instances are immutable. Options passed to {@link #preprocess(List, List, Map)} override the
 * configuration for that call only, using the Python argument names ({@link CoreConstants#CALL_OPTIONS}).
 */
public class DPTImageProcessor {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private final boolean doResize;
    /** The {@code size} value as configured (int, dict or list), for {@link #toJson()}. */
    private final JsonNode sizeNode;
    /** Parsed height/width, or -1 when the size dict lacks them (an error only when resizing). */
    private final int sizeHeight;
    private final int sizeWidth;
    private final boolean keepAspectRatio;
    /** Null when configured as null (then resizing fails like Python's). */
    private final Integer ensureMultipleOf;
    /** Null when configured as null: transformers' {@code resize} then falls back to BILINEAR. */
    private final PilResampling resample;
    private final boolean doRescale;
    private final Double rescaleFactor;
    private final boolean doNormalize;
    private final double[] imageMean;
    private final double[] imageStd;
    private final boolean doPad;
    private final Integer sizeDivisor;
    private final boolean doReduceLabels;
    /** Keys this class does not interpret; kept so that {@link #toJson()} writes them back like HF does. */
    private final Map<String, JsonNode> extra;

    /** A processor with transformers' defaults (384x384, bicubic, 1/255, mean = std = 0.5). */
    public static DPTImageProcessor defaults() {
        return new DPTImageProcessor(Builder.defaults());
    }

    /**
     * Reads {@code preprocessor_config.json} from a model directory, or the given JSON file.
     *
     * @throws NoSuchFileException when the file is missing
     * @throws PreprocessorConfigException when it is not valid JSON or a value has the wrong type
     */
    public static DPTImageProcessor fromPretrained(Path dirOrJson) throws IOException {
        Path file = Files.isDirectory(dirOrJson) ? dirOrJson.resolve(PREPROCESSOR_CONFIG_FILE) : dirOrJson;
        if (!Files.isRegularFile(file)) {
            throw new NoSuchFileException(file.toString(), null, "no " + PREPROCESSOR_CONFIG_FILE
                    + " there; pass a model directory that has one, or the JSON file itself");
        }
        JsonNode node;
        try {
            node = JSON.readTree(file.toFile());
        } catch (JsonProcessingException e) {
            throw new PreprocessorConfigException(file + ": not valid JSON: " + e.getOriginalMessage(), e);
        }
        return fromJson(node, file.toString());
    }

    /**
     * The processor of a model directory: its {@code preprocessor_config.json}, or transformers'
     * DPTImageProcessor defaults when it has none (as for a bare checkpoint).
     */
    public static DPTImageProcessor forModel(Path modelDir) throws IOException {
        Path file = modelDir.resolve(PREPROCESSOR_CONFIG_FILE);
        return Files.isRegularFile(file) ? fromPretrained(file) : defaults();
    }

    /** Builds a processor from a parsed configuration (as {@code DPTImageProcessor.from_dict}). */
    public static DPTImageProcessor fromJson(JsonNode config) {
        return fromJson(config, "preprocessor config");
    }

    /** Builds a processor from a configuration map (JSON-like values: Number, Boolean, List, Map, null). */
    public static DPTImageProcessor fromDict(Map<String, ?> config) {
        return fromJson(JSON.valueToTree(config), "preprocessor config");
    }

    static DPTImageProcessor fromJson(JsonNode config, String source) {
        if (config == null || !config.isObject()) {
            throw new PreprocessorConfigException(source + ": expected a JSON object, got "
                    + (config == null ? "nothing" : config.getNodeType()));
        }
        Builder b = Builder.defaults();
        Iterator<Map.Entry<String, JsonNode>> it = config.fields();
        while (it.hasNext()) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!b.apply(e.getKey(), e.getValue(), source, true)) {
                b.extra.put(e.getKey(), e.getValue());
            }
        }
        return new DPTImageProcessor(b);
    }

    DPTImageProcessor(Builder b) {
        this.doResize = b.doResize;
        this.sizeNode = b.sizeNode;
        this.sizeHeight = b.sizeHeight;
        this.sizeWidth = b.sizeWidth;
        this.keepAspectRatio = b.keepAspectRatio;
        this.ensureMultipleOf = b.ensureMultipleOf;
        this.resample = b.resample;
        this.doRescale = b.doRescale;
        this.rescaleFactor = b.rescaleFactor;
        this.doNormalize = b.doNormalize;
        this.imageMean = b.imageMean;
        this.imageStd = b.imageStd;
        this.doPad = b.doPad;
        this.sizeDivisor = b.sizeDivisor;
        this.doReduceLabels = b.doReduceLabels;
        this.extra = new LinkedHashMap<>(b.extra);
    }

    Builder toBuilder() {
        Builder b = new Builder();
        b.doResize = doResize;
        b.sizeNode = sizeNode;
        b.sizeHeight = sizeHeight;
        b.sizeWidth = sizeWidth;
        b.keepAspectRatio = keepAspectRatio;
        b.ensureMultipleOf = ensureMultipleOf;
        b.resample = resample;
        b.doRescale = doRescale;
        b.rescaleFactor = rescaleFactor;
        b.doNormalize = doNormalize;
        b.imageMean = imageMean;
        b.imageStd = imageStd;
        b.doPad = doPad;
        b.sizeDivisor = sizeDivisor;
        b.doReduceLabels = doReduceLabels;
        b.extra.putAll(extra);
        return b;
    }

    /**
     * A copy with call arguments applied (Python names, see {@link CoreConstants#CALL_OPTIONS});
     * a null value means "use the configured one", as in Python.
     *
     * @throws PreprocessorConfigException for an unknown option or a value of the wrong type
     */
    public DPTImageProcessor withOverrides(Map<String, ?> overrides) {
        if (overrides == null || overrides.isEmpty()) {
            return this;
        }
        Builder b = toBuilder();
        for (Map.Entry<String, ?> e : overrides.entrySet()) {
            Object v = e.getValue();
            if (v == null) {
                continue;
            }
            JsonNode node = v instanceof JsonNode ? (JsonNode) v
                    : v instanceof PilResampling ? JsonNodeFactory.instance.numberNode(((PilResampling) v).id())
                    : JSON.valueToTree(v);
            if (node.isNull()) {
                continue;
            }
            if (!CALL_OPTIONS.contains(e.getKey()) || !b.apply(e.getKey(), node, "call argument", false)) {
                throw new PreprocessorConfigException("unknown preprocess argument '" + e.getKey()
                        + "'; expected one of " + CALL_OPTIONS);
            }
        }
        return new DPTImageProcessor(b);
    }

    // ---------------------------------------------------------------- getters

    public boolean doResize() {
        return doResize;
    }

    /** {@code size["height"]}, or -1 when the configured size has no height. */
    public int sizeHeight() {
        return sizeHeight;
    }

    /** {@code size["width"]}, or -1 when the configured size has no width. */
    public int sizeWidth() {
        return sizeWidth;
    }

    public boolean keepAspectRatio() {
        return keepAspectRatio;
    }

    /** Null when the configuration says null. */
    public Integer ensureMultipleOf() {
        return ensureMultipleOf;
    }

    /** Null when the configuration says null (resizing then uses BILINEAR, as transformers does). */
    public PilResampling resample() {
        return resample;
    }

    public boolean doRescale() {
        return doRescale;
    }

    /** Null when the configuration says null. */
    public Double rescaleFactor() {
        return rescaleFactor;
    }

    public boolean doNormalize() {
        return doNormalize;
    }

    /** A copy of the mean (one value per channel, or one value for all). */
    public double[] imageMean() {
        return imageMean == null ? null : imageMean.clone();
    }

    /** A copy of the std (one value per channel, or one value for all). */
    public double[] imageStd() {
        return imageStd == null ? null : imageStd.clone();
    }

    public boolean doPad() {
        return doPad;
    }

    /** Null when not set. */
    public Integer sizeDivisor() {
        return sizeDivisor;
    }

    public boolean doReduceLabels() {
        return doReduceLabels;
    }

    /**
     * The configuration as transformers' {@code to_json_string} writes it: keys sorted, size as a
     * dict, {@code image_processor_type} = {@code DPTImageProcessor}, unknown keys kept.
     */
    public String toJson() {
        ObjectNode all = JSON.createObjectNode();
        Map<String, JsonNode> m = new TreeMap<>(extra);
        m.remove(FEATURE_EXTRACTOR_TYPE);
        m.put(DO_NORMALIZE, bool(doNormalize));
        m.put(DO_PAD, bool(doPad));
        m.put(DO_REDUCE_LABELS, bool(doReduceLabels));
        m.put(DO_RESCALE, bool(doRescale));
        m.put(DO_RESIZE, bool(doResize));
        m.put(ENSURE_MULTIPLE_OF, ensureMultipleOf == null ? JsonNodeFactory.instance.nullNode()
                : JsonNodeFactory.instance.numberNode(ensureMultipleOf));
        m.put(IMAGE_MEAN, doubles(imageMean));
        m.put(IMAGE_PROCESSOR_TYPE, JsonNodeFactory.instance.textNode(DPT_IMAGE_PROCESSOR));
        m.put(IMAGE_STD, doubles(imageStd));
        m.put(KEEP_ASPECT_RATIO, bool(keepAspectRatio));
        m.put(RESAMPLE, resample == null ? JsonNodeFactory.instance.nullNode()
                : JsonNodeFactory.instance.numberNode(resample.id()));
        m.put(RESCALE_FACTOR, rescaleFactor == null ? JsonNodeFactory.instance.nullNode()
                : JsonNodeFactory.instance.numberNode(rescaleFactor));
        if (sizeHeight >= 0 && sizeWidth >= 0 && sizeNode != null && !sizeNode.isObject()) {
            ObjectNode s = JSON.createObjectNode();
            s.put(HEIGHT, sizeHeight);
            s.put(WIDTH, sizeWidth);
            m.put(SIZE, s);
        } else {
            m.put(SIZE, sizeNode);
        }
        m.put(SIZE_DIVISOR, sizeDivisor == null ? JsonNodeFactory.instance.nullNode()
                : JsonNodeFactory.instance.numberNode(sizeDivisor));
        m.forEach(all::set);
        try {
            return JSON.writeValueAsString(all);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static JsonNode bool(boolean b) {
        return JsonNodeFactory.instance.booleanNode(b);
    }

    private static JsonNode doubles(double[] v) {
        if (v == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        ArrayNode a = JSON.createArrayNode();
        for (double d : v) {
            a.add(d);
        }
        return a;
    }

    // ---------------------------------------------------------------- preprocess

    /** {@link #preprocess(List, List, Map)} for one image with the configured options. */
    public BatchFeature preprocess(Object image) throws IOException {
        return preprocess(List.of(image), null, Map.of());
    }

    /** {@link #preprocess(List, List, Map)} without segmentation maps. */
    public BatchFeature preprocess(List<?> images, Map<String, ?> overrides) throws IOException {
        return preprocess(images, null, overrides);
    }

    /**
     * Preprocesses a batch, like {@code processor(images, segmentation_maps=maps, **overrides)}.
     *
     * <p>Each image may be a {@link Uint8Image} (used as is, like a numpy array: it must have 3 channels),
     * a {@link BufferedImage}, a {@link Path}, {@link File} or path {@link String}, or {@code byte[]} of an
     * encoded file; all but {@link Uint8Image} are loaded as {@code transformers.image_utils.load_image}
     * does (EXIF orientation applied, converted to RGB, see {@link ImageLoader}). Segmentation maps may be
     * a single-channel {@link Uint8Image}, a {@link BufferedImage}, a path or bytes (raw values / palette
     * indices, see {@link ImageLoader#loadSegmentationMap(Path)}).
     *
     * @param segmentationMaps null for none
     * @param overrides call arguments with Python names, null values ignored; may be null
     * @throws IOException when an image cannot be read
     * @throws IllegalArgumentException where transformers raises (unsupported channel count, missing
     *     size, zero output size, mean/std length mismatch, padding without a divisor, ...)
     */
    public BatchFeature preprocess(List<?> images, List<?> segmentationMaps, Map<String, ?> overrides)
            throws IOException {
        DPTImageProcessor p = withOverrides(overrides);
        if (images == null || images.isEmpty()) {
            throw new IllegalArgumentException("no images given; pass at least one image");
        }
        p.validate();
        List<Uint8Image> loaded = new ArrayList<>(images.size());
        for (Object o : images) {
            loaded.add(toImage(o));
        }
        // transformers infers the channel layout once, from the first image, and applies it to all.
        Uint8Image first = loaded.get(0);
        boolean channelsFirst = first.height() == 1 || first.height() == 3;
        List<FloatTensor> pixelValues = new ArrayList<>(loaded.size());
        for (int i = 0; i < loaded.size(); i++) {
            Uint8Image img = loaded.get(i);
            if (channelsFirst) {
                img = channelsFirstQuirk(img, i);
            }
            pixelValues.add(p.processImage(img));
        }
        List<LongTensor> labels = null;
        if (segmentationMaps != null) {
            labels = new ArrayList<>(segmentationMaps.size());
            for (Object o : segmentationMaps) {
                labels.add(p.processSegmentationMap(toSegmentationMap(o)));
            }
        }
        return new BatchFeature(pixelValues, labels);
    }

    private void validate() {
        if (doRescale && rescaleFactor == null) {
            throw new IllegalArgumentException("`rescale_factor` must be specified if `do_rescale` is `True`.");
        }
        if (doPad && sizeDivisor == null) {
            throw new IllegalArgumentException("`size_divisor` must be specified if `do_pad` is `True` "
                    + "(set size_divisor, e.g. 14 or 32, or do_pad=false)");
        }
        if (doNormalize && (imageMean == null || imageStd == null)) {
            throw new IllegalArgumentException("`image_mean` and `image_std` must both be specified if "
                    + "`do_normalize` is `True`.");
        }
        if (doResize && (sizeHeight < 0 || sizeWidth < 0)) {
            throw new IllegalArgumentException("The size dictionary must contain the keys 'height' and 'width'. "
                    + "Got " + sizeNode);
        }
    }

    private static Uint8Image toImage(Object o) throws IOException {
        if (o instanceof Uint8Image) {
            Uint8Image u = (Uint8Image) o;
            if (u.channels() == 1) {
                // A 2-D array, as np.array() of a mode-L PIL image.
                throw new IllegalArgumentException("Unsupported number of image dimensions: 2 (a single-channel "
                        + "image; load it with ImageLoader.load to convert it to RGB, as load_image does)");
            }
            if (u.channels() != 3) {
                throw new IllegalArgumentException("Unable to infer channel dimension format (an image with "
                        + u.channels() + " channels; load it with ImageLoader.load to convert it to RGB)");
            }
            return u;
        }
        if (o instanceof BufferedImage) {
            return ImageLoader.load((BufferedImage) o);
        }
        if (o instanceof Path) {
            return ImageLoader.load((Path) o);
        }
        if (o instanceof File) {
            return ImageLoader.load(((File) o).toPath());
        }
        if (o instanceof String) {
            return ImageLoader.load(Path.of((String) o));
        }
        if (o instanceof byte[]) {
            return ImageLoader.load((byte[]) o);
        }
        throw new IllegalArgumentException("unsupported image type " + (o == null ? "null" : o.getClass().getName())
                + "; pass a Uint8Image, BufferedImage, Path, File, path String or byte[]");
    }

    private static Uint8Image toSegmentationMap(Object o) throws IOException {
        if (o instanceof Uint8Image) {
            Uint8Image u = (Uint8Image) o;
            if (u.channels() != 1) {
                throw new IllegalArgumentException("a segmentation map must have 1 channel, got " + u.channels());
            }
            return u;
        }
        if (o instanceof BufferedImage) {
            return ImageLoader.loadSegmentationMap((BufferedImage) o);
        }
        if (o instanceof Path) {
            return ImageLoader.loadSegmentationMap((Path) o);
        }
        if (o instanceof File) {
            return ImageLoader.loadSegmentationMap(((File) o).toPath());
        }
        if (o instanceof String) {
            return ImageLoader.loadSegmentationMap(Path.of((String) o));
        }
        if (o instanceof byte[]) {
            return ImageLoader.loadSegmentationMap((byte[]) o);
        }
        throw new IllegalArgumentException("unsupported segmentation map type "
                + (o == null ? "null" : o.getClass().getName())
                + "; pass a 1-channel Uint8Image, BufferedImage, Path, File, path String or byte[]");
    }

    /**
     * transformers' layout inference: an H x W x 3 array whose height is 1 or 3 is taken as channels-first
     * (warning only). With height 3 the result is well defined: rows become channels, columns become rows
     * and the three colour samples become columns. We reproduce that; any other case fails in Python too.
     */
    static Uint8Image channelsFirstQuirk(Uint8Image img, int index) {
        if (img.height() != 3) {
            throw new IllegalArgumentException("image " + index + " (" + img.width() + "x" + img.height()
                    + "): transformers infers the channel layout from the first image, whose height of 1 or 3 "
                    + "makes it read every image as channels-first; this case fails there too");
        }
        int w = img.width();
        byte[] src = img.data();
        byte[] t = new byte[src.length];
        // New image: height w, width 3, channel c = source row c.
        for (int x = 0; x < w; x++) {
            for (int k = 0; k < 3; k++) {
                for (int c = 0; c < 3; c++) {
                    t[(x * 3 + k) * 3 + c] = src[(c * w + x) * 3 + k];
                }
            }
        }
        return Uint8Image.rgb(3, w, t);
    }

    /** Resize, rescale, normalize, pad and HWC to CHW for one RGB image. */
    FloatTensor processImage(Uint8Image img) {
        int h = img.height();
        int w = img.width();
        int ch = img.channels();
        byte[] data = img.data();
        if (doResize) {
            int[] hw = outputSize(h, w);
            data = PilResize.resize(data, w, h, ch, hw[1], hw[0], effectiveResample());
            h = hw[0];
            w = hw[1];
        }
        float[][] lut = valueTables(ch);
        int top = 0;
        int left = 0;
        int outH = h;
        int outW = w;
        if (doPad) {
            int[] ph = pad(h, sizeDivisor);
            int[] pw = pad(w, sizeDivisor);
            top = ph[0];
            left = pw[0];
            outH = h + ph[0] + ph[1];
            outW = w + pw[0] + pw[1];
        }
        float[] out = new float[ArraySizes.of("a padded " + outW + "x" + outH + " image (" + SIZE_DIVISOR + " "
                + sizeDivisor + ")", ch, outH, outW)];
        int plane = outH * outW;
        for (int c = 0; c < ch; c++) {
            float[] t = lut[c];
            int base = c * plane;
            for (int y = 0; y < h; y++) {
                int o = base + (y + top) * outW + left;
                int s = y * w * ch + c;
                for (int x = 0; x < w; x++, s += ch) {
                    out[o + x] = t[data[s] & 0xFF];
                }
            }
        }
        return new FloatTensor(out, ch, outH, outW);
    }

    /** Label reduction and resize for one single-channel map; int64 H x W. */
    LongTensor processSegmentationMap(Uint8Image map) {
        byte[] data = map.data();
        int h = map.height();
        int w = map.width();
        if (doReduceLabels) {
            data = reduceLabels(data);
        }
        if (doResize) {
            int[] hw = outputSize(h, w);
            data = PilResize.resize(data, w, h, 1, hw[1], hw[0], effectiveResample());
            h = hw[0];
            w = hw[1];
        }
        long[] out = new long[h * w];
        for (int i = 0; i < out.length; i++) {
            out[i] = data[i] & 0xFF;
        }
        return new LongTensor(out, h, w);
    }

    /** {@code reduce_label}: 0 becomes 255, every other value k becomes k-1, and 255 stays 255. */
    static byte[] reduceLabels(byte[] labels) {
        byte[] r = new byte[labels.length];
        for (int i = 0; i < labels.length; i++) {
            int v = labels[i] & 0xFF;
            if (v == 0) {
                v = IGNORE_LABEL;
            }
            v = (v - 1) & 0xFF;
            if (v == IGNORE_LABEL - 1) {
                v = IGNORE_LABEL;
            }
            r[i] = (byte) v;
        }
        return r;
    }

    private PilResampling effectiveResample() {
        return resample == null ? PilResampling.BILINEAR : resample;
    }

    /** The output (height, width) for an input of the given size under this configuration. */
    public int[] outputSize(int height, int width) {
        if (ensureMultipleOf == null) {
            throw new IllegalArgumentException("ensure_multiple_of is null; set it to 1 or a positive multiple");
        }
        int[] hw = getResizeOutputImageSize(height, width, sizeHeight, sizeWidth, keepAspectRatio, ensureMultipleOf);
        if (hw[0] <= 0 || hw[1] <= 0) {
            throw new IllegalArgumentException("height and width must be > 0: resizing " + width + "x" + height
                    + " (width x height) with size " + sizeHeight + "x" + sizeWidth + ", keep_aspect_ratio="
                    + keepAspectRatio + ", ensure_multiple_of=" + ensureMultipleOf + " gives " + hw[1] + "x" + hw[0]);
        }
        long pixels = (long) hw[0] * hw[1];
        long limit = ImageLoader.maxImagePixels();
        long hardLimit = limit > 0 ? 2 * limit : ArraySizes.MAX_ARRAY_LENGTH / 3;
        if (pixels > hardLimit) {
            throw new PreprocessorConfigException("key '" + SIZE + "' (" + sizeNode + "): resizing a " + width + "x" + height
                    + " image gives " + hw[1] + "x" + hw[0] + " = " + pixels + " pixels, over the limit of " + hardLimit
                    + " (the decompression-bomb limit, -D" + CoreConstants.MAX_IMAGE_PIXELS_PROPERTY
                    + "); expected a size of at most a few thousand pixels per side");
        }
        return hw;
    }

    /**
     * DPT's {@code get_resize_output_image_size}: scale each side to the target; with
     * {@code keepAspectRatio} use for both sides the factor closer to 1 (a tie takes the height's); then
     * round each side half-to-even (Python's {@code round}) to a multiple of {@code multiple}.
     *
     * @return {height, width}
     */
    public static int[] getResizeOutputImageSize(int inputHeight, int inputWidth, int outputHeight, int outputWidth,
            boolean keepAspectRatio, int multiple) {
        double scaleHeight = (double) outputHeight / inputHeight;
        double scaleWidth = (double) outputWidth / inputWidth;
        if (keepAspectRatio) {
            if (Math.abs(1 - scaleWidth) < Math.abs(1 - scaleHeight)) {
                scaleHeight = scaleWidth;
            } else {
                scaleWidth = scaleHeight;
            }
        }
        int newHeight = constrainToMultipleOf(scaleHeight * inputHeight, multiple);
        int newWidth = constrainToMultipleOf(scaleWidth * inputWidth, multiple);
        return new int[] {newHeight, newWidth};
    }

    /** {@code round(val / multiple) * multiple} with Python's round-half-to-even. */
    static int constrainToMultipleOf(double val, int multiple) {
        double x = Math.rint(val / multiple) * multiple;
        if (x < 0) {
            x = Math.ceil(val / multiple) * multiple;
        }
        return (int) x;
    }

    /** DPT's {@code _get_pad}: {before, after} with the smaller half first. */
    static int[] pad(int size, int divisor) {
        int newSize = (int) Math.ceil((double) size / divisor) * divisor;
        int padSize = newSize - size;
        int before = padSize / 2;
        return new int[] {before, padSize - before};
    }

    /**
     * Per channel, the float32 value each uint8 sample becomes after rescale and normalize; a table is
     * exact because the result depends only on the sample and its channel.
     */
    private float[][] valueTables(int channels) {
        float[] mean = null;
        float[] std = null;
        if (doNormalize) {
            mean = perChannel(imageMean, channels, "mean");
            std = perChannel(imageStd, channels, "std");
        }
        float[][] t = new float[channels][256];
        for (int c = 0; c < channels; c++) {
            for (int u = 0; u < 256; u++) {
                float v = doRescale ? (float) (u * rescaleFactor) : (float) u;
                if (doNormalize) {
                    v = (v - mean[c]) / std[c];
                }
                t[c][u] = v;
            }
        }
        return t;
    }

    private static float[] perChannel(double[] v, int channels, String name) {
        float[] r = new float[channels];
        if (v.length == 1) {
            Arrays.fill(r, (float) v[0]);
            return r;
        }
        if (v.length != channels) {
            throw new IllegalArgumentException(name + " must have " + channels + " elements if it is an iterable, got "
                    + v.length);
        }
        for (int i = 0; i < channels; i++) {
            r[i] = (float) v[i];
        }
        return r;
    }

    // ---------------------------------------------------------------- post-processing

    /**
     * {@code post_process_semantic_segmentation}; see
     * {@link DPTPostProcessing#postProcessSemanticSegmentation(float[], long[], List)}.
     */
    /** transformers' {@code post_process_semantic_segmentation(outputs, target_sizes)} on a model output. */
    public List<LongTensor> postProcessSemanticSegmentation(SemanticSegmenterOutput outputs,
            List<int[]> targetSizes) {
        return postProcessSemanticSegmentation(outputs.logits.toFloatArray(), outputs.logits.getShape().getShape(), targetSizes);
    }

    /** transformers' {@code post_process_depth_estimation(outputs, target_sizes)} on a model output. */
    public List<FloatTensor> postProcessDepthEstimation(DepthEstimatorOutput outputs, List<int[]> targetSizes) {
        return postProcessDepthEstimation(outputs.predictedDepth.toFloatArray(), outputs.predictedDepth.getShape().getShape(),
                targetSizes);
    }

    public List<LongTensor> postProcessSemanticSegmentation(float[] logits, long[] shape, List<int[]> targetSizes) {
        return DPTPostProcessing.postProcessSemanticSegmentation(logits, shape, targetSizes);
    }

    /**
     * {@code post_process_depth_estimation}; see
     * {@link DPTPostProcessing#postProcessDepthEstimation(float[], long[], List)}.
     */
    public List<FloatTensor> postProcessDepthEstimation(float[] predictedDepth, long[] shape,
            List<int[]> targetSizes) {
        return DPTPostProcessing.postProcessDepthEstimation(predictedDepth, shape, targetSizes);
    }

    // ---------------------------------------------------------------- config parsing

    /** Mutable holder used while reading a config or applying overrides. */
    static final class Builder {
        boolean doResize;
        JsonNode sizeNode;
        int sizeHeight;
        int sizeWidth;
        boolean keepAspectRatio;
        Integer ensureMultipleOf;
        PilResampling resample;
        boolean doRescale;
        Double rescaleFactor;
        boolean doNormalize;
        double[] imageMean;
        double[] imageStd;
        boolean doPad;
        Integer sizeDivisor;
        boolean doReduceLabels;
        final Map<String, JsonNode> extra = new LinkedHashMap<>();

        static Builder defaults() {
            Builder b = new Builder();
            b.doResize = true;
            ObjectNode s = JsonNodeFactory.instance.objectNode();
            s.put(HEIGHT, DEFAULT_SIZE);
            s.put(WIDTH, DEFAULT_SIZE);
            b.sizeNode = s;
            b.sizeHeight = DEFAULT_SIZE;
            b.sizeWidth = DEFAULT_SIZE;
            b.keepAspectRatio = false;
            b.ensureMultipleOf = 1;
            b.resample = DEFAULT_RESAMPLE;
            b.doRescale = true;
            b.rescaleFactor = DEFAULT_RESCALE_FACTOR;
            b.doNormalize = true;
            b.imageMean = IMAGENET_STANDARD_MEAN.clone();
            b.imageStd = IMAGENET_STANDARD_STD.clone();
            b.doPad = false;
            b.sizeDivisor = null;
            b.doReduceLabels = false;
            return b;
        }

        /**
         * Applies one key; returns false when the key is not one of ours.
         *
         * @param fromConfig true for {@code __init__} semantics of null (None stored; None for a list or size
         *     means the default), false for call semantics (callers skip nulls before)
         */
        boolean apply(String key, JsonNode v, String source, boolean fromConfig) {
            switch (key) {
                case DO_RESIZE:
                    doResize = bool(key, v, source);
                    return true;
                case DO_RESCALE:
                    doRescale = bool(key, v, source);
                    return true;
                case DO_NORMALIZE:
                    doNormalize = bool(key, v, source);
                    return true;
                case DO_PAD:
                    doPad = bool(key, v, source);
                    return true;
                case DO_REDUCE_LABELS:
                case "reduce_labels":
                    doReduceLabels = bool(key, v, source);
                    return true;
                case KEEP_ASPECT_RATIO:
                    keepAspectRatio = bool(key, v, source);
                    return true;
                case ENSURE_MULTIPLE_OF:
                    ensureMultipleOf = v.isNull() ? null : positiveInt(key, v, source);
                    return true;
                case SIZE_DIVISOR:
                    sizeDivisor = v.isNull() ? null : positiveInt(key, v, source);
                    return true;
                case RESCALE_FACTOR:
                    if (v.isNull()) {
                        rescaleFactor = null;
                    } else if (v.isNumber()) {
                        rescaleFactor = v.doubleValue();
                    } else {
                        throw bad(source, key, "a number such as 0.00392156862745098", v);
                    }
                    return true;
                case IMAGE_MEAN:
                    imageMean = v.isNull() ? IMAGENET_STANDARD_MEAN.clone() : doubles(key, v, source);
                    return true;
                case IMAGE_STD:
                    imageStd = v.isNull() ? IMAGENET_STANDARD_STD.clone() : doubles(key, v, source);
                    for (double d : imageStd) {
                        if (d == 0 || !Double.isFinite(d)) {
                            // transformers divides by it: every pixel of that channel would be inf or NaN.
                            throw bad(source, key, "non-zero finite numbers (pixels are divided by them)", v);
                        }
                    }
                    return true;
                case RESAMPLE:
                    resample = v.isNull() ? null : resample(key, v, source);
                    return true;
                case SIZE:
                    size(v, source);
                    return true;
                case IMAGE_PROCESSOR_TYPE:
                case FEATURE_EXTRACTOR_TYPE:
                    return fromConfig && v.isTextual() ? true : false;
                default:
                    return false;
            }
        }

        private void size(JsonNode v, String source) {
            if (v.isNull()) {
                Builder d = defaults();
                sizeNode = d.sizeNode;
                sizeHeight = d.sizeHeight;
                sizeWidth = d.sizeWidth;
            } else if (v.isIntegralNumber()) {
                int n = positiveInt(SIZE, v, source);
                sizeNode = v;
                sizeHeight = n;
                sizeWidth = n;
            } else if (v.isObject()) {
                sizeNode = v;
                sizeHeight = v.has(HEIGHT) ? positiveInt(SIZE + "." + HEIGHT, v.get(HEIGHT), source) : -1;
                sizeWidth = v.has(WIDTH) ? positiveInt(SIZE + "." + WIDTH, v.get(WIDTH), source) : -1;
            } else if (v.isArray() && v.size() == 2) {
                sizeNode = v;
                sizeHeight = positiveInt(SIZE + "[0]", v.get(0), source);
                sizeWidth = positiveInt(SIZE + "[1]", v.get(1), source);
            } else {
                throw bad(source, SIZE, "an int or {\"height\": H, \"width\": W}", v);
            }
        }

        private static boolean bool(String key, JsonNode v, String source) {
            if (v.isBoolean()) {
                return v.booleanValue();
            }
            if (v.isNull()) {
                return false;
            }
            throw bad(source, key, "true or false", v);
        }

        private static int positiveInt(String key, JsonNode v, String source) {
            if (v.isIntegralNumber() && v.canConvertToInt() && v.intValue() > 0) {
                return v.intValue();
            }
            if (v.isFloatingPointNumber() && v.doubleValue() == Math.rint(v.doubleValue()) && v.doubleValue() > 0
                    && v.doubleValue() < Integer.MAX_VALUE) {
                return (int) v.doubleValue();
            }
            throw bad(source, key, "a positive integer", v);
        }

        private static double[] doubles(String key, JsonNode v, String source) {
            if (v.isNumber()) {
                return new double[] {v.doubleValue()};
            }
            if (v.isArray() && v.size() > 0) {
                double[] r = new double[v.size()];
                for (int i = 0; i < r.length; i++) {
                    if (!v.get(i).isNumber()) {
                        throw bad(source, key, "a list of numbers", v);
                    }
                    r[i] = v.get(i).doubleValue();
                }
                return r;
            }
            throw bad(source, key, "a number or a list of numbers (one per channel)", v);
        }

        private static PilResampling resample(String key, JsonNode v, String source) {
            if (v.isIntegralNumber()) {
                try {
                    return PilResampling.fromId(v.intValue());
                } catch (IllegalArgumentException e) {
                    throw new PreprocessorConfigException(source + ": key '" + key + "': " + e.getMessage());
                }
            }
            if (v.isTextual()) {
                for (PilResampling r : PilResampling.values()) {
                    if (r.name().equalsIgnoreCase(v.textValue())) {
                        return r;
                    }
                }
            }
            throw bad(source, key, "a Pillow resample id 0-5 (0 nearest, 1 lanczos, 2 bilinear, 3 bicubic, "
                    + "4 box, 5 hamming)", v);
        }

        private static PreprocessorConfigException bad(String source, String key, String expected, JsonNode v) {
            return new PreprocessorConfigException(source + ": key '" + key + "' must be " + expected + ", got "
                    + v);
        }
    }

    @Override
    public String toString() {
        return getClass().getSimpleName() + toJson();
    }
}
