package io.dpt4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.awt.image.BufferedImage;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PreprocessCommandTest {
    @TempDir
    Path tmp;

    @Test
    void writesPixelValuesWithOverrides() throws Exception {
        BufferedImage img = new BufferedImage(30, 20, BufferedImage.TYPE_3BYTE_BGR);
        img.setRGB(0, 0, 0xFF0000);
        Path png = tmp.resolve("a.png");
        ImageIO.write(img, "png", png.toFile());
        Path cfg = tmp.resolve("preprocessor_config.json");
        Files.writeString(cfg, "{\"size\": 384, \"resample\": 2, \"do_normalize\": true}");
        Path out = tmp.resolve("out.safetensors");
        int rc = Main.run("preprocess", "--config", tmp.toString(), "--set", "size={\"height\":8,\"width\":12}",
                "--set", "do_resize=false", "--output", out.toString(), png.toString(), png.toString());
        assertEquals(0, rc);
        byte[] b = Files.readAllBytes(out);
        long n = ByteBuffer.wrap(b, 0, 8).order(ByteOrder.LITTLE_ENDIAN).getLong();
        assertEquals(0, n % 8);
        JsonNode h = new ObjectMapper().readTree(new String(b, 8, (int) n, StandardCharsets.UTF_8));
        JsonNode pv = h.get("pixel_values");
        assertEquals("F32", pv.get("dtype").asText());
        assertEquals("[2,3,20,30]", pv.get("shape").toString());
        assertEquals(2L * 3 * 20 * 30 * 4, pv.get("data_offsets").get(1).asLong());
        // pixel (0,0) red: (255/255 - 0.5) / 0.5 = 1.0 in channel 0; green channel -1.0
        ByteBuffer data = ByteBuffer.wrap(b).position(8 + (int) n).slice().order(ByteOrder.LITTLE_ENDIAN);
        assertEquals(1.0f, data.getFloat(0));
        assertEquals(-1.0f, data.getFloat(20 * 30 * 4));
        try (var files = Files.list(tmp)) {
            assertFalse(files.anyMatch(p -> p.getFileName().toString().endsWith(".tmp")), "temp file left behind");
        }
    }

    @Test
    void userErrorsAreOneLine() throws Exception {
        Path cfg = tmp.resolve("preprocessor_config.json");
        Files.writeString(cfg, "{}");
        Path out = tmp.resolve("o.safetensors");
        assertEquals(2, Main.run("preprocess", "--config", cfg.toString(), "--set", "size={bad",
                "--output", out.toString(), cfg.toString()));
        assertEquals(2, Main.run("preprocess", "--config", cfg.toString(), "--output", out.toString(),
                tmp.resolve("missing.png").toString()));
        assertEquals(2, Main.run("preprocess", "--config", cfg.toString(), "--output", out.toString(), cfg.toString()));
        assertEquals(2, Main.run("preprocess", "--config", cfg.toString(), "--set", "colour=1",
                "--output", out.toString(), cfg.toString()));
        assertTrue(!Files.exists(out));
    }
}
