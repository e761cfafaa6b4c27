package io.dpt4j.cli;

import io.dpt4j.core.CpuFeatures;
import io.dpt4j.core.ExecutionEngine;
import io.dpt4j.core.InferenceDtype;

/** The {@code --dtype f32|int8} option of the inference commands. */
final class DtypeArg {
    private DtypeArg() {}

    static final String HELP = "  --dtype D            f32 (default), int8 or int8-conv: dynamic int8 quantization on ONNX Runtime\n"
            + "                       (weights per output channel, activations per tensor) of the linear layers, and\n"
            + "                       with int8-conv also of the decoder's wide convolutions (faster, larger error);\n"
            + "                       fast on CPUs with AVX512-VNNI, AVX-VNNI or AMX-INT8, possibly slower without";

    /** The dtype given (default f32); int8 with {@code --engine pytorch} is refused. Warns on CPUs without int8 dot products. */
    static InferenceDtype parse(Args a) {
        String d = a.get("dtype", "f32");
        InferenceDtype dtype;
        try {
            dtype = InferenceDtype.parse(d);
        } catch (IllegalArgumentException e) {
            throw new CliException("--dtype: " + e.getMessage());
        }
        if (dtype.isInt8()) {
            if (EngineArg.parseOrNull(a) == ExecutionEngine.PYTORCH) {
                throw new CliException("--dtype " + dtype.shortName() + " runs on ONNX Runtime only; drop --engine pytorch (or use --engine onnxruntime)");
            }
            String warning = CpuFeatures.current().int8Warning();
            if (warning != null) {
                System.err.println(warning);
            }
        }
        return dtype;
    }
}
