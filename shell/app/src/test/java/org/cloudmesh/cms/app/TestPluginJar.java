package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.Attributes;
import java.util.jar.JarEntry;
import java.util.jar.JarOutputStream;
import java.util.jar.Manifest;
import java.util.stream.Stream;
import javax.tools.JavaCompiler;
import javax.tools.ToolProvider;
import org.cloudmesh.cms.api.BuiltShell;

/** A third-party PF4J plugin jar made in a test: one source file compiled against the built shell's classpath. */
final class TestPluginJar {
    private TestPluginJar() {
    }

    /**
     * Compiles {@code source} (the class {@code className}, e.g. {@code org.example.hello.HelloPlugin}) in {@code work}
     * and writes the plugin {@code id} at {@code version} with {@code extensions} (its extensions.idx) to {@code jar}.
     */
    static Path build(Path work, String className, String source, String id, String version, List<String> extensions,
                      Path jar) throws IOException {
        Path src = work.resolve("src/" + className.replace('.', '/') + ".java");
        Files.createDirectories(src.getParent());
        Files.writeString(src, source);
        Path classes = work.resolve("classes");
        Files.createDirectories(classes);
        String cp = Files.readString(BuiltShell.DIST.resolve("lib/classpath")).strip();
        JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
        assertEquals(0, javac.run(null, null, null, "-proc:none", "-cp", cp, "-d", classes.toString(), src.toString()),
                "the test plugin must compile");
        Manifest mf = new Manifest();
        Attributes a = mf.getMainAttributes();
        a.put(Attributes.Name.MANIFEST_VERSION, "1.0");
        a.putValue("Plugin-Id", id);
        a.putValue("Plugin-Version", version);
        Files.createDirectories(jar.getParent());
        try (OutputStream os = Files.newOutputStream(jar); JarOutputStream out = new JarOutputStream(os, mf)) {
            out.putNextEntry(new JarEntry("META-INF/extensions.idx"));
            out.write((String.join("\n", extensions) + "\n").getBytes());
            try (Stream<Path> files = Files.walk(classes)) {
                for (Path f : files.filter(Files::isRegularFile).toList()) {
                    out.putNextEntry(new JarEntry(classes.relativize(f).toString()));
                    out.write(Files.readAllBytes(f));
                }
            }
        }
        return jar;
    }
}
