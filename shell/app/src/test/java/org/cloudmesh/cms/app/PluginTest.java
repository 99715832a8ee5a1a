package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.stream.Stream;
import org.cloudmesh.cms.api.BuiltShell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Third-party plugins: a jar compiled here, dropped into $CLOUDMESH_HOME/plugins, adds its command. */
class PluginTest {
    @TempDir
    Path tmp;

    static final String SOURCE = """
            package org.example.hello;

            import java.util.List;
            import java.util.concurrent.Callable;
            import org.cloudmesh.cms.api.CommandPlugin;
            import org.cloudmesh.cms.api.Context;
            import org.pf4j.Extension;
            import picocli.CommandLine.Command;
            import picocli.CommandLine.Parameters;

            @Extension
            public class HelloPlugin implements CommandPlugin {
                public List<Object> commands(Context ctx) {
                    return List.of(new Hello(ctx));
                }

                @Command(name = "hello", description = "Greets someone.")
                public static class Hello implements Callable<Integer> {
                    private final Context ctx;
                    @Parameters(paramLabel = "NAME", defaultValue = "world") String name;
                    public Hello(Context ctx) { this.ctx = ctx; }
                    public Integer call() { ctx.out().println("hello, " + name); return 0; }
                }
            }
            """;

    Path buildPluginJar(Path dir) throws IOException {
        return TestPluginJar.build(tmp, "org.example.hello.HelloPlugin", SOURCE, "hello", "1.2.3",
                List.of("org.example.hello.HelloPlugin"), dir.resolve("hello-plugin.jar"));
    }

    @Test
    void aThirdPartyPluginAddsItsCommand() throws Exception {
        Path home = tmp.resolve("home");
        buildPluginJar(home.resolve("plugins"));
        BuiltShell.Result r = BuiltShell.run(home, null, "hello", "admin");
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello, admin\n", r.out());
        BuiltShell.Result list = BuiltShell.run(home, null, "plugin", "list", "--output", "csv");
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("hello,1.2.3,started,hello,")), list.toString());
        assertTrue(list.out().lines().anyMatch(l -> l.startsWith("set,0.1.0,started,")), list.toString());
    }

    /** A folder plugin as scripts/build lays out one with libraries: plugin.properties, classes/, lib/. */
    Path folderPlugin(Path plugins, boolean unpacked) throws IOException {
        Path dir = plugins.resolve("hello");
        Path jar = buildPluginJar(dir.resolve("lib"));
        Files.writeString(dir.resolve("plugin.properties"), "plugin.id=hello\nplugin.version=1.2.3\n");
        if (unpacked) {
            try (java.util.jar.JarFile in = new java.util.jar.JarFile(jar.toFile())) {
                for (JarEntry e : java.util.Collections.list(in.entries())) {
                    Path to = dir.resolve("classes").resolve(e.getName());
                    Files.createDirectories(to.getParent());
                    try (var is = in.getInputStream(e)) {
                        Files.copy(is, to);
                    }
                }
            }
            Files.delete(jar);
        }
        return dir;
    }

    @Test
    void aFolderPluginFindsItsCommandInItsUnpackedClasses() throws Exception {
        Path home = tmp.resolve("home");
        Path dir = folderPlugin(home.resolve("plugins"), true);
        Files.copy(BuiltShell.DIST.resolve("lib/classpath"), dir.resolve("lib/not-a-plugin.txt"));
        BuiltShell.Result r = BuiltShell.run(home, null, "hello", "classes");
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello, classes\n", r.out());
    }

    /**
     * The contract comes from the shell even when a plugin bundles its own copy of the api jar: with PF4J's
     * plugin-first lookup the plugin's CommandPlugin would be another class and its command would not be found.
     */
    @Test
    void aFolderPluginThatBundlesTheApiStillUsesTheShells() throws Exception {
        Path home = tmp.resolve("home");
        Path dir = folderPlugin(home.resolve("plugins"), false);
        try (Stream<Path> lib = Files.list(BuiltShell.DIST.resolve("lib"))) {
            Path api = lib.filter(f -> f.getFileName().toString().startsWith("cms-api-")).findFirst().orElseThrow();
            Files.copy(api, dir.resolve("lib").resolve(api.getFileName()));
        }
        BuiltShell.Result r = BuiltShell.run(home, null, "hello", "contract");
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello, contract\n", r.out());
        assertEquals("", r.err(), r.toString());
    }

    @Test
    void aCorruptPluginIsReportedInOneLineAndTheShellStillWorks() throws Exception {
        Path home = tmp.resolve("home");
        Files.createDirectories(home.resolve("plugins"));
        Files.write(home.resolve("plugins/broken.jar"), new byte[] {'P', 'K', 3, 4, 0, 0, 1, 2, 3});
        BuiltShell.Result r = BuiltShell.run(home, null, "echo", "still", "here");
        assertEquals(0, r.status(), r.toString());
        assertEquals("still here\n", r.out());
        List<String> warnings = r.err().lines().toList();
        assertEquals(1, warnings.size(), r.toString());
        assertTrue(warnings.get(0).startsWith("WARNING: plugin ") && warnings.get(0).contains("broken.jar"), r.toString());
    }
}
