package io.dpt4j.core.processing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.awt.image.IndexColorModel;
import java.io.ByteArrayOutputStream;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** load_image semantics on files built in the test: EXIF orientation, PNG modes, errors. */
class ImageLoaderTest {
    @TempDir
    Path tmp;

    private static byte[] encode(BufferedImage img, String format) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    /** 64x32: left half red, right half blue, bottom-right quarter white. */
    private static BufferedImage quadrants() {
        BufferedImage img = new BufferedImage(64, 32, BufferedImage.TYPE_3BYTE_BGR);
        for (int y = 0; y < 32; y++) {
            for (int x = 0; x < 64; x++) {
                int rgb = x < 32 ? 0xFF0000 : (y >= 16 ? 0xFFFFFF : 0x0000FF);
                img.setRGB(x, y, rgb);
            }
        }
        return img;
    }

    /** Inserts an APP1 Exif segment with IFD0 = {Orientation: o} right after SOI. */
    static byte[] withExifOrientation(byte[] jpeg, int o, boolean bigEndian) {
        byte[] tiff = bigEndian
                ? new byte[] {'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, (byte) o, 0, 0, 0, 0, 0, 0}
                : new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, (byte) o, 0, 0, 0, 0, 0, 0, 0};
        byte[] exif = new byte[6 + tiff.length];
        System.arraycopy("Exif".getBytes(), 0, exif, 0, 4);
        System.arraycopy(tiff, 0, exif, 6, tiff.length);
        int len = exif.length + 2;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(jpeg, 0, 2);
        out.write(0xFF);
        out.write(0xE1);
        out.write(len >> 8);
        out.write(len & 0xFF);
        out.write(exif, 0, exif.length);
        out.write(jpeg, 2, jpeg.length - 2);
        return out.toByteArray();
    }

    private static String colour(Uint8Image img, int x, int y) {
        int r = img.get(x, y, 0);
        int g = img.get(x, y, 1);
        int b = img.get(x, y, 2);
        if (r > 200 && g > 200 && b > 200) {
            return "white";
        }
        if (r > 200 && g < 60 && b < 60) {
            return "red";
        }
        if (b > 200 && r < 60 && g < 60) {
            return "blue";
        }
        return "other(" + r + "," + g + "," + b + ")";
    }

    /** Colours at the four corner regions (TL, TR, BL, BR) after loading. */
    private static String corners(Uint8Image img) {
        int w = img.width();
        int h = img.height();
        return colour(img, 4, 4) + " " + colour(img, w - 5, 4) + " " + colour(img, 4, h - 5) + " "
                + colour(img, w - 5, h - 5);
    }

    @Test
    void exifOrientationsLikeExifTranspose() throws Exception {
        byte[] jpeg = encode(quadrants(), "jpg");
        // Stored image: TL red, TR blue, BL red, BR white. Expected display per orientation (Pillow's table:
        // 2 mirror, 3 rotate 180, 4 flip, 5 transpose, 6 rotate 270, 7 transverse, 8 rotate 90).
        String[] expected = {
            null,
            "red blue red white",   // 1
            "blue red white red",   // 2
            "white red blue red",   // 3
            "red white red blue",   // 4
            "red red blue white",   // 5 transpose: rows become columns
            "red red white blue",   // 6 rotate 270 (clockwise 90)
            "white blue red red",   // 7 transverse
            "blue white red red",   // 8 rotate 90 (counter-clockwise)
        };
        for (int o = 1; o <= 8; o++) {
            for (boolean be : new boolean[] {false, true}) {
                Uint8Image img = ImageLoader.load(withExifOrientation(jpeg, o, be));
                boolean swapped = o >= 5;
                assertEquals(swapped ? 32 : 64, img.width(), "width, orientation " + o);
                assertEquals(swapped ? 64 : 32, img.height(), "height, orientation " + o);
                assertEquals(expected[o], corners(img), "orientation " + o + (be ? " (MM)" : " (II)"));
            }
        }
    }

    @Test
    void orientationParserIgnoresJunk() {
        assertEquals(1, ExifOrientation.read(new byte[] {(byte) 0xFF, (byte) 0xD8, (byte) 0xFF, (byte) 0xE1, 0, 4, 1, 2}));
        assertEquals(1, ExifOrientation.read(new byte[0]));
        assertEquals(6, ExifOrientation.fromTiff(new byte[] {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1,
            0, 0, 0, 6, 0, 0, 0}, 0, 22));
    }

    @Test
    void grayscaleIsReplicatedWithoutGamma() throws Exception {
        BufferedImage g = new BufferedImage(3, 2, BufferedImage.TYPE_BYTE_GRAY);
        g.getRaster().setSample(0, 0, 0, 77);
        g.getRaster().setSample(2, 1, 0, 200);
        Uint8Image img = ImageLoader.load(encode(g, "png"));
        assertEquals(77, img.get(0, 0, 0));
        assertEquals(77, img.get(0, 0, 1));
        assertEquals(77, img.get(0, 0, 2));
        assertEquals(200, img.get(2, 1, 1));
    }

