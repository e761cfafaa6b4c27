package io.dpt4j.core.processing;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Small byte-level helpers for the container formats the loader inspects (JPEG markers, PNG chunks). */
final class ImageFormats {
    private ImageFormats() {}

    static boolean isJpeg(byte[] b) {
        return b.length > 3 && (b[0] & 0xFF) == 0xFF && (b[1] & 0xFF) == 0xD8 && (b[2] & 0xFF) == 0xFF;
    }

    static boolean isPng(byte[] b) {
        return b.length > 8 && (b[0] & 0xFF) == 0x89 && b[1] == 'P' && b[2] == 'N' && b[3] == 'G';
    }

    static boolean isTiff(byte[] b) {
        return b.length > 8 && ((b[0] == 'I' && b[1] == 'I' && b[2] == 42 && b[3] == 0)
                || (b[0] == 'M' && b[1] == 'M' && b[2] == 0 && b[3] == 42));
    }

    /** One JPEG marker segment before the scan data: marker byte, payload offset and length. */
    interface SegmentVisitor {
        /** @return false to stop */
        boolean visit(int marker, int payloadOffset, int payloadLength);
    }

    /** Walks the marker segments up to the first SOS. Stops silently at malformed data. */
    static void jpegSegments(byte[] b, SegmentVisitor v) {
        int p = 2;
        while (p + 4 <= b.length) {
            if ((b[p] & 0xFF) != 0xFF) {
                return;
            }
            int marker = b[p + 1] & 0xFF;
            if (marker == 0xFF) { // fill byte
                p++;
                continue;
            }
            if (marker == 0xD8 || marker == 0x01 || (marker >= 0xD0 && marker <= 0xD7)) {
                p += 2;
                continue;
            }
            if (marker == 0xD9) {
                return;
            }
            int len = (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            if (len < 2 || p + 2 + len > b.length) {
                return;
            }
            if (!v.visit(marker, p + 4, len - 2) || marker == 0xDA) {
                return;
            }
            p += 2 + len;
        }
    }

    /** {offset, length} of the TIFF data in the first APP1 "Exif\0\0" segment, or null. */
    static int[] jpegExifSegment(byte[] b) {
        int[][] found = new int[1][];
        jpegSegments(b, (marker, off, len) -> {
            if (marker == 0xE1 && len >= 6 && b[off] == 'E' && b[off + 1] == 'x' && b[off + 2] == 'i'
                    && b[off + 3] == 'f' && b[off + 4] == 0 && b[off + 5] == 0) {
                found[0] = new int[] {off + 6, len - 6};
                return false;
            }
            return true;
        });
        return found[0];
    }

    /** Number of components declared by the JPEG frame header (SOFn), or -1. */
    static int jpegComponents(byte[] b) {
        int[] n = {-1};
        jpegSegments(b, (marker, off, len) -> {
            boolean sof = marker >= 0xC0 && marker <= 0xCF && marker != 0xC4 && marker != 0xC8 && marker != 0xCC;
            if (sof && len >= 6) {
                n[0] = b[off + 5] & 0xFF;
                return false;
            }
            return true;
        });
        return n[0];
    }

    /**
     * The file without its APP2 {@code ICC_PROFILE} segments, or the same array when it has none. Pillow
     * (and so transformers) ignores embedded profiles, while ImageIO would colour-convert with them.
     */
    static byte[] jpegWithoutIcc(byte[] b) {
        List<int[]> drop = new ArrayList<>();
        jpegSegments(b, (marker, off, len) -> {
            if (marker == 0xE2 && len >= 12 && new String(b, off, 11, StandardCharsets.ISO_8859_1)
                    .equals("ICC_PROFILE")) {
                drop.add(new int[] {off - 4, len + 4});
            }
            return true;
        });
        if (drop.isEmpty()) {
            return b;
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream(b.length);
        int p = 0;
        for (int[] d : drop) {
            out.write(b, p, d[0] - p);
            p = d[0] + d[1];
        }
        out.write(b, p, b.length - p);
        return out.toByteArray();
    }

    /** {offset, length} of the data of the first PNG chunk of the given type, or null. */
    static int[] pngChunk(byte[] b, String type) {
        int p = 8;
        while (p + 12 <= b.length) {
            long len = ((long) (b[p] & 0xFF) << 24) | (b[p + 1] & 0xFF) << 16 | (b[p + 2] & 0xFF) << 8 | (b[p + 3] & 0xFF);
            if (len < 0 || p + 12 + len > b.length) {
                return null;
            }
            String t = new String(b, p + 4, 4, StandardCharsets.ISO_8859_1);
            if (t.equals(type)) {
                return new int[] {p + 8, (int) len};
            }
            if (t.equals("IEND")) {
                return null;
            }
            p += 12 + (int) len;
        }
        return null;
    }

    /** PNG {bit depth, colour type} from IHDR, or null. */
    static int[] pngHeader(byte[] b) {
        int[] c = pngChunk(b, "IHDR");
        if (c == null || c[1] < 13) {
            return null;
        }
        return new int[] {b[c[0] + 8] & 0xFF, b[c[0] + 9] & 0xFF};
    }
}
