package io.dpt4j.notebook;

import java.util.List;
import org.dflib.jjava.jupyter.kernel.magic.LineMagic;

/**
 * Magics of IJava/JJava this kernel does not implement (Maven resolution): a clear error instead of
 * "undefined magic", naming what to use here.
 */
final class UnsupportedMagic implements LineMagic<Object, NotebookKernel> {
    private final String name;

    UnsupportedMagic(String name) {
        this.name = name;
    }

    @Override
    public Object eval(NotebookKernel kernel, List<String> args) {
        throw new UnsupportedOperationException("%" + name + " needs IJava or JJava (Maven resolution); the DPT4J CI kernel "
                + "only has %classpath and %jars: use %classpath ../target/classes ../target/lib/*.jar after mvn -DskipTests package");
    }
}
