package io.dpt4j.core.loading;

import io.dpt4j.converters.TensorReader;
import io.dpt4j.core.config.BackboneConfig;
import io.dpt4j.core.config.BeitConfig;
import io.dpt4j.core.config.ConfigException;
import io.dpt4j.core.config.DPTConfig;
import io.dpt4j.core.config.DepthAnythingConfig;
import io.dpt4j.core.config.Dinov2Config;
import java.io.IOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks a config against the checkpoint's key names and a few shapes BEFORE the model is built: a
 * config that asks for more transformer layers than the checkpoint holds ({@code num_hidden_layers:
 * 1000000} with a tiny checkpoint would build a million blocks), or whose embedding sizes differ from the
 * checkpoint's, fails at once with a message naming the key, the value and what the checkpoint implies.
 * Reads only the checkpoint's header (names and shapes), never its tensors.
 */
public final class ConfigCheckpointCheck {
    /** {@code encoder.layer.<i>.} of ViT-like encoders, under any prefix ({@code dpt.}, {@code backbone.}). */
    private static final String LAYER = "encoder\\.layer\\.(\\d+)\\.";

    private ConfigCheckpointCheck() {}

    /** One stack of layers the config asks for, and the checkpoint keys that hold them. */
    private record Layers(String key, int configured, Pattern pattern, String shown) {}

    /** One tensor whose shape follows from the config. */
    private record Shape(String keys, long[] expected, String tensorRegex) {}

    /**
     * @param config a {@link DPTConfig} or {@link DepthAnythingConfig} (others are not checked)
     * @param where the config file, for messages
     * @param allowMissing whether missing weights are tolerated (then fewer layers in the checkpoint are fine)
     * @throws ConfigException when the config cannot belong to the checkpoint
     * @throws IOException when the checkpoint's header cannot be read
     */
    public static void check(Object config, String where, TensorReader reader, boolean allowMissing) throws IOException {
        checkBuildable(config, where);
        List<String> names = reader.names();
        List<Layers> layers = new ArrayList<>();
        List<Shape> shapes = new ArrayList<>();
        BackboneConfig backbone = null;
        if (config instanceof DPTConfig c) {
            if (c.backboneConfig == null || c.isHybrid) {
                layers.add(new Layers("num_hidden_layers", c.numHiddenLayers, Pattern.compile("^(?:dpt\\.)?" + LAYER),
                        "encoder.layer.<i>"));
                shapes.add(new Shape("hidden_size", new long[] {1, 1, c.hiddenSize}, "^(?:dpt\\.)?embeddings\\.cls_token$"));
                if (!c.isHybrid) {
                    shapes.add(new Shape("hidden_size, num_channels, patch_size",
                            new long[] {c.hiddenSize, c.numChannels, c.patchSize, c.patchSize},
                            "^(?:dpt\\.)?embeddings\\.patch_embeddings\\.projection\\.weight$"));
                }
            } else {
                backbone = c.backboneConfig;
            }
        } else if (config instanceof DepthAnythingConfig c) {
            backbone = c.backboneConfig;
        }
        if (backbone instanceof Dinov2Config b) {
            addBackbone(layers, shapes, b.numHiddenLayers, b.hiddenSize, b.numChannels, b.patchSize);
        } else if (backbone instanceof BeitConfig b) {
            addBackbone(layers, shapes, b.numHiddenLayers, b.hiddenSize, b.numChannels, b.patchSize);
        }

        for (Layers l : layers) {
            int highest = -1;
            for (String n : names) {
                Matcher m = l.pattern().matcher(n);
                if (m.find()) {
                    try {
                        highest = Math.max(highest, Integer.parseInt(m.group(1)));
                    } catch (NumberFormatException e) {
                        // an index beyond int: not a layer this check understands
                    }
                }
            }
            int held = highest + 1;
            if (l.configured() > held && !allowMissing) {
                throw new ConfigException(where + ": \"" + l.key() + "\" is " + l.configured() + " but the checkpoint "
                        + reader.source() + (held == 0 ? " has no " + l.shown() + " weights"
                                : " holds " + held + " layer(s) (" + l.shown() + " up to " + highest + ")")
                        + ": expected " + (held == 0 ? "a checkpoint with those layers" : String.valueOf(held))
                        + "; is config.json the one that belongs to these weights?");
            }
        }
        for (Shape s : shapes) {
            Pattern p = Pattern.compile(s.tensorRegex());
            for (String n : names) {
                if (p.matcher(n).find()) {
                    long[] got = reader.info(n).shape();
                    if (!Arrays.equals(got, s.expected())) {
                        throw new ConfigException(where + ": " + s.keys() + " give " + n + " the shape "
                                + Arrays.toString(s.expected()) + " but the checkpoint " + reader.source() + " has "
                                + Arrays.toString(got) + "; is config.json the one that belongs to these weights?");
                    }
                }
            }
        }
    }

    /**
     * What transformers only finds in the forward pass ("The number of hidden states should be equal to
     * the number of neck hidden sizes"), checked before the model is built: the neck takes one hidden state
     * per entry of {@code neck_hidden_sizes}, so the backbone must select exactly that many. (Config parsing
     * itself accepts such a config, as transformers' does.)
     *
     * @throws ConfigException naming both keys and the expected length
     */
    public static void checkBuildable(Object config, String where) {
        List<Integer> neck;
        int selected;
        String selectedBy;
        if (config instanceof DPTConfig c) {
            neck = c.neckHiddenSizes;
            if (c.backboneConfig == null || c.isHybrid) {
                selected = c.backboneOutIndices.size();
                selectedBy = "\"backbone_out_indices\" " + c.backboneOutIndices;
            } else {
                selected = c.backboneConfig.outFeatures().size();
                selectedBy = "the backbone_config's \"out_features\" " + c.backboneConfig.outFeatures();
            }
        } else if (config instanceof DepthAnythingConfig c) {
            neck = c.neckHiddenSizes;
            selected = c.backboneConfig.outFeatures().size();
            selectedBy = "the backbone_config's \"out_features\" " + c.backboneConfig.outFeatures();
        } else {
            return;
        }
        if (selected > 0 && neck.size() != selected) {
            throw new ConfigException(where + ": \"neck_hidden_sizes\" " + neck + " has " + neck.size() + " entries but "
                    + selectedBy + " selects " + selected + " hidden states; expected one neck size per selected hidden"
                    + " state (" + selected + " entries)");
        }
        for (int n : neck) {
            if (n <= 0) {
                throw new ConfigException(where + ": \"neck_hidden_sizes\" " + neck + " must hold positive integers");
            }
        }
    }

    private static void addBackbone(List<Layers> layers, List<Shape> shapes, int numHiddenLayers, int hiddenSize,
            int numChannels, int patchSize) {
        layers.add(new Layers("backbone_config.num_hidden_layers", numHiddenLayers, Pattern.compile("^backbone\\." + LAYER),
                "backbone.encoder.layer.<i>"));
        shapes.add(new Shape("backbone_config.hidden_size", new long[] {1, 1, hiddenSize}, "^backbone\\.embeddings\\.cls_token$"));
        shapes.add(new Shape("backbone_config.hidden_size, num_channels, patch_size",
                new long[] {hiddenSize, numChannels, patchSize, patchSize},
                "^backbone\\.embeddings\\.patch_embeddings\\.projection\\.weight$"));
    }
}
