package io.dpt4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The Spark example in local[2]: a folder with a photo and a broken file, to Parquet. */
class SparkDepthExampleTest {
    @Test
    void depthOfAFolderToParquet(@TempDir Path tmp) throws Exception {
        Path in = Files.createDirectories(tmp.resolve("in/sub"));
        Files.copy(ExamplesTest.PHOTO, in.resolve("chelsea.png"));
        Files.write(in.resolve("broken.jpg"), new byte[] {(byte) 0xFF, (byte) 0xD8, 1, 2, 3});
        Files.writeString(in.resolve("notes.txt"), "not an image, filtered out by name");
        Path out = tmp.resolve("depth.parquet");
        SparkSession spark = SparkSession.builder().master("local[2]").appName("dpt4j-example-test")
                .config("spark.ui.enabled", "false")
                // Loopback only: no dependence on the machine's host name or network.
                .config("spark.driver.bindAddress", "127.0.0.1").config("spark.driver.host", "localhost")
                .config("spark.log.level", "WARN")
                .getOrCreate();
        try {
            SparkDepthExample.Summary s = SparkDepthExample.run(spark, ExamplesTest.DEPTH.toString(),
                    tmp.resolve("in").toString(), out.toString());
            assertEquals(2, s.images());
            assertEquals(1, s.errors());
            List<Row> rows = spark.read().parquet(out.toString()).orderBy("path").collectAsList();
            Row broken = rows.get(0);
            assertTrue(broken.getString(broken.fieldIndex("path")).endsWith("broken.jpg"));
            assertNull(broken.get(broken.fieldIndex("depth")));
            assertNotNull(broken.get(broken.fieldIndex("depth_error")));
            Row photo = rows.get(1).getStruct(rows.get(1).fieldIndex("depth"));
            BufferedImage png = ImageIO.read(new ByteArrayInputStream((byte[]) photo.getAs("png")));
            assertEquals(451, png.getWidth());
            assertEquals(300, png.getHeight());
            assertEquals(BufferedImage.TYPE_USHORT_GRAY, png.getType());
        } finally {
            spark.stop();
        }
    }
}
