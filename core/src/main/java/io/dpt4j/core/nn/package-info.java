/**
 * The layers and tensor operations DPT4J's modules are written with, once for both engines.
 *
 * <h2>One definition, two engines</h2>
 * A module ({@link io.dpt4j.core.nn.HfBlock}) declares its parameters with their Hugging Face names
 * ({@code param("weight", out, in)}, {@code child("query", new Linear(...))}) and computes on
 * {@link io.dpt4j.core.nn.Tensor}s. The same code then runs on
 * <ul>
 *   <li>{@link io.dpt4j.core.nn.EagerOps}: libtorch through DJL, op by op (torch's kernels, so
 *       transformers' numbers; every hidden state, attention and {@code debug.*} tap is a value);</li>
 *   <li>{@link io.dpt4j.core.nn.OnnxOps}: each op written as ONNX nodes through
 *       {@link io.dpt4j.core.onnx.OnnxGraph}; the model's graph has symbolic batch, height and width,
 *       and ONNX Runtime runs it with one session for every input size.</li>
 * </ul>
 * There is no second copy of any module's arithmetic: a new op goes into {@link io.dpt4j.core.nn.Ops}
 * with one implementation per engine (a torch call, and ONNX nodes with torch's semantics).
 *
 * <h2>Porting a module (guide)</h2>
 * <ol>
 *   <li><b>Signature.</b> Override {@code Tensor forward(Tensor x)} (or write a typed
 *       {@code forward(Tensor, ...)}); {@code HfBlock.forward(NDArray)} then works too, eagerly. Take the
 *       engine from the input: {@code Ops o = x.ops()}.</li>
 *   <li><b>Parameters.</b> {@code w(o, weight)} gives a loaded parameter as a tensor of that engine (a
 *       zero-copy external initializer in the graph). A tensor that depends on weights only (BiT's
 *       standardised weight, a relative-position index table) is computed once on NDArrays with
 *       {@code derived(key, p, fn)} and handed over with {@code o.weight(fullName(p), derivedArray)}; small
 *       config-only tables use {@code o.constant(float[], shape)}. Use {@link io.dpt4j.core.nn.Layers}
 *       (Linear is a Gemm on the stored [out, in] weight, which graph passes such as int8
 *       quantization look for).</li>
 *   <li><b>Sizes are {@link io.dpt4j.core.nn.Dim}s.</b> {@code x.dim(2)} is a number on the eager engine
 *       and in graphs built for a fixed size, and an int64 expression in the symbolic graph. Write
 *       transformers' size arithmetic with {@code plus/minus/times/div/mod/max/sqrtFloor} (Python's
 *       {@code //} and {@code %} on non-negative sizes), pass Dims to {@code reshape}, {@code expand},
 *       {@code slice}, {@code pad}, {@code interpolate*}: the graph computes them (Shape, then
 *       Add/Mul/Div/Mod/Max, Concat into the shape input) only where needed, constant-folded where
 *       known. Never call {@code dim(i).value()} on a size that depends on the input: it throws in the
 *       symbolic graph. Sizes that depend on weights only (a table's side) may be plain longs.</li>
 *   <li><b>Branches on sizes.</b> Python {@code if h != w} on input sizes cannot be a Java branch in a
 *       symbolic graph. Either write the unconditional form when it is exact (a resize to the same
 *       size is the identity: {@code interpolate} returns its input when the Dims are equal, and ONNX
 *       Resize at scale 1 reproduces its input), or compute the alternative in the graph (masks and
 *       pads with Dims; e.g. Swinv2's window padding {@code (window - size % window) % window}). A
 *       check that must raise transformers' error uses {@code isKnown()}: the ONNX Runtime runner
 *       first writes (does not run) a graph for each new concrete input shape, so every such check
 *       still fires with the same message on both engines.</li>
 *   <li><b>Size-dependent tables</b> (position-embedding interpolation, relative position bias
 *       resized to the grid, shift masks) are graph computations on Dims: {@code interpolateBicubic} /
 *       {@code interpolateBilinear} are ONNX Resize with torch's coordinates (half_pixel or
 *       align_corners, cubic A = -0.75, border-clamped taps); index gathers with indices that depend
 *       on the grid need an op added to {@link io.dpt4j.core.nn.Ops} (e.g. Gather with indices built
 *       from Range) rather than Java loops over the input size.</li>
 *   <li><b>Memory.</b> Wrap a module's body in {@code x.scoped(h -> ...)} or
 *       {@code o.scope(inputs, f)}: on libtorch its intermediates are freed when it returns (as
 *       PyTorch frees them); in the graph it is a plain call.</li>
 *   <li><b>Outputs and taps.</b> Return hidden states / attentions in lists and
 *       {@code ctx.capture("debug.name", t)} intermediates: on libtorch they are the values, in the
 *       graph they become extra outputs of a separate session built only when a forward asks for
 *       them (the plain session keeps ONNX Runtime free to fuse). A backbone implements
 *       {@code modeling.Backbone} with Tensor lists and says {@code supportsGraph()} truthfully.</li>
 *   <li><b>Fused kernels.</b> An op such as {@code fusedAttention} may return null (libtorch: keep
 *       torch's order of operations; a portable f32 file: standard ONNX only); the module then
 *       writes the plain ops. Ask for it only where nothing needs the intermediates (attention
 *       probabilities), as {@code DPTModeling.selfAttention} does with {@code keepProbs}.</li>
 * </ol>
 *
 * <h2>Checking a port</h2>
 * The reference cases run through both engines (DptParityTest on PyTorch with every output,
 * OnnxRuntimeParityTest on ONNX Runtime), EngineAgreementTest compares the engines on random weights
 * and configurations the references do not cover, and the FLOPs counted on the graph equal those
 * counted eagerly.
 */
package io.dpt4j.core.nn;
