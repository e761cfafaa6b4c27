package io.dpt4j.converters;

import io.dpt4j.converters.CheckpointException.Kind;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.zip.CRC32;

/**
 * The central directory of a zip file as {@code torch.save} writes it (stored entries, possibly
 * zip64), read from a memory map. Entry data is returned as zero-copy slices. Compressed or
 * encrypted entries, names with {@code ..} or absolute paths, duplicate names and ranges outside
 * the file are refused.
 */
final class ZipArchive {
    private static final int EOCD_SIG = 0x06054b50;
    private static final int ZIP64_LOCATOR_SIG = 0x07064b50;
    private static final int ZIP64_EOCD_SIG = 0x06064b50;
    private static final int CEN_SIG = 0x02014b50;
    private static final int LOC_SIG = 0x04034b50;
    private static final int MAX_ENTRIES = 10_000_000;

    /** One stored entry: absolute data range and expected CRC. */
    record Entry(String name, long dataStart, long size, int crc) {}

    private final MappedFile file;
    private final Map<String, Entry> entries;
    private final Set<String> crcChecked = ConcurrentHashMap.newKeySet();

    private ZipArchive(MappedFile file, Map<String, Entry> entries) {
        this.file = file;
        this.entries = entries;
    }

    Map<String, Entry> entries() {
        return Collections.unmodifiableMap(entries);
    }

