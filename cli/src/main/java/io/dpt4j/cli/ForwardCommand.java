package io.dpt4j.cli;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import io.dpt4j.converters.Checkpoints;
import io.dpt4j.converters.DType;
import io.dpt4j.converters.SafetensorsWriter;
import io.dpt4j.converters.TensorData;
import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.AutoModel;
import io.dpt4j.core.DptEngine;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.ForwardOptions;
import io.dpt4j.core.InferenceDtype;
import io.dpt4j.core.PreTrainedModel;
import io.dpt4j.core.outputs.ModelOutput;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/** {@code ./dpt forward}: runs a model on pixel_values from a safetensors file, writes every output. */
public final class ForwardCommand implements Command {
    @Override
    public String name() {
        return "forward";
    }

    @Override
    public String summary() {
        return "run a model on pixel_values (safetensors) and write every output tensor";
    }

    static final String HELP = String.join("\n",
            "usage: ./dpt forward --model DIR_OR_ID --inputs IN.safetensors --output OUT.safetensors [options]",
            "",
            "Reads pixel_values [batch, channels, height, width] from IN, runs the class named by",
            "architectures[0] in the model's config.json, and writes every output as F32 to OUT:",
            "predicted_depth / logits / auxiliary_logits / last_hidden_state / pooler_output,",
            "hidden_states.<i>, attentions.<i>, intermediate_activations.<i>.",
            "",
            "options:",
            "  --no-hidden-states   do not write hidden_states.<i>",
            "  --no-attentions      do not write attentions.<i>",
            "  --debug              also write the debug.* intermediates (neck and backbone maps)",
            EngineArg.HELP,
            "                       (every output comes from either engine: on onnxruntime, hidden states, attentions",
            "                       and debug.* are extra outputs of the same graph)",
            "  --threads N          intra-op threads (default: all cores)",
            "  --allow-missing-keys load even if the checkpoint lacks weights",
            DtypeArg.HELP,
            "                       int8 writes the primary outputs only (predicted_depth / logits / auxiliary_logits):",
            "                       the int8 graph has no hidden states or attentions",
            HubArgs.HELP);

    @Override
    public String help() {
        return HELP;
    }

    @Override
    public int run(List<String> argv) throws Exception {
        Args a = Args.parse(name(), argv, HubArgs.with(Set.of("model", "inputs", "output", "threads", "engine", "dtype")),
                HubArgs.withFlags("no-hidden-states", "no-attentions", "debug", "allow-missing-keys"));
        if (!a.positionals().isEmpty()) {
            throw new CliException("unexpected argument '" + a.positionals().get(0) + "'; run ./dpt forward --help");
        }
        Path inputs = a.existingPath("inputs");
        Path output = Path.of(a.require("output"));
        OutputFiles.checkOutputFile(output);
        Path modelDir = HubArgs.resolveModel(a);
        DptEngine.setNumThreads(a.getInt("threads", 0));
        ExecutionEngine engine = EngineArg.parse(a);
        InferenceDtype dtype = DtypeArg.parse(a);
        boolean int8 = dtype.isInt8();
        if (int8 && a.has("debug")) {
            throw new CliException("--debug needs --dtype f32: the int8 graph has no intermediates");
        }
        ForwardOptions fo = ForwardOptions.defaults()
                .outputHiddenStates(!int8 && !a.has("no-hidden-states"))
                .outputAttentions(!int8 && !a.has("no-attentions"))
                .captureIntermediates(a.has("debug"));
        PreTrainedModel<?, ?> loaded;
        try {
            loaded = AutoModel.fromPretrained(modelDir, HubArgs.loadOptions(a).dtype(dtype));
        } catch (UnsupportedOperationException e) {
            throw new CliException(e.getMessage());
        }
        try (PreTrainedModel<?, ?> model = loaded;
                NDManager m = DptEngine.newManager()) {
            try {
                model.setEngine(engine);
            } catch (UnsupportedOperationException e) {
                throw new CliException("--engine " + engine.name().toLowerCase(Locale.ROOT) + ": " + e.getMessage());
            }
            NDArray pixels;
            try (TensorReader in = Checkpoints.open(inputs)) {
                if (!in.contains("pixel_values")) {
                    throw new CliException(inputs + ": has no tensor named pixel_values (found: "
                            + String.join(", ", in.names()) + ")");
                }
                long[] shape = in.info("pixel_values").shape();
                if (shape.length != 4) {
                    throw new CliException(inputs + ": pixel_values must be 4-D [batch, channels, height, width], got shape "
                            + new Shape(shape));
                }
                pixels = m.create(in.floats("pixel_values"), new Shape(shape));
            }
            ModelOutput out;
            try {
                out = model.forward(pixels, fo);
            } catch (IllegalArgumentException e) {
                throw new CliException(model.getClass().getSimpleName() + " cannot run this input: " + e.getMessage());
            }
            Map<String, TensorData> tensors = new LinkedHashMap<>();
            for (Map.Entry<String, NDArray> e : out.allTensors().entrySet()) {
                NDArray arr = e.getValue().toType(DataType.FLOAT32, false);
                ByteBuffer bytes = ByteBuffer.wrap(arr.toByteArray()).order(ByteOrder.LITTLE_ENDIAN);
                tensors.put(e.getKey(), new TensorData(DType.F32, arr.getShape().getShape(), bytes));
            }
            if (output.toAbsolutePath().getParent() != null) {
                Files.createDirectories(output.toAbsolutePath().getParent());
            }
            SafetensorsWriter.write(output, tensors, Map.of("format", "pt"));
            System.err.println("dpt forward: " + model.getClass().getSimpleName() + " on " + new Shape(pixels.getShape().getShape())
                    + " (" + model.getEngine().name().toLowerCase(Locale.ROOT) + ")"
                    + " -> " + tensors.size() + " tensors written to " + output + (int8 ? " (int8: primary outputs only)" : ""));
        }
        return 0;
    }
}
