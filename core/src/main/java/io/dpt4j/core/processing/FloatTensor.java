package io.dpt4j.core.processing;

import java.util.Arrays;

/** A dense float32 tensor: row-major data and its shape (e.g. NCHW {@code pixel_values}). */
public final class FloatTensor {
    private final float[] data;
    private final long[] shape;

    /** @throws IllegalArgumentException when the shape's element count differs from the data length */
    public FloatTensor(float[] data, long... shape) {
        long n = 1;
        for (long s : shape) {
            if (s < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n *= s;
        }
        if (n != data.length) {
            throw new IllegalArgumentException("shape " + Arrays.toString(shape) + " holds " + n
                    + " elements, data has " + data.length);
        }
        this.data = data;
        this.shape = shape.clone();
    }

    /** The elements, shared (not a copy). */
    public float[] data() {
        return data;
    }

    /** A copy of the shape. */
    public long[] shape() {
        return shape.clone();
    }

    /** Size of dimension {@code i}. */
    public long dim(int i) {
        return shape[i];
    }

    public int rank() {
        return shape.length;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof FloatTensor && Arrays.equals(shape, ((FloatTensor) o).shape)
                && Arrays.equals(data, ((FloatTensor) o).data);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(shape) + Arrays.hashCode(data);
    }

    @Override
    public String toString() {
        return "FloatTensor" + Arrays.toString(shape);
    }
}
