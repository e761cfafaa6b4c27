package io.dpt4j.core.nn;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import java.util.function.Function;
import java.util.function.UnaryOperator;

/**
 * Frees a module's intermediate tensors as soon as the module returns, as PyTorch does when their
 * references drop. DJL frees a tensor only when its manager closes, so without this every intermediate
 * of a forward pass would stay alive to its end (gigabytes for a full-size DPT). Results of an op live
 * on its first operand's manager; the inputs are attached to a sub-manager for the duration, so every
 * intermediate lands there, and only the returned tensors move back to the caller's manager.
 */
public final class Scope {
    private Scope() {}

    /** Runs {@code f(x)}; everything but its result is freed on return. */
    public static NDArray run(NDArray x, UnaryOperator<NDArray> f) {
        return runAll(new NDArray[] {x}, in -> new NDArray[] {f.apply(in[0])})[0];
    }

    /**
     * Runs {@code f(inputs)}; the non-null arrays it returns move to the first input's manager and
     * everything else created inside is freed.
     */
    public static NDArray[] runAll(NDArray[] inputs, Function<NDArray[], NDArray[]> f) {
        NDManager parent = inputs[0].getManager();
        try (NDManager sub = parent.newSubManager()) {
            for (NDArray in : inputs) {
                if (in != null) {
                    in.tempAttach(sub);
                }
            }
            NDArray[] out = f.apply(inputs);
            for (NDArray o : out) {
                if (o != null && !isInput(o, inputs)) {
                    o.attach(parent);
                }
            }
            return out;
        }
    }

    private static boolean isInput(NDArray a, NDArray[] inputs) {
        for (NDArray in : inputs) {
            if (in == a) {
                return true;
            }
        }
        return false;
    }
}
