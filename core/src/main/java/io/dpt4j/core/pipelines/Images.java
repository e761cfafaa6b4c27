package io.dpt4j.core.pipelines;

import ai.djl.modality.cv.Image;
import io.dpt4j.core.processing.ImageLoader;
import io.dpt4j.core.processing.Uint8Image;
import java.awt.image.BufferedImage;
import java.io.File;
import java.io.IOException;
import java.nio.file.Path;

/** Pipeline inputs as transformers' load_image takes them: a path, bytes, or an image. */
final class Images {
    private Images() {}

    static Uint8Image load(Object image) throws IOException {
        if (image instanceof Uint8Image) {
            return (Uint8Image) image;
        }
        if (image instanceof BufferedImage) {
            return ImageLoader.load((BufferedImage) image);
        }
        if (image instanceof Path) {
            return ImageLoader.load((Path) image);
        }
        if (image instanceof File) {
            return ImageLoader.load(((File) image).toPath());
        }
        if (image instanceof String) {
            return ImageLoader.load(Path.of((String) image));
        }
        if (image instanceof byte[]) {
            return ImageLoader.load((byte[]) image);
        }
        if (image instanceof Image) {
            Object wrapped = ((Image) image).getWrappedImage();
            if (wrapped instanceof BufferedImage) {
                return ImageLoader.load((BufferedImage) wrapped);
            }
        }
        throw new IllegalArgumentException("unsupported image input " + (image == null ? "null" : image.getClass().getName())
                + "; pass a Path, File, file name, byte[] or BufferedImage");
    }
}