    @Test
    void alphaIsDroppedNotComposited() throws Exception {
        BufferedImage a = new BufferedImage(2, 1, BufferedImage.TYPE_4BYTE_ABGR);
        a.setRGB(0, 0, 0x00123456); // fully transparent
        a.setRGB(1, 0, 0x80ABCDEF);
        Uint8Image img = ImageLoader.load(encode(a, "png"));
        assertEquals(0x12, img.get(0, 0, 0));
        assertEquals(0x34, img.get(0, 0, 1));
        assertEquals(0x56, img.get(0, 0, 2));
        assertEquals(0xAB, img.get(1, 0, 0));
        assertEquals(0xEF, img.get(1, 0, 2));
    }

    @Test
    void paletteIsExpandedAndMapsKeepIndices() throws Exception {
        byte[] r = {0, (byte) 250, 10};
        byte[] g = {0, 5, 20};
        byte[] b = {0, 7, 30};
        BufferedImage p = new BufferedImage(2, 1, BufferedImage.TYPE_BYTE_INDEXED, new IndexColorModel(8, 3, r, g, b));
        p.getRaster().setSample(0, 0, 0, 1);
        p.getRaster().setSample(1, 0, 0, 2);
        byte[] png = encode(p, "png");
        Uint8Image img = ImageLoader.load(png);
        assertEquals(250, img.get(0, 0, 0));
        assertEquals(5, img.get(0, 0, 1));
        assertEquals(30, img.get(1, 0, 2));
        Uint8Image map = ImageLoader.loadSegmentationMap(png);
        assertEquals(1, map.channels());
        assertEquals(1, map.get(0, 0, 0));
        assertEquals(2, map.get(1, 0, 0));
    }

    @Test
    void sixteenBitRgbKeepsHighByteAndGrayClipsLikePillow() throws Exception {
        BufferedImage g = new BufferedImage(3, 1, BufferedImage.TYPE_USHORT_GRAY);
        g.getRaster().setSample(0, 0, 0, 100);
        g.getRaster().setSample(1, 0, 0, 300);
        g.getRaster().setSample(2, 0, 0, 65535);
        Uint8Image img = ImageLoader.load(encode(g, "png"));
        // Pillow: 16-bit gray PNG is mode I, and I -> RGB clips to 0..255.
        assertEquals(100, img.get(0, 0, 0));
        assertEquals(255, img.get(1, 0, 0));
        assertEquals(255, img.get(2, 0, 0));
        // 16-bit RGB: oracle file from Pillow (pil_oracle/files/rgb16.png) checks the high byte; here via raster
        Uint8Image rgb16 = ImageLoader.load(TestData.bytes("pil_oracle/files/rgb16.png"));
        assertEquals(13, rgb16.width());
    }

    @Test
    void bmpAndGifDecode() throws Exception {
        BufferedImage c = new BufferedImage(4, 3, BufferedImage.TYPE_3BYTE_BGR);
        c.setRGB(1, 2, 0x10E0F0);
        Uint8Image bmp = ImageLoader.load(encode(c, "bmp"));
        assertEquals(0x10, bmp.get(1, 2, 0));
        assertEquals(0xE0, bmp.get(1, 2, 1));
        assertEquals(0xF0, bmp.get(1, 2, 2));
        Uint8Image gif = ImageLoader.load(encode(c, "gif"));
        assertEquals(4, gif.width());
    }

    @Test
    void bufferedImageInputIsConvertedToRgb() {
        BufferedImage c = new BufferedImage(2, 2, BufferedImage.TYPE_INT_ARGB);
        c.setRGB(1, 1, 0x00010203);
        Uint8Image img = ImageLoader.load(c);
        assertEquals(3, img.channels());
        assertEquals(1, img.get(1, 1, 0));
        assertEquals(3, img.get(1, 1, 2));
    }

    @Test
    void corruptFileNamesFileAndReason() throws Exception {
        byte[] png = encode(quadrants(), "png");
        Path bad = tmp.resolve("broken.png");
        Files.write(bad, java.util.Arrays.copyOf(png, 60));
        ImageLoadException e = assertThrows(ImageLoadException.class, () -> ImageLoader.load(bad));
        assertTrue(e.getMessage().startsWith(bad.toString() + ": cannot decode image: "), e.getMessage());

        Path text = tmp.resolve("notes.jpg");
        Files.writeString(text, "hello, not an image");
        e = assertThrows(ImageLoadException.class, () -> ImageLoader.load(text));
        assertTrue(e.getMessage().contains("notes.jpg") && e.getMessage().contains("not a format ImageIO reads"),
                e.getMessage());

        Path empty = tmp.resolve("empty.png");
        Files.write(empty, new byte[0]);
        e = assertThrows(ImageLoadException.class, () -> ImageLoader.load(empty));
        assertTrue(e.getMessage().contains("empty"), e.getMessage());

        assertThrows(NoSuchFileException.class, () -> ImageLoader.load(tmp.resolve("missing.png")));
    }

    @Test
    void colourImagesAreNotSegmentationMaps() throws Exception {
        ImageLoadException e = assertThrows(ImageLoadException.class,
                () -> ImageLoader.loadSegmentationMap(encode(quadrants(), "png")));
        assertTrue(e.getMessage().contains("single-channel"), e.getMessage());
    }
}
