package io.dpt4j.cli;

import io.dpt4j.core.pipelines.DepthEstimationPipeline;
import io.dpt4j.core.pipelines.DepthEstimationResult;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** {@code ./dpt depth}: depth maps for images (grayscale PNG, colour PNG, raw float .npy). */
public final class DepthCommand implements Command {
    @Override
    public String name() {
        return "depth";
    }

    @Override
    public String summary() {
        return "estimate depth for images: grayscale PNG, inferno PNG and raw float32 .npy per image";
    }

    static final String HELP = String.join("\n",
            "usage: ./dpt depth --model DIR_OR_ID --output DIR IMAGE... [--threads N]",
            "",
            "Per image NAME, in DIR:",
            "  NAME_depth.png        8-bit grayscale, min-max normalised (transformers' pipeline \"depth\")",
            "  NAME_depth_color.png  the same depth in the inferno colour map (bright = near for relative models)",
            "  NAME_depth.npy        the raw float32 depth [height, width] at the image's size:",
            "                        python -c \"import numpy; d = numpy.load('NAME_depth.npy')\"",
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
        List<Path> images = new ArrayList<>();
        for (String s : a.images()) {
            images.add(Path.of(s));
        }
        OutputFiles files = new OutputFiles();
        ExitStatus status = new ExitStatus();
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(a.model().toString(), a.options())) {
            Files.createDirectories(out); // only once the model loaded: a failed load leaves no empty folder
            int n = images.size();
            p.predict(images, (i, r) -> {
                try {
                    String stem = files.stem(images.get(i));
                    write(r, out, stem);
                    System.err.printf("[%d/%d] %s -> %s_depth.png, %s_depth_color.png, %s_depth.npy%n", i + 1, n, images.get(i),
                            stem, stem, stem);
                } catch (IOException | RuntimeException e) {
                    status.failed(new IOException(e.getMessage(), e));
                    System.err.printf("[%d/%d] %s: cannot write results: %s%n", i + 1, n, images.get(i), Failures.message(e));
                }
            }, (i, e) -> {
                status.failed(e);
                System.err.printf("[%d/%d] %s: skipped: %s%n", i + 1, n, images.get(i), Failures.message(e));
            });
        }
        System.out.println(out);
        return status.code();
    }

    /** The exit code of a run over several images: 0, 2 when bad input was skipped, 1 when anything else failed. */
    static final class ExitStatus {
        private boolean input;
        private boolean other;

        void failed(Throwable e) {
            if (Failures.isInputError(e)) {
                input = true;
            } else {
                other = true;
            }
        }

        int code() {
            return other ? Failures.OTHER_ERROR : input ? Failures.INPUT_ERROR : 0;
        }
    }

    /** All three files of one image, or none of them. */
    static void write(DepthEstimationResult r, Path out, String stem) throws IOException {
        try (OutputFiles.Group g = new OutputFiles.Group()) {
            g.add(out.resolve(stem + "_depth.png"), OutputFiles.png(r.depth()));
            g.add(out.resolve(stem + "_depth_color.png"), OutputFiles.png(r.coloredDepth()));
            g.add(out.resolve(stem + "_depth.npy"), OutputFiles.npy(r.predictedDepth().data(), r.predictedDepth().shape()));
            g.commit();
        }
    }
}
