package io.dpt4j.cli;

import io.dpt4j.core.DptEngine;
import io.dpt4j.core.LoadOptions;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * What {@code ./dpt depth} and {@code ./dpt segment} share: the images, the output folder (checked
 * before anything loads), the resolved model directory, the thread count (applied) and the load options.
 */
record ImageCommandArgs(List<String> images, Path output, Path model, LoadOptions options) {
    static ImageCommandArgs parse(String command, List<String> argv) {
        Args a = Args.parse(command, argv, HubArgs.with(Set.of("model", "output", "threads", "engine", "dtype")), HubArgs.withFlags());
        if (a.positionals().isEmpty()) {
            throw new CliException("no images given; run ./dpt " + command + " --help");
        }
        Path out = Path.of(a.require("output"));
        OutputFiles.checkOutputFolder(out);
        Path dir = HubArgs.resolveModel(a);
        DptEngine.setNumThreads(a.getInt("threads", 0));
        return new ImageCommandArgs(a.positionals(), out, dir, HubArgs.loadOptions(a).engine(EngineArg.parseOrNull(a)).dtype(DtypeArg.parse(a)));
    }
}