    static ZipArchive read(MappedFile file) throws CheckpointException {
        Path p = file.path();
        long size = file.size();
        if (size < 22) {
            throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "truncated zip archive (" + size + " bytes, no end of central directory)");
        }
        int tailLen = (int) Math.min(size, 22 + 65535);
        ByteBuffer tail = file.slice(size - tailLen, tailLen, null);
        int eocd = -1;
        for (int i = tailLen - 22; i >= 0; i--) {
            if (tail.getInt(i) == EOCD_SIG) {
                eocd = i;
                break;
            }
        }
        if (eocd < 0) {
            throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "truncated or corrupt zip archive: no end-of-central-directory record");
        }
        long count = tail.getShort(eocd + 10) & 0xffff;
        long cdSize = tail.getInt(eocd + 12) & 0xffffffffL;
        long cdOffset = tail.getInt(eocd + 16) & 0xffffffffL;
        long eocdAbs = size - tailLen + eocd;
        if (count == 0xffff || cdSize == 0xffffffffL || cdOffset == 0xffffffffL) {
            // zip64: the locator sits just before the classic record
            if (eocdAbs < 20) {
                throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "corrupt zip64 archive: no zip64 locator");
            }
            ByteBuffer loc = file.slice(eocdAbs - 20, 20, null);
            if (loc.getInt(0) != ZIP64_LOCATOR_SIG) {
                throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "corrupt zip64 archive: zip64 end-of-central-directory locator missing");
            }
            long z64 = loc.getLong(8);
            if (z64 < 0 || z64 > size - 56) {
                throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null,
                        "corrupt zip64 archive: end-of-central-directory offset " + z64 + " outside the file");
            }
            ByteBuffer z = file.slice(z64, 56, null);
            if (z.getInt(0) != ZIP64_EOCD_SIG) {
                throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "corrupt zip64 archive: bad zip64 end-of-central-directory signature");
            }
            count = z.getLong(32);
            cdSize = z.getLong(40);
            cdOffset = z.getLong(48);
        }
        if (count < 0 || count > MAX_ENTRIES || cdSize < 0 || cdOffset < 0 || cdOffset > size || cdSize > size - cdOffset) {
            throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "truncated or corrupt zip archive: central directory (" + count
                    + " entries, " + cdSize + " bytes at " + cdOffset + ") does not fit the " + size + "-byte file");
        }
        ByteBuffer cd = file.slice(cdOffset, cdSize, null);
        Map<String, Entry> out = new LinkedHashMap<>();
        int pos = 0;
        for (long i = 0; i < count; i++) {
            if (pos + 46 > cd.limit() || cd.getInt(pos) != CEN_SIG) {
                throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "corrupt zip archive: central directory entry " + i + " is malformed");
            }
            int flags = cd.getShort(pos + 8) & 0xffff;
            int method = cd.getShort(pos + 10) & 0xffff;
            int crc = cd.getInt(pos + 16);
            long csize = cd.getInt(pos + 20) & 0xffffffffL;
            long usize = cd.getInt(pos + 24) & 0xffffffffL;
            int nameLen = cd.getShort(pos + 28) & 0xffff;
            int extraLen = cd.getShort(pos + 30) & 0xffff;
            int commentLen = cd.getShort(pos + 32) & 0xffff;
            long lho = cd.getInt(pos + 42) & 0xffffffffL;
            if (pos + 46L + nameLen + extraLen + commentLen > cd.limit()) {
                throw new CheckpointException(Kind.INVALID_ARCHIVE, p, null, "corrupt zip archive: central directory entry " + i + " runs past the directory");
            }
            byte[] nb = new byte[nameLen];
            cd.get(pos + 46, nb);
            String name = new String(nb, StandardCharsets.UTF_8);
            // zip64 extra field: values of 0xffffffff are replaced, in order usize, csize, offset
            int ep = pos + 46 + nameLen;
            int eend = ep + extraLen;
            while (ep + 4 <= eend) {
                int id = cd.getShort(ep) & 0xffff;
                int len = cd.getShort(ep + 2) & 0xffff;
                if (ep + 4 + len > eend) {
                    break;
                }
                if (id == 0x0001) {
                    int q = ep + 4;
                    if (usize == 0xffffffffL && q + 8 <= ep + 4 + len) {
                        usize = cd.getLong(q);
                        q += 8;
                    }
                    if (csize == 0xffffffffL && q + 8 <= ep + 4 + len) {
                        csize = cd.getLong(q);
                        q += 8;
                    }
                    if (lho == 0xffffffffL && q + 8 <= ep + 4 + len) {
                        lho = cd.getLong(q);
                    }
                }
                ep += 4 + len;
            }
            pos += 46 + nameLen + extraLen + commentLen;
            checkName(p, name);
            if ((flags & 1) != 0) {
                throw CheckpointException.entry(Kind.UNSUPPORTED, p, name, "zip entry is encrypted");
            }
            if (method != 0) {
                throw CheckpointException.entry(Kind.UNSUPPORTED, p, name, "zip entry is compressed (method " + method
                        + "); torch.save writes stored (uncompressed) entries only");
            }
            if (csize != usize || usize < 0 || lho < 0 || lho > cdOffset - 30) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, p, name, "corrupt zip entry: sizes " + csize + "/" + usize
                        + " or local header offset " + lho + " do not fit the archive");
            }
            ByteBuffer lh = file.slice(lho, 30, name);
            if (lh.getInt(0) != LOC_SIG) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, p, name, "corrupt zip entry: no local header at offset " + lho);
            }
            long dataStart = lho + 30 + (lh.getShort(26) & 0xffff) + (lh.getShort(28) & 0xffff);
            if (dataStart > cdOffset || usize > cdOffset - dataStart) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, p, name, "truncated zip archive: entry data (" + usize + " bytes at "
                        + dataStart + ") runs past the archive data");
            }
            if (out.put(name, new Entry(name, dataStart, usize, crc)) != null) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, p, name, "zip entry name appears twice");
            }
        }
        return new ZipArchive(file, out);
    }

    /** Refuses names that could escape a directory if ever extracted (zip-slip) or are otherwise odd. */
    static void checkName(Path p, String name) throws CheckpointException {
        if (name.isEmpty() || name.startsWith("/") || name.startsWith("\\") || name.indexOf('\0') >= 0
                || name.matches("^[A-Za-z]:.*")) {
            throw CheckpointException.entry(Kind.UNSAFE_PATH, p, name, "zip entry name is absolute or empty; expected a relative path");
        }
        for (String part : name.split("[/\\\\]")) {
            if (part.equals("..")) {
                throw CheckpointException.entry(Kind.UNSAFE_PATH, p, name, "zip entry name contains '..' (path traversal); refused");
            }
        }
    }

    /** Entry names that end with {@code suffix}. */
    List<String> namesEndingWith(String suffix) {
        List<String> out = new ArrayList<>();
        for (String n : entries.keySet()) {
            if (n.endsWith(suffix)) {
                out.add(n);
            }
        }
        return out;
    }

    Entry entry(String name) {
        return entries.get(name);
    }

    /** The entry's bytes (zero-copy), CRC-checked the first time they are read. */
    ByteBuffer data(Entry e) throws CheckpointException {
        ByteBuffer b = file.slice(e.dataStart, e.size, e.name);
        if (!crcChecked.contains(e.name)) {
            CRC32 crc = new CRC32();
            crc.update(b.duplicate());
            if ((int) crc.getValue() != e.crc) {
                throw CheckpointException.entry(Kind.INVALID_ARCHIVE, file.path(), e.name, "zip entry CRC mismatch (corrupt or tampered archive)");
            }
            crcChecked.add(e.name);
        }
        return b.order(ByteOrder.LITTLE_ENDIAN);
    }
}
