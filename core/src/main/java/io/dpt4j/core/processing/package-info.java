/**
 * Image pre- and post-processing for DPT models, bit-exact with transformers' slow (Pillow/numpy)
 * {@code DPTImageProcessor}: {@link io.dpt4j.core.processing.DPTImageProcessor} (config, preprocess,
 * post-processing), {@link io.dpt4j.core.processing.PilResize} (Pillow 9.4 resampling),
 * {@link io.dpt4j.core.processing.ImageLoader} ({@code load_image}), and visualisation helpers
 * ({@link io.dpt4j.core.processing.DepthColormap}, {@link io.dpt4j.core.processing.SegmentationPalette}).
 * Pure Java on primitive arrays; no DJL dependency.
 */
package io.dpt4j.core.processing;
