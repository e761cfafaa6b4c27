package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** ./dpt depth and ./dpt segment on the small models shipped in examples/models. */
class PipelineCommandsTest {
    static final Path ROOT = Path.of(System.getProperty("user.dir")).getParent();
    static final Path DEPTH = ROOT.resolve("examples/models/tiny-dpt-depth");
    static final Path SEG = ROOT.resolve("examples/models/tiny-dpt-segmentation");
    static final Path PHOTO = ROOT.resolve("examples/data/chelsea.png");

    @Test
    void depthWritesThreeFilesPerImageAndSkipsBadOnes(@TempDir Path tmp) throws Exception {
        Path bad = tmp.resolve("bad.jpg");
        Files.writeString(bad, "not a jpeg");
        Path out = tmp.resolve("out");
        CliTestSupport.Result r = CliTestSupport.run("depth", "--model", DEPTH.toString(), "--output", out.toString(),
                PHOTO.toString(), bad.toString(), PHOTO.toString());
        assertEquals(2, r.exitCode(), "a bad image is an input error: " + r.err());
        assertTrue(r.err().contains("[2/3]") && r.err().contains("bad.jpg: skipped"), r.err());
        for (String stem : new String[] {"chelsea", "chelsea-2"}) {
            BufferedImage gray = ImageIO.read(out.resolve(stem + "_depth.png").toFile());
            assertEquals(451, gray.getWidth());
            assertEquals(300, gray.getHeight());
            assertEquals(451, ImageIO.read(out.resolve(stem + "_depth_color.png").toFile()).getWidth());
            byte[] npy = Files.readAllBytes(out.resolve(stem + "_depth.npy"));
            String header = new String(npy, 10, ByteBuffer.wrap(npy, 8, 2).order(ByteOrder.LITTLE_ENDIAN).getShort(), "US-ASCII");
            assertTrue(header.contains("'descr': '<f4'") && header.contains("'shape': (300, 451)"), header);
            assertEquals(0, (10 + header.length()) % 64);
            assertEquals(10 + header.length() + 300 * 451 * 4, npy.length);
        }
        assertEquals(out.toString(), r.out().strip().lines().reduce((a, b) -> b).orElse(""));
    }

    @Test
    void segmentWritesLabelMapOverlayAndShares(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("seg");
        CliTestSupport.Result r = CliTestSupport.run("segment", "--model", SEG.toString(), "--output", out.toString(), PHOTO.toString());
        assertEquals(0, r.exitCode(), r.err());
        BufferedImage labels = ImageIO.read(out.resolve("chelsea_labels.png").toFile());
        assertEquals(451, labels.getWidth());
        assertEquals(300, labels.getHeight());
        java.util.List<String> tsv = Files.readAllLines(out.resolve("chelsea_labels.tsv"));
        assertEquals("label_id\tlabel\tpixel_share", tsv.get(0));
        double total = 0;
        for (String line : tsv.subList(1, tsv.size())) {
            String[] f = line.split("\t");
            assertTrue(f[1].startsWith("LABEL_"));
            int id = Integer.parseInt(f[0]);
            int count = 0;
            for (int y = 0; y < 300; y++) {
                for (int x = 0; x < 451; x++) {
                    count += labels.getRaster().getSample(x, y, 0) == id ? 1 : 0;
                }
            }
            assertEquals(count / (451.0 * 300), Double.parseDouble(f[2]), 1e-6);
            total += Double.parseDouble(f[2]);
            assertTrue(r.out().contains(f[1]));
        }
        assertEquals(1.0, total, 1e-5);
        assertTrue(Files.exists(out.resolve("chelsea_overlay.png")));
    }

    @Test
    void wrongModelKindIsOneLineError(@TempDir Path tmp) {
        CliTestSupport.Result r = CliTestSupport.run("segment", "--model", DEPTH.toString(), "--output", tmp.toString(), PHOTO.toString());
        assertTrue(r.exitCode() != 0);
        assertTrue(r.err().contains("not a semantic segmentation model"), r.err());
        ForwardCommandTest.assertOneLine(r.err());
    }
}
