package io.dpt4j.examples;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import io.dpt4j.spark.DepthEstimator;
import java.util.Locale;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;

/**
 * Depth for every image of a folder or bucket, on Apache Spark, written as Parquet: one row per file with
 * its path, the depth map as a 16-bit PNG (and the min/max that map it back to depth), and an error
 * column that says why a file could not be read (the job does not stop on it).
 *
 * <pre>
 * spark-submit --master local[2] --class io.dpt4j.examples.SparkDepthExample \
 *   --jars spark/target/dpt4j-spark-0.1.0-SNAPSHOT-all.jar examples/target/dpt4j-examples-0.1.0-SNAPSHOT.jar \
 *   MODEL INPUT_DIR_OR_URI OUTPUT_PARQUET
 * </pre>
 *
 * <p>Images are read with Spark's {@code binaryFile} source (the file bytes) and decoded on the executors
 * by the library's Pillow-exact loader, EXIF orientation included; Spark's {@code image} source decodes
 * with ImageIO its own way and ignores the EXIF orientation, so its pixels differ from transformers'.
 */
public final class SparkDepthExample {
    private SparkDepthExample() {}

    /** What one run did. */
    public record Summary(long images, long errors, double seconds) {
        public double imagesPerSecond() {
            return images / seconds;
        }
    }

    public static void main(String[] args) {
        if (args.length != 3) {
            System.err.println("usage: SparkDepthExample MODEL INPUT_DIR_OR_URI OUTPUT_PARQUET");
            System.exit(2);
        }
        SparkSession spark = SparkSession.builder().appName("dpt4j-depth").getOrCreate();
        try {
            Summary s = run(spark, args[0], args[1], args[2]);
            System.out.printf(Locale.ROOT, "%d images (%d errors) in %.1f s: %.2f images/s; depth written to %s%n",
                    s.images(), s.errors(), s.seconds(), s.imagesPerSecond(), args[2]);
        } finally {
            spark.stop();
        }
    }

    public static Summary run(SparkSession spark, String model, String input, String output) {
        long t0 = System.nanoTime();
        Dataset<Row> images = spark.read().format("binaryFile")
                .option("recursiveFileLookup", "true")
                .option("pathGlobFilter", "*.{jpg,jpeg,png,bmp,gif,tif,tiff,JPG,JPEG,PNG}")
                .load(input);
        Dataset<Row> depth = new DepthEstimator()
                .setModel(model)
                .setDepthFormat(DepthEstimator.PNG16)
                .transform(images)
                .drop("content");
        depth.write().mode("overwrite").parquet(output);
        double seconds = (System.nanoTime() - t0) / 1e9;
        // One pass over what was written: all rows, and the rows with an error (count skips nulls).
        Row counts = spark.read().parquet(output).agg(count(lit(1)), count(col("depth_error"))).first();
        return new Summary(counts.getLong(0), counts.getLong(1), seconds);
    }
}
