package io.dpt4j.core.processing;

/**
 * Finds the EXIF orientation tag (0x0112) in JPEG ({@code APP1 "Exif\0\0"}), PNG ({@code eXIf}) and TIFF
 * files, and applies it the way Pillow's {@code ImageOps.exif_transpose} does (orientations 2-8; anything
 * else leaves the image unchanged).
 *
 * <p>The parser reads only IFD0 and never throws on malformed metadata: a damaged EXIF block simply
 * means "no orientation", as it does in Pillow.
 */
public final class ExifOrientation {
    /** The TIFF tag of the orientation. */
    static final int ORIENTATION_TAG = 0x0112;

    private ExifOrientation() {}

    /** The orientation stored in an encoded image file, or 1 (normal) when there is none. */
    public static int read(byte[] file) {
        try {
            if (ImageFormats.isJpeg(file)) {
                int[] seg = ImageFormats.jpegExifSegment(file);
                return seg == null ? 1 : fromTiff(file, seg[0], seg[1]);
            }
            if (ImageFormats.isPng(file)) {
                int[] chunk = ImageFormats.pngChunk(file, "eXIf");
                if (chunk == null) {
                    return 1;
                }
                int off = chunk[0];
                int len = chunk[1];
                // Some writers keep the JPEG-style "Exif\0\0" prefix inside eXIf.
                if (len >= 6 && file[off] == 'E' && file[off + 1] == 'x' && file[off + 2] == 'i' && file[off + 3] == 'f') {
                    off += 6;
                    len -= 6;
                }
                return fromTiff(file, off, len);
            }
            if (ImageFormats.isTiff(file)) {
                return fromTiff(file, 0, file.length);
            }
        } catch (RuntimeException e) {
            return 1;
        }
        return 1;
    }

    /** Reads tag 0x0112 from IFD0 of the TIFF structure at {@code data[off .. off+len)}; 1 if absent. */
    static int fromTiff(byte[] data, int off, int len) {
        if (len < 8) {
            return 1;
        }
        boolean little;
        if (data[off] == 'I' && data[off + 1] == 'I') {
            little = true;
        } else if (data[off] == 'M' && data[off + 1] == 'M') {
            little = false;
        } else {
            return 1;
        }
        if (u16(data, off + 2, little) != 42) {
            return 1;
        }
        long ifd = u32(data, off + 4, little);
        if (ifd < 8 || ifd + 2 > len) {
            return 1;
        }
        int p = off + (int) ifd;
        int count = u16(data, p, little);
        p += 2;
        for (int i = 0; i < count && p + 12 <= off + len; i++, p += 12) {
            if (u16(data, p, little) == ORIENTATION_TAG) {
                int type = u16(data, p + 2, little);
                if (type == 3) { // SHORT
                    return u16(data, p + 8, little);
                }
                if (type == 4) { // LONG
                    return (int) u32(data, p + 8, little);
                }
                return 1;
            }
        }
        return 1;
    }

    private static int u16(byte[] b, int p, boolean little) {
        return little ? (b[p] & 0xFF) | (b[p + 1] & 0xFF) << 8 : (b[p] & 0xFF) << 8 | (b[p + 1] & 0xFF);
    }

    private static long u32(byte[] b, int p, boolean little) {
        long lo = u16(b, little ? p : p + 2, little);
        long hi = u16(b, little ? p + 2 : p, little);
        return hi << 16 | lo;
    }

    /**
     * Applies an orientation like {@code exif_transpose}: 2 flip left-right, 3 rotate 180, 4 flip
     * top-bottom, 5 transpose, 6 rotate 270 (clockwise 90), 7 transverse, 8 rotate 90 (counter-clockwise).
     * Other values return the image unchanged.
     */
    public static Uint8Image apply(Uint8Image img, int orientation) {
        if (orientation < 2 || orientation > 8) {
            return img;
        }
        int w = img.width();
        int h = img.height();
        int ch = img.channels();
        byte[] src = img.data();
        boolean swap = orientation >= 5;
        int ow = swap ? h : w;
        int oh = swap ? w : h;
        byte[] out = new byte[src.length];
        int o = 0;
        for (int y = 0; y < oh; y++) {
            for (int x = 0; x < ow; x++) {
                int sx;
                int sy;
                switch (orientation) {
                    case 2: sx = w - 1 - x; sy = y; break;
                    case 3: sx = w - 1 - x; sy = h - 1 - y; break;
                    case 4: sx = x; sy = h - 1 - y; break;
                    case 5: sx = y; sy = x; break;
                    case 6: sx = y; sy = h - 1 - x; break;
                    case 7: sx = w - 1 - y; sy = h - 1 - x; break;
                    default: sx = w - 1 - y; sy = x; break; // 8
                }
                System.arraycopy(src, (sy * w + sx) * ch, out, o, ch);
                o += ch;
            }
        }
        return new Uint8Image(ow, oh, ch, out);
    }
}
