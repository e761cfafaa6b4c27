package io.dpt4j.core.processing;

import io.dpt4j.core.CoreConstants;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Decompression bombs, int overflow, truncated files and a zero std: refused like Pillow/transformers, never silent. */
class HostileImageTest {
    @AfterEach
    void resetLimits() {
        ImageLoader.setMaxImagePixels(null);
        System.clearProperty(CoreConstants.MAX_IMAGE_PIXELS_PROPERTY);
        System.clearProperty(CoreConstants.LOAD_TRUNCATED_IMAGES_PROPERTY);
    }

    /** A PNG that declares {@code w x h} 8-bit grayscale pixels but carries only one row of data (a few hundred bytes). */
    static byte[] pngDeclaring(int w, int h) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(new byte[] {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'});
        ByteBuffer ihdr = ByteBuffer.allocate(13).putInt(w).putInt(h).put((byte) 8).put((byte) 0).put((byte) 0)
                .put((byte) 0).put((byte) 0);
        chunk(out, "IHDR", ihdr.array());
        Deflater d = new Deflater();
        d.setInput(new byte[Math.min(w, 4096) + 1]);
        d.finish();
        byte[] buf = new byte[8192];
        int n = d.deflate(buf);
        chunk(out, "IDAT", Arrays.copyOf(buf, n));
        chunk(out, "IEND", new byte[0]);
        return out.toByteArray();
    }

    private static void chunk(ByteArrayOutputStream out, String type, byte[] data) throws IOException {
        byte[] t = type.getBytes(StandardCharsets.US_ASCII);
        out.write(ByteBuffer.allocate(4).putInt(data.length).array());
        out.write(t);
        out.write(data);
        CRC32 crc = new CRC32();
        crc.update(t);
        crc.update(data);
        out.write(ByteBuffer.allocate(4).putInt((int) crc.getValue()).array());
    }

    static byte[] png(int w, int h) throws IOException {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_3BYTE_BGR);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "png", out);
        return out.toByteArray();
    }

    @Test
    void aDecompressionBombIsRefusedFromItsHeader() throws IOException {
        byte[] bomb = pngDeclaring(15000, 15000);
        assertTrue(bomb.length < 1000, bomb.length + " bytes");
        long t0 = System.nanoTime();
        ImageLoadException e = assertThrows(ImageLoadException.class, () -> ImageLoader.load(bomb));
        assertTrue((System.nanoTime() - t0) / 1e9 < 5, "refused before decoding (a loose bound only)");
        assertTrue(e.getMessage().contains("225000000 pixels") && e.getMessage().contains("exceeds limit of 178956970")
                && e.getMessage().contains("decompression bomb"), e.getMessage());
        assertThrows(ImageLoadException.class, () -> ImageLoader.loadSegmentationMap(bomb));
        assertEquals(CoreConstants.MAX_IMAGE_PIXELS, ImageLoader.maxImagePixels());
    }

    @Test
    void theLimitWarnsAboveOnceAndFailsAboveTwiceAndIsConfigurable() throws IOException {
        List<LogRecord> records = new ArrayList<>();
        Handler h = new Handler() {
            @Override
            public void publish(LogRecord r) {
                records.add(r);
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        Logger jul = Logger.getLogger(ImageLoader.class.getName());
        jul.addHandler(h);
        try {
            ImageLoader.setMaxImagePixels(100L);
            assertEquals(144 * 3, ImageLoader.load(png(12, 12)).data().length); // 144 > 100: a warning only
            assertEquals(1, records.size());
            assertTrue(records.get(0).getMessage().contains("144 pixels"), records.get(0).getMessage());
            assertThrows(ImageLoadException.class, () -> ImageLoader.load(png(15, 15))); // 225 > 200
            ImageLoader.setMaxImagePixels(0L); // no limit, as MAX_IMAGE_PIXELS = None
            assertEquals(225 * 3, ImageLoader.load(png(15, 15)).data().length);
            ImageLoader.setMaxImagePixels(null);
            System.setProperty(CoreConstants.MAX_IMAGE_PIXELS_PROPERTY, "100");
            assertThrows(ImageLoadException.class, () -> ImageLoader.load(png(15, 15)));
            System.setProperty(CoreConstants.MAX_IMAGE_PIXELS_PROPERTY, "none");
            assertEquals(0, ImageLoader.maxImagePixels());
        } finally {
            jul.removeHandler(h);
        }
    }

    @Test
    void sizesNeverOverflowIntoNegativeLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> ArraySizes.of("a 27000x27000 RGB image", 27000, 27000, 3));
        assertTrue(e.getMessage().contains("2187000000") && !e.getMessage().contains("-"), e.getMessage());
        assertEquals(27000 * 27000, ArraySizes.of("gray", 27000, 27000));
    }

    @Test
    void aHugeSizeInTheProcessorConfigIsRefusedNamingTheKey() throws IOException {
        Uint8Image small = ImageLoader.load(png(8, 8));
        for (Object size : List.of(50000, Map.of("height", 100000, "width", 100000), 2_000_000_000)) {
            DPTImageProcessor p = DPTImageProcessor.fromDict(Map.of("size", size, "do_pad", false));
            PreprocessorConfigException e = assertThrows(PreprocessorConfigException.class,
                    () -> p.preprocess(List.of(small), Map.of()));
            assertTrue(e.getMessage().contains("key 'size'") && e.getMessage().contains("pixels"), e.getMessage());
            assertFalse(e.getMessage().matches(".*-[0-9].*"), "no negative number: " + e.getMessage());
        }
    }

    @Test
    void aTruncatedJpegIsAnErrorUnlessAllowed() throws IOException {
        BufferedImage img = new BufferedImage(64, 64, BufferedImage.TYPE_3BYTE_BGR);
        Random r = new Random(3);
        for (int y = 0; y < 64; y++) {
            for (int x = 0; x < 64; x++) {
                img.setRGB(x, y, r.nextInt());
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(img, "jpg", out);
        byte[] full = out.toByteArray();
        byte[] cut = Arrays.copyOf(full, full.length * 6 / 10);
        ImageLoader.load(full);
        ImageLoadException e = assertThrows(ImageLoadException.class, () -> ImageLoader.load(cut));
        assertTrue(e.getMessage().contains("image file is truncated"), e.getMessage());
        System.setProperty(CoreConstants.LOAD_TRUNCATED_IMAGES_PROPERTY, "true");
        assertEquals(64 * 64 * 3, ImageLoader.load(cut).data().length);
    }

    @Test
    void aZeroImageStdIsRefusedNamingTheKey() {
        PreprocessorConfigException e = assertThrows(PreprocessorConfigException.class,
                () -> DPTImageProcessor.fromDict(Map.of("image_std", List.of(0.5, 0, 0.5))));
        assertTrue(e.getMessage().contains("'image_std'") && e.getMessage().contains("non-zero"), e.getMessage());
        assertThrows(PreprocessorConfigException.class, () -> DPTImageProcessor.fromDict(Map.of("image_std", 0.0)));
        assertThrows(PreprocessorConfigException.class,
                () -> DPTImageProcessor.defaults().withOverrides(Map.of("image_std", List.of(0, 0, 0))));
    }
}
