package io.dpt4j.core.processing;

import java.awt.image.BufferedImage;
import java.awt.image.DataBufferByte;

/**
 * An 8-bit image as a primitive array: interleaved, row-major samples
 * ({@code data[(y * width + x) * channels + c]}), the Java counterpart of the uint8 {@code H x W x C}
 * numpy array that transformers gets from {@code np.array(pil_image)}. RGB images have 3 channels
 * (R, G, B); segmentation maps and grayscale images have 1.
 *
 * <p>The array is shared, not copied: callers must not modify it after construction.
 */
public final class Uint8Image {
    private final int width;
    private final int height;
    private final int channels;
    private final byte[] data;

    /**
     * @throws IllegalArgumentException when a dimension is not positive or the array size does not match
     */
    public Uint8Image(int width, int height, int channels, byte[] data) {
        if (width <= 0 || height <= 0 || channels <= 0) {
            throw new IllegalArgumentException("image dimensions must be positive, got " + width + "x" + height
                    + "x" + channels);
        }
        if ((long) width * height * channels != data.length) {
            throw new IllegalArgumentException("image buffer has " + data.length + " bytes, expected " + width
                    + "*" + height + "*" + channels + " = " + ((long) width * height * channels));
        }
        this.width = width;
        this.height = height;
        this.channels = channels;
        this.data = data;
    }

    /** An RGB image from interleaved R, G, B bytes. */
    public static Uint8Image rgb(int width, int height, byte[] rgb) {
        return new Uint8Image(width, height, 3, rgb);
    }

    /** A single-channel image (grayscale or label map). */
    public static Uint8Image gray(int width, int height, byte[] values) {
        return new Uint8Image(width, height, 1, values);
    }

    public int width() {
        return width;
    }

    public int height() {
        return height;
    }

    public int channels() {
        return channels;
    }

    /** The samples, shared (not a copy). */
    public byte[] data() {
        return data;
    }

    /** One sample as an unsigned value 0..255. */
    public int get(int x, int y, int c) {
        return data[(y * width + x) * channels + c] & 0xFF;
    }

    /** A {@code TYPE_3BYTE_BGR} (RGB images) or {@code TYPE_BYTE_GRAY} (1 channel) copy. */
    public BufferedImage toBufferedImage() {
        if (channels == 1) {
            BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_BYTE_GRAY);
            byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
            System.arraycopy(data, 0, dst, 0, data.length);
            return img;
        }
        if (channels != 3) {
            throw new IllegalStateException("only 1- and 3-channel images convert to BufferedImage, this has "
                    + channels);
        }
        BufferedImage img = new BufferedImage(width, height, BufferedImage.TYPE_3BYTE_BGR);
        byte[] dst = ((DataBufferByte) img.getRaster().getDataBuffer()).getData();
        for (int i = 0; i < data.length; i += 3) {
            dst[i] = data[i + 2];
            dst[i + 1] = data[i + 1];
            dst[i + 2] = data[i];
        }
        return img;
    }

    @Override
    public String toString() {
        return "Uint8Image[" + width + "x" + height + "x" + channels + "]";
    }
}
