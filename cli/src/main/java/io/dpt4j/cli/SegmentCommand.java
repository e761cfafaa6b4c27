package io.dpt4j.cli;

import io.dpt4j.core.pipelines.ImageSegmentationPipeline;
import io.dpt4j.core.pipelines.Segment;
import io.dpt4j.core.pipelines.SegmentationResult;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/** {@code ./dpt segment}: semantic segmentation (label map PNG, colour overlay, labels with pixel share). */
public final class SegmentCommand implements Command {
    @Override
    public String name() {
        return "segment";
    }

    @Override
    public String summary() {
        return "semantic segmentation: label map PNG, colour overlay and the labels present";
    }

    static final String HELP = String.join("\n",
            "usage: ./dpt segment --model DIR_OR_ID --output DIR IMAGE... [--threads N]",
            "",
            "Per image NAME, in DIR:",
            "  NAME_labels.png    class id per pixel (8-bit grayscale; 16-bit when there are more than 256 classes)",
            "  NAME_overlay.png   the segmentation palette blended over the photo",
            "  NAME_labels.tsv    label id, label, pixel share for each class present (also printed)",
            "Images that cannot be read are reported and skipped (none of their files is written); the exit",
            "code is 2 if a bad image was skipped, 1 if anything else failed.",
            EngineArg.HELP,
            DtypeArg.HELP,
            HubArgs.HELP);

    @Override
    public String help() {
        return HELP;
    }

    @Override
    public int run(List<String> argv) throws Exception {
        ImageCommandArgs a = ImageCommandArgs.parse(name(), argv);
        Path out = a.output();
        OutputFiles files = new OutputFiles();
        DepthCommand.ExitStatus status = new DepthCommand.ExitStatus();
        List<String> images = a.images();
        try (ImageSegmentationPipeline p = ImageSegmentationPipeline.fromPretrained(a.model().toString(), a.options())) {
            Files.createDirectories(out); // only once the model loaded: a failed load leaves no empty folder
            int numLabels = p.model().getConfig().numLabels();
            for (int i = 0; i < images.size(); i++) {
                Path img = Path.of(images.get(i));
                try {
                    SegmentationResult r = p.predict(img);
                    String stem = files.stem(img);
                    StringBuilder tsv = new StringBuilder("label_id\tlabel\tpixel_share\n");
                    StringBuilder shown = new StringBuilder(img + ":\n");
                    for (Segment s : r.segments()) {
                        tsv.append(s.labelId()).append('\t').append(s.label()).append('\t')
                                .append(String.format(Locale.ROOT, "%.6f", s.pixelShare())).append('\n');
                        shown.append(String.format("  %-24s %8s%n", s.label(), OutputFiles.pct(s.pixelShare())));
                    }
                    // All three files of the image, or none of them.
                    try (OutputFiles.Group g = new OutputFiles.Group()) {
                        g.add(out.resolve(stem + "_labels.png"), OutputFiles.png(labelImage(r, numLabels)));
                        g.add(out.resolve(stem + "_overlay.png"), OutputFiles.png(r.overlay()));
                        g.add(out.resolve(stem + "_labels.tsv"), OutputFiles.text(tsv.toString()));
                        g.commit();
                    }
                    System.out.print(shown);
                    System.err.printf("[%d/%d] %s -> %s_labels.png, %s_overlay.png, %s_labels.tsv%n", i + 1, images.size(), img,
                            stem, stem, stem);
                } catch (Exception e) {
                    status.failed(e);
                    System.err.printf("[%d/%d] %s: skipped: %s%n", i + 1, images.size(), img, Failures.message(e));
                }
            }
        }
        return status.code();
    }

    static BufferedImage labelImage(SegmentationResult r, int numLabels) {
        int w = r.width();
        int h = r.height();
        boolean wide = numLabels > 256;
        BufferedImage img = new BufferedImage(w, h, wide ? BufferedImage.TYPE_USHORT_GRAY : BufferedImage.TYPE_BYTE_GRAY);
        long[] labels = r.labelMap();
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                img.getRaster().setSample(x, y, 0, (int) labels[y * w + x]);
            }
        }
        return img;
    }
}
