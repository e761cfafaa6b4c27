package io.dpt4j.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.dpt4j.core.DptEngine;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.LoadOptions;
import io.dpt4j.core.pipelines.DepthEstimationPipeline;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The premise of sharing one pipeline between an executor's tasks: concurrent calls on one pipeline give
 * exactly the results of serial calls, on both engines.
 */
class ConcurrentPipelineTest {
    @ParameterizedTest
    @ValueSource(strings = {"pytorch", "onnxruntime"})
    void concurrentCallsEqualSerialCalls(String engine) throws Exception {
        List<byte[]> images = new ArrayList<>();
        try (Stream<Path> s = Files.list(Path.of("src/test/resources/images"))) {
            for (Path p : s.sorted().collect(Collectors.toList())) {
                images.add(Files.readAllBytes(p));
            }
        }
        DptEngine.setNumThreads(1);
        try (DepthEstimationPipeline p = DepthEstimationPipeline.fromPretrained(SparkTransformersTest.DEPTH.toString(),
                LoadOptions.defaults().engine(ExecutionEngine.parse(engine)))) {
            List<float[]> serial = new ArrayList<>();
            for (byte[] b : images) {
                serial.add(p.predict(b).predictedDepth().data());
            }
            ExecutorService pool = Executors.newFixedThreadPool(3);
            try {
                List<Future<float[]>> futures = new ArrayList<>();
                for (int round = 0; round < 2; round++) {
                    for (byte[] b : images) {
                        futures.add(pool.submit(() -> p.predict(b).predictedDepth().data()));
                    }
                }
                for (int i = 0; i < futures.size(); i++) {
                    assertArrayEquals(serial.get(i % images.size()), futures.get(i).get(), "call " + i);
                }
            } finally {
                pool.shutdown();
            }
            assertEquals(ExecutionEngine.parse(engine), p.model().getEngine());
        }
    }
}
