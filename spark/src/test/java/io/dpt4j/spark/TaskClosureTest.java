package io.dpt4j.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectOutputStream;
import org.junit.jupiter.api.Test;

/** What the driver ships to the executors: names and options, no weights; the token only where needed. */
class TaskClosureTest {
    static byte[] serialize(Object o) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        return b.toByteArray();
    }

    @Test
    void thePartitionFunctionCarriesNoModelBytes() throws IOException {
        DepthEstimator est = new DepthEstimator().setModel(SparkTransformersTest.DEPTH.toString()).setEngine("auto");
        byte[] closure = serialize(est.runner(est.spec(), 0, 1, 8));
        // The tiny model's weights alone are 490 kB; a real one is hundreds of MB.
        assertTrue(closure.length < 2048, closure.length + " bytes");
        SemanticSegmenter seg = new SemanticSegmenter().setModel(SparkTransformersTest.SEG.toString());
        assertTrue(serialize(seg.runner(seg.spec(), 0, 1, 8)).length < 2048);
    }

    @Test
    void oneExecutorPipelinePerModelEngineAndDtypeWhateverTheSpellingOrToken() {
        ModelSpec a = new ModelSpec("depth-estimation", "m", "auto", "f32", null, null, "hf_one");
        ModelSpec b = new ModelSpec("depth-estimation", "m", "AUTO", "F32", null, null, "hf_two");
        assertEquals(a.key(), b.key());
        assertEquals(a, b);
        assertNotEquals(a.key(), new ModelSpec("depth-estimation", "m", "pytorch", "f32", null, null, null).key());
        assertNotEquals(a.key(), new ModelSpec("depth-estimation", "m", null, "f32", null, null, null).key());
        assertNotEquals(a.key(), new ModelSpec("image-segmentation", "m", "auto", "f32", null, null, null).key());
        assertNotEquals(a.key(), new ModelSpec("depth-estimation", "m", "auto", "f32", "v2", null, null).key());
        assertFalse(a.key().contains("hf_one"));
        assertFalse(a.toString().contains("hf_one"));
        assertEquals("hf_one", a.loadOptions().token());
    }
}
