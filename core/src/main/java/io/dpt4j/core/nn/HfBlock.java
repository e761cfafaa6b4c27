package io.dpt4j.core.nn;

import ai.djl.MalformedModelException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.ParameterStore;
import ai.djl.util.PairList;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.UnaryOperator;

/**
 * A DJL block whose parameters and children carry their Hugging Face names, so that the module tree
 * is the checkpoint's name map: a parameter built with {@code param("weight", ...)} inside a child
 * registered as {@code child("query", ...)} under {@code child("attention", ...)} is
 * {@code attention.query.weight}, exactly the key transformers writes.
 *
 * <p>Weights always come from a checkpoint, never from DJL's initializers, so shape inference is not
 * needed; each block exposes a typed Java {@code forward} and {@link #forwardInternal} adapts the
 * single-tensor case to DJL's {@link ai.djl.nn.Block} contract.
 */
public abstract class HfBlock extends AbstractBlock {
    private final Map<String, Parameter> hfParams = new LinkedHashMap<>();
    private final Map<String, Shape> hfShapes = new LinkedHashMap<>();
    private final Map<String, HfBlock> hfChildren = new LinkedHashMap<>();

    /** Declares a parameter named as in the Hugging Face state dict, with its expected shape. */
    protected Parameter param(String name, long... shape) {
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(name.endsWith("bias") ? Parameter.Type.BIAS : Parameter.Type.WEIGHT)
                .optRequiresGrad(false)
                .build();
        addParameter(p);
        hfParams.put(name, p);
        hfShapes.put(name, new Shape(shape));
        return p;
    }

    /** Declares a buffer (e.g. BatchNorm running statistics): loaded like a parameter. */
    protected Parameter buffer(String name, long... shape) {
        Parameter p = Parameter.builder()
                .setName(name)
                .setType(Parameter.Type.RUNNING_MEAN)
                .optRequiresGrad(false)
                .build();
        addParameter(p);
        hfParams.put(name, p);
        hfShapes.put(name, new Shape(shape));
        return p;
    }

    /** Registers a child module under its Hugging Face attribute name. */
    protected <T extends HfBlock> T child(String name, T block) {
        addChildBlock(name, block);
        hfChildren.put(name, block);
        return block;
    }

    /** The loaded value of one of this block's own parameters, by its local name ("weight", "bias"). */
    public NDArray tensor(String localName) {
        Parameter p = hfParams.get(localName);
        if (p == null) {
            throw new IllegalArgumentException(getClass().getSimpleName() + " has no parameter '" + localName + "'");
        }
        return v(p);
    }

    /** Whether this block has a parameter of that local name (e.g. an optional bias). */
    public boolean hasTensor(String localName) {
        return hfParams.containsKey(localName);
    }

    /** Every parameter of this subtree by its full dotted Hugging Face name (with {@code prefix}). */
    public Map<String, Parameter> namedParameters(String prefix) {
        Map<String, Parameter> out = new LinkedHashMap<>();
        collect(prefix, out);
        return out;
    }

    public Map<String, Parameter> namedParameters() {
        return namedParameters("");
    }

    private void collect(String prefix, Map<String, Parameter> out) {
        hfParams.forEach((n, p) -> out.put(prefix + n, p));
        hfChildren.forEach((n, c) -> c.collect(prefix + n + ".", out));
    }

    /** The shape each parameter must have (from the config), by full dotted Hugging Face name. */
    public Map<String, Shape> namedShapes() {
        Map<String, Shape> out = new LinkedHashMap<>();
        collectShapes("", out);
        return out;
    }

    private void collectShapes(String prefix, Map<String, Shape> out) {
        hfShapes.forEach((n, s) -> out.put(prefix + n, s));
        hfChildren.forEach((n, c) -> c.collectShapes(prefix + n + ".", out));
    }

    /**
     * The full checkpoint key of each of this block's own parameters, set by {@link #registerFullNames}
     * on the root, so that an error about a parameter can name it.
     */
    private final Map<Parameter, String> fullNames = new IdentityHashMap<>();

    /** Records the full checkpoint key of every parameter of this subtree (call on the model's root). */
    public void registerFullNames() {
        registerFullNames("");
    }

    private void registerFullNames(String prefix) {
        hfParams.forEach((n, p) -> fullNames.put(p, prefix + n));
        hfChildren.forEach((n, c) -> c.registerFullNames(prefix + n + "."));
    }

    /** The full checkpoint key of one of this block's parameters (its short name before registration). */
    protected String fullName(Parameter p) {
        return fullNames.getOrDefault(p, p.getName());
    }

    /** The array of a loaded parameter (fails with the parameter's key if it was never loaded). */
    protected NDArray v(Parameter p) {
        if (!p.isInitialized()) {
            String name = fullName(p);
            throw new IllegalStateException("weight '" + name + "' was not in the checkpoint (loaded with missing keys allowed), so this model cannot run");
        }
        return p.getArray();
    }

    private final Map<String, NDArray[]> derivedCache = new ConcurrentHashMap<>();

    /**
     * A tensor derived from a loaded parameter (a reshape, a standardisation), computed once and kept
     * with the weights: deriving it from the parameter in every pass would leave a new tensor on the
     * weights' manager each time.
     */
    protected NDArray derived(String key, Parameter p, UnaryOperator<NDArray> f) {
        NDArray src = v(p);
        NDArray[] e = derivedCache.get(key);
        if (e == null || e[0] != src || e[1].isReleased()) {
            synchronized (derivedCache) {
                e = derivedCache.get(key);
                if (e == null || e[0] != src || e[1].isReleased()) {
                    e = new NDArray[] {src, f.apply(src)};
                    derivedCache.put(key, e);
                }
            }
        }
        return e[1];
    }

    /** A loaded parameter as a tensor of {@code ops}' engine (a graph initializer, or the weight itself). */
    protected Tensor w(Ops ops, Parameter p) {
        return p == null ? null : ops.weight(fullName(p), v(p));
    }

    /** A tensor derived from a parameter only ({@link #derived}), as a tensor of {@code ops}' engine. */
    protected Tensor w(Ops ops, String key, Parameter p, UnaryOperator<NDArray> f) {
        return ops.weight(fullName(p), derived(key, p, f));
    }

    /** The single-tensor forward of a module, written once for both engines. */
    public Tensor forward(Tensor x) {
        throw new UnsupportedOperationException(getClass().getSimpleName() + " has no single-tensor forward");
    }

    /** {@link #forward(Tensor)} on libtorch, for the DJL adapter and eager callers. */
    public NDArray forward(NDArray x) {
        return forward(EagerOps.of(x)).nd();
    }

    @Override
    protected NDList forwardInternal(
            ParameterStore parameterStore, NDList inputs, boolean training, PairList<String, Object> params) {
        return new NDList(forward(inputs.singletonOrThrow()));
    }

    @Override
    public Shape[] getOutputShapes(Shape[] inputShapes) {
        throw new UnsupportedOperationException(
                "shape inference is not supported: DPT4J blocks take their weights from a checkpoint");
    }

    /** No input shapes to record: every parameter's shape comes from the config. */
    @Override
    protected void saveMetadata(DataOutputStream os) {
        // nothing beyond the version byte DJL writes
    }

    @Override
    protected void loadMetadata(byte loadVersion, DataInputStream is) throws MalformedModelException {
        if (loadVersion != version) {
            throw new MalformedModelException("unsupported DPT4J block format version " + loadVersion);
        }
    }

    @Override
    public void prepare(Shape[] inputShapes) {
        // Nothing to infer: every parameter shape is declared from the config.
    }

}
