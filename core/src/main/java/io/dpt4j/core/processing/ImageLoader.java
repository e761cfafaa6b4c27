package io.dpt4j.core.processing;

import io.dpt4j.core.CoreConstants;
import java.awt.color.ColorSpace;
import java.awt.image.BufferedImage;
import java.awt.image.ColorModel;
import java.awt.image.ComponentSampleModel;
import java.awt.image.DataBufferByte;
import java.awt.image.IndexColorModel;
import java.awt.image.Raster;
import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * Loads images the way {@code transformers.image_utils.load_image} does: decode, apply the EXIF
 * orientation ({@code ImageOps.exif_transpose}), then {@code convert("RGB")} with Pillow's rules:
 * grayscale replicated to R=G=B, palette expanded, alpha dropped (not composited), 16-bit RGB(A) reduced
 * to its high byte, 16-bit grayscale clipped to 0..255 (Pillow's {@code I -> RGB}).
 *
 * <p>Decoding uses ImageIO (JPEG, PNG, BMP, GIF, TIFF, WBMP). Its JPEG decoder is the IJG code with the
 * same defaults as the libjpeg-turbo Pillow uses (islow IDCT, fancy upsampling) and gives identical
 * RGB bytes for baseline and progressive files in 4:4:4, 4:2:2, 4:2:0, 4:4:0 and 4:1:1. Two ImageIO habits
 * are avoided: embedded ICC profiles are stripped before decoding (ImageIO would colour-convert; Pillow
 * does not), and samples are read from the raster rather than through {@code getRGB} (which would
 * gamma-convert grayscale).
 *
 * <p>Like Pillow, the size an image declares is checked before its pixels are decoded (decompression
 * bombs: {@link #maxImagePixels()}), and a truncated file is an error unless
 * {@value CoreConstants#LOAD_TRUNCATED_IMAGES_PROPERTY} is {@code true}.
 */
public final class ImageLoader {
    private static final System.Logger LOG = System.getLogger(ImageLoader.class.getName());
    /** Set by {@link #setMaxImagePixels}; null: the system property or the default. */
    private static volatile Long maxImagePixelsOverride;

    private ImageLoader() {}

    /**
     * The decompression-bomb limit in pixels (Pillow's {@code Image.MAX_IMAGE_PIXELS}): above it an image
     * loads with a warning, above twice it loading fails before any pixel is decoded. 0 means no limit.
     * From {@link #setMaxImagePixels}, else the system property
     * {@value CoreConstants#MAX_IMAGE_PIXELS_PROPERTY}, else {@link CoreConstants#MAX_IMAGE_PIXELS}.
     */
    public static long maxImagePixels() {
        Long o = maxImagePixelsOverride;
        if (o != null) {
            return o;
        }
        String p = System.getProperty(CoreConstants.MAX_IMAGE_PIXELS_PROPERTY);
        if (p == null || p.isBlank()) {
            return CoreConstants.MAX_IMAGE_PIXELS;
        }
        if (p.strip().equalsIgnoreCase("none")) {
            return 0;
        }
        try {
            long v = Long.parseLong(p.strip());
            if (v >= 0) {
                return v;
            }
        } catch (NumberFormatException e) {
            // reported below
        }
        throw new IllegalArgumentException("system property " + CoreConstants.MAX_IMAGE_PIXELS_PROPERTY + "='" + p
                + "': expected a number of pixels, or 'none' for no limit");
    }

    /** Sets the decompression-bomb limit for this JVM ({@code null}: back to the property or default; 0: none). */
    public static void setMaxImagePixels(Long pixels) {
        if (pixels != null && pixels < 0) {
            throw new IllegalArgumentException("maxImagePixels must be >= 0 (0 for no limit), got " + pixels);
        }
        maxImagePixelsOverride = pixels;
    }

    /** Pillow's {@code _decompression_bomb_check}, on the size an image's header declares. */
    static void checkDecompressionBomb(long width, long height, String name) throws ImageLoadException {
        long limit = maxImagePixels();
        if (limit <= 0) {
            return;
        }
        long pixels = width * height; // both < 2^31: no overflow
        if (pixels > 2 * limit) {
            throw new ImageLoadException(name + ": image size (" + width + "x" + height + " = " + pixels
                    + " pixels) exceeds limit of " + 2 * limit + " pixels, could be decompression bomb DOS attack"
                    + " (raise it with -D" + CoreConstants.MAX_IMAGE_PIXELS_PROPERTY + "=N if the image is trusted)");
        }
        if (pixels > limit) {
            LOG.log(System.Logger.Level.WARNING, name + ": image size (" + pixels + " pixels) exceeds limit of " + limit
                    + " pixels, could be decompression bomb DOS attack.");
        }
    }

    private static boolean loadTruncatedImages() {
        return Boolean.parseBoolean(System.getProperty(CoreConstants.LOAD_TRUNCATED_IMAGES_PROPERTY, "false"));
    }

    /**
     * Loads an image file as RGB.
     *
     * @throws NoSuchFileException when the file does not exist
     * @throws ImageLoadException when it cannot be decoded (the message names the file and the reason)
     */
    public static Uint8Image load(Path path) throws IOException {
        return decodeRgb(readFile(path), path.toString());
    }

    /** Loads an encoded image (file contents) as RGB. */
    public static Uint8Image load(byte[] encoded) throws ImageLoadException {
        return decodeRgb(encoded, "image bytes");
    }

    /** Converts a decoded image to RGB (no EXIF: a BufferedImage carries none). */
    public static Uint8Image load(BufferedImage image) {
        return toRgb(image, false, "BufferedImage");
    }

    /**
     * Loads a segmentation map as transformers sees {@code np.array(Image.open(path))}: the sample values
     * of a grayscale image, the indices of a palette image (no EXIF transpose, no conversion).
     *
     * @throws ImageLoadException when it cannot be decoded or has colour channels
     */
    public static Uint8Image loadSegmentationMap(Path path) throws IOException {
        return decodeLabels(readFile(path), path.toString());
    }

    /** {@link #loadSegmentationMap(Path)} for file contents. */
    public static Uint8Image loadSegmentationMap(byte[] encoded) throws ImageLoadException {
        return decodeLabels(encoded, "segmentation map bytes");
    }

    /** {@link #loadSegmentationMap(Path)} for a decoded image: gray values or palette indices. */
    public static Uint8Image loadSegmentationMap(BufferedImage image) {
        try {
            return labels(image, false, "BufferedImage");
        } catch (ImageLoadException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    private static byte[] readFile(Path path) throws IOException {
        if (!Files.exists(path)) {
            throw new NoSuchFileException(path.toString(), null, "image file not found");
        }
        return Files.readAllBytes(path);
    }

    private static Uint8Image decodeRgb(byte[] bytes, String name) throws ImageLoadException {
        BufferedImage img = decode(bytes, name);
        int orientation = ExifOrientation.read(bytes);
        try {
            return ExifOrientation.apply(toRgb(img, isPng16Gray(bytes), name), orientation);
        } catch (IllegalArgumentException e) {
            throw new ImageLoadException(e.getMessage(), e);
        }
    }

    private static Uint8Image decodeLabels(byte[] bytes, String name) throws ImageLoadException {
        BufferedImage img = decode(bytes, name);
        int[] png = ImageFormats.isPng(bytes) ? ImageFormats.pngHeader(bytes) : null;
        // Pillow scales 2- and 4-bit grayscale PNG to 0..255 (mode L) but keeps 1-bit as 0/1 (mode "1").
        boolean scaledGray = png != null && png[1] == 0 && (png[0] == 2 || png[0] == 4);
        try {
            return labels(img, scaledGray, name);
        } catch (IllegalArgumentException e) {
            throw new ImageLoadException(e.getMessage(), e);
        }
    }

    private static boolean isPng16Gray(byte[] bytes) {
        if (!ImageFormats.isPng(bytes)) {
            return false;
        }
        int[] h = ImageFormats.pngHeader(bytes);
        return h != null && h[0] == 16 && h[1] == 0;
    }

    static BufferedImage decode(byte[] bytes, String name) throws ImageLoadException {
        if (bytes.length == 0) {
            throw new ImageLoadException(name + ": cannot decode image: the file is empty");
        }
        byte[] input = bytes;
        if (ImageFormats.isJpeg(bytes)) {
            if (ImageFormats.jpegComponents(bytes) == 4) {
                throw new ImageLoadException(name + ": cannot decode image: CMYK/YCCK JPEG is not supported; "
                        + "convert it to RGB first");
            }
            input = ImageFormats.jpegWithoutIcc(bytes);
        }
        try (ImageInputStream in = ImageIO.createImageInputStream(new ByteArrayInputStream(input))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                throw new ImageLoadException(name + ": cannot decode image: not a format ImageIO reads "
                        + "(JPEG, PNG, BMP, GIF, TIFF, WBMP); it starts with " + hexStart(bytes));
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                // The size the header declares, read before any pixel is decoded.
                checkDecompressionBomb(reader.getWidth(0), reader.getHeight(0), name);
                List<String> warnings = new ArrayList<>();
                reader.addIIOReadWarningListener((source, warning) -> warnings.add(warning));
                BufferedImage img = reader.read(0);
                if (img == null) {
                    throw new ImageLoadException(name + ": cannot decode image: the decoder returned nothing");
                }
                if (!loadTruncatedImages() && warnings.stream().anyMatch(ImageLoader::isTruncationWarning)) {
                    throw new ImageLoadException(name + ": cannot decode image: image file is truncated (set -D"
                            + CoreConstants.LOAD_TRUNCATED_IMAGES_PROPERTY + "=true to accept it, as Pillow's"
                            + " LOAD_TRUNCATED_IMAGES does)");
                }
                return img;
            } finally {
                reader.dispose();
            }
        } catch (ImageLoadException e) {
            throw e;
        } catch (EOFException e) {
            throw new ImageLoadException(name + ": cannot decode image: image file is truncated", e);
        } catch (IOException | RuntimeException e) {
            String why = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            throw new ImageLoadException(name + ": cannot decode image: " + why, e);
        }
    }

    /** libjpeg's warnings for data that ends early (JWRN_JPEG_EOF and a cut entropy segment). */
    private static boolean isTruncationWarning(String w) {
        String l = w.toLowerCase(Locale.ROOT);
        return l.contains("premature end");
    }

    private static String hexStart(byte[] b) {
        StringBuilder sb = new StringBuilder();
        for (int i = 0; i < Math.min(8, b.length); i++) {
            sb.append(String.format("%02x", b[i] & 0xFF));
        }
        return sb.toString();
    }

    /** {@code convert("RGB")} of a decoded image, from its raw samples. */
    static Uint8Image toRgb(BufferedImage img, boolean png16Gray, String name) {
        int w = img.getWidth();
        int h = img.getHeight();
        byte[] rgb = new byte[ArraySizes.of(name + ": a " + w + "x" + h + " RGB image", w, h, 3)];
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        if (cm instanceof IndexColorModel) {
            IndexColorModel icm = (IndexColorModel) cm;
            int n = icm.getMapSize();
            byte[] red = new byte[n];
            byte[] green = new byte[n];
            byte[] blue = new byte[n];
            icm.getReds(red);
            icm.getGreens(green);
            icm.getBlues(blue);
            int[] row = new int[w];
            int o = 0;
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int i = Math.min(row[x], n - 1);
                    rgb[o++] = red[i];
                    rgb[o++] = green[i];
                    rgb[o++] = blue[i];
                }
            }
            return Uint8Image.rgb(w, h, rgb);
        }
        int colors = cm.getNumColorComponents();
        int csType = cm.getColorSpace().getType();
        if (colors == 1 && csType == ColorSpace.TYPE_GRAY) {
            int bits = cm.getComponentSize(0);
            int[] row = new int[w];
            int o = 0;
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = grayTo8(row[x], bits, png16Gray);
                    rgb[o++] = (byte) v;
                    rgb[o++] = (byte) v;
                    rgb[o++] = (byte) v;
                }
            }
            return Uint8Image.rgb(w, h, rgb);
        }
        if (colors == 3 && csType == ColorSpace.TYPE_RGB) {
            if (fastInterleavedRgb(img, rgb)) {
                return Uint8Image.rgb(w, h, rgb);
            }
            int[] bits = {cm.getComponentSize(0), cm.getComponentSize(1), cm.getComponentSize(2)};
            int[] row = new int[w];
            for (int c = 0; c < 3; c++) {
                for (int y = 0; y < h; y++) {
                    r.getSamples(0, y, w, 1, c, row);
                    int o = y * w * 3 + c;
                    for (int x = 0; x < w; x++, o += 3) {
                        rgb[o] = (byte) to8(row[x], bits[c]);
                    }
                }
            }
            return Uint8Image.rgb(w, h, rgb);
        }
        throw new IllegalArgumentException(name + ": unsupported colour space (" + colors
                + " colour components, colour space type " + csType + "); expected RGB, grayscale or palette");
    }

    /** Copies 8-bit pixel-interleaved rasters (3BYTE_BGR, 4BYTE_ABGR, PNG RGB/RGBA) without per-sample calls. */
    private static boolean fastInterleavedRgb(BufferedImage img, byte[] rgb) {
        Raster r = img.getRaster();
        if (!(r.getDataBuffer() instanceof DataBufferByte) || !(r.getSampleModel() instanceof ComponentSampleModel)
                || r.getSampleModel().getSampleSize(0) != 8 || r.getDataBuffer().getNumBanks() != 1
                || r.getSampleModelTranslateX() != 0 || r.getSampleModelTranslateY() != 0) {
            return false;
        }
        ComponentSampleModel sm = (ComponentSampleModel) r.getSampleModel();
        byte[] src = ((DataBufferByte) r.getDataBuffer()).getData();
        int[] off = sm.getBandOffsets();
        int ps = sm.getPixelStride();
        int ss = sm.getScanlineStride();
        int w = img.getWidth();
        int h = img.getHeight();
        int base = r.getDataBuffer().getOffset();
        int r0 = off[0];
        int g0 = off[1];
        int b0 = off[2];
        int o = 0;
        for (int y = 0; y < h; y++) {
            int p = base + y * ss;
            for (int x = 0; x < w; x++, p += ps) {
                rgb[o++] = src[p + r0];
                rgb[o++] = src[p + g0];
                rgb[o++] = src[p + b0];
            }
        }
        return true;
    }

    /** A sample of the given bit depth to 8 bits as Pillow's decoders do. */
    private static int to8(int v, int bits) {
        if (bits == 8) {
            return v;
        }
        if (bits == 16) {
            return v >>> 8;
        }
        if (bits > 8) {
            return v >>> (bits - 8);
        }
        int max = (1 << bits) - 1;
        return (v * 255 + max / 2) / max;
    }

    private static int grayTo8(int v, int bits, boolean png16Gray) {
        if (bits == 16 && png16Gray) {
            // Pillow opens 16-bit grayscale PNG as mode I; I -> RGB clips instead of scaling.
            return Math.min(v, 255);
        }
        return to8(v, bits);
    }

    private static Uint8Image labels(BufferedImage img, boolean scaledGray, String name) throws ImageLoadException {
        int w = img.getWidth();
        int h = img.getHeight();
        ColorModel cm = img.getColorModel();
        Raster r = img.getRaster();
        byte[] out = new byte[ArraySizes.of(name + ": a " + w + "x" + h + " label map", w, h)];
        int[] row = new int[w];
        if (cm instanceof IndexColorModel && !scaledGray) {
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    out[y * w + x] = (byte) row[x];
                }
            }
            return Uint8Image.gray(w, h, out);
        }
        if (cm instanceof IndexColorModel || (cm.getNumColorComponents() == 1
                && cm.getColorSpace().getType() == ColorSpace.TYPE_GRAY)) {
            int bits = cm instanceof IndexColorModel ? 8 : cm.getComponentSize(0);
            if (bits > 8) {
                throw new ImageLoadException(name + ": a " + bits + "-bit segmentation map is not supported; "
                        + "labels must be 8-bit (mode L or P)");
            }
            for (int y = 0; y < h; y++) {
                r.getSamples(0, y, w, 1, 0, row);
                for (int x = 0; x < w; x++) {
                    int v = cm instanceof IndexColorModel ? ((IndexColorModel) cm).getRed(row[x]) : to8(row[x], bits);
                    out[y * w + x] = (byte) v;
                }
            }
            return Uint8Image.gray(w, h, out);
        }
        throw new ImageLoadException(name + ": a segmentation map must be a single-channel (mode L) or palette "
                + "(mode P) image, got " + cm.getNumComponents() + " channels");
    }
}
