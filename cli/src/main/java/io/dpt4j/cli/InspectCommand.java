package io.dpt4j.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dpt4j.converters.CheckpointException;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.ConverterConstants;
import io.dpt4j.converters.DType;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.converters.TensorInfo;
import io.dpt4j.converters.TensorReader;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/** {@code ./dpt inspect PATH [--dump OUT.safetensors]}: lists the tensors of any supported weights. */
public final class InspectCommand implements Command {
    private final PrintStream out;

    public InspectCommand() {
        this(System.out);
    }

    InspectCommand(PrintStream out) {
        this.out = out;
    }

    @Override
    public String name() {
        return "inspect";
    }

    @Override
    public String summary() {
        return "list the tensors (name, dtype, shape, bytes) and config of a weights file, index or directory";
    }

    static final String HELP = "usage: ./dpt inspect PATH [--dump OUT.safetensors]\n\n"
            + "PATH: a .safetensors or pytorch_model.bin file, a *.index.json, or a model directory.\n"
            + "--dump OUT: also write every tensor exactly as read (same dtype, shape, values) to OUT;\n"
            + "            nothing is written when reading fails.";

    @Override
    public String help() {
        return HELP;
    }

    @Override
    public int run(List<String> argv) throws Exception {
        Args a = Args.parse(name(), argv, Set.of("dump"), Set.of());
        if (a.positionals().size() != 1) {
            throw new CliException("expected exactly one PATH; run ./dpt inspect --help");
        }
        Path path = Path.of(a.positionals().get(0));
        if (a.has("dump")) {
            OutputFiles.checkOutputFile(Path.of(a.get("dump")));
        }
        try (TensorReader r = Checkpoints.open(path)) {
            long bytes = 0;
            long params = 0;
            Map<DType, Integer> dtypes = new TreeMap<>();
            int nameWidth = 4;
            for (String n : r.names()) {
                nameWidth = Math.max(nameWidth, Math.min(n.length(), 90));
            }
            out.printf("%-" + nameWidth + "s  %-7s  %-22s  %s%n", "name", "dtype", "shape", "bytes");
            for (String n : r.names()) {
                TensorInfo i = r.info(n);
                out.printf("%-" + nameWidth + "s  %-7s  %-22s  %d%n", n, i.dtype(), Arrays.toString(i.shape()), i.byteSize());
                bytes += i.byteSize();
                params += i.numel();
                dtypes.merge(i.dtype(), 1, Integer::sum);
            }
            out.printf("%d tensors, %d elements, %d bytes, dtypes %s, source %s%n", r.names().size(), params, bytes, dtypes,
                    r.source());
            if (!r.metadata().isEmpty()) {
                out.println("metadata: " + r.metadata());
            }
            printConfig(Files.isDirectory(path) ? path : path.toAbsolutePath().getParent());
            if (a.has("dump")) {
                Path dump = Path.of(a.get("dump"));
                Map<String, TensorData> all = new LinkedHashMap<>();
                for (String n : r.names()) {
                    TensorInfo i = r.info(n);
                    all.put(n, new TensorData(i.dtype(), i.shape(), r.bytes(n)));
                }
                SafetensorsWriter.write(dump, all, Map.of("format", "pt"));
                out.println("dumped " + all.size() + " tensors to " + dump);
            }
        } catch (CheckpointException e) {
            throw new CliException(e.getMessage(), 1);
        }
        return 0;
    }

    private void printConfig(Path dir) {
        Path config = dir == null ? null : dir.resolve(ConverterConstants.CONFIG);
        if (config == null || !Files.isRegularFile(config)) {
            out.println("config: none next to the weights");
            return;
        }
        try {
            JsonNode c = new ObjectMapper().readTree(config.toFile());
            StringBuilder sb = new StringBuilder("config: ");
            for (String k : new String[] {"model_type", "architectures", "dtype", "torch_dtype", "hidden_size",
                    "num_hidden_layers", "image_size", "patch_size", "is_hybrid", "num_labels"}) {
                if (c.has(k)) {
                    sb.append(k).append('=').append(c.get(k)).append(' ');
                }
            }
            if (c.has("id2label") && c.get("id2label").isObject()) {
                sb.append("labels=").append(c.get("id2label").size()).append(' ');
            }
            JsonNode bb = c.get("backbone_config");
            if (bb != null && bb.isObject() && bb.has("model_type")) {
                sb.append("backbone=").append(bb.get("model_type").asText());
            }
            out.println(sb.toString().trim());
        } catch (IOException e) {
            out.println("config: " + config + " is not valid JSON (" + e.getMessage().lines().findFirst().orElse("") + ")");
        }
    }
}
