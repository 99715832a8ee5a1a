package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cloudmesh.cms.api.BuiltShell;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The plugin lifecycle in a real cms process (which ends with halt(), skipping exit hooks): what a plugin registers
 * with the context's close hook is closed once, the last registered first, on the way out of every mode.
 */
class LifecycleTest {
    @TempDir
    Path tmp;
    Path home;

    /** 'hold' opens two resources that write "closed NAME" to $CLOUDMESH_HOME/closed.txt; the routes one more. */
    static final String SOURCE = """
            package org.example.hold;

            import java.nio.file.Files;
            import java.nio.file.StandardOpenOption;
            import java.util.List;
            import java.util.concurrent.Callable;
            import org.cloudmesh.cms.api.CommandPlugin;
            import org.cloudmesh.cms.api.Context;
            import org.cloudmesh.cms.api.rest.RestApi;
            import org.cloudmesh.cms.api.rest.RestRoutes;
            import org.pf4j.Extension;
            import picocli.CommandLine.Command;

            public class HoldPlugin {
                static AutoCloseable resource(Context ctx, String name) {
                    return () -> Files.writeString(ctx.home().resolve("closed.txt"), "closed " + name + "\\n",
                            StandardOpenOption.CREATE, StandardOpenOption.APPEND);
                }

                @Extension
                public static class Commands implements CommandPlugin {
                    public List<Object> commands(Context ctx) {
                        return List.of(new Hold(ctx));
                    }
                }

                @Extension
                public static class Routes implements RestRoutes {
                    public void routes(RestApi api, Context ctx) {
                        ctx.onClose(resource(ctx, "routes"));
                    }
                }

                @Command(name = "hold", description = "Opens two resources until the shell ends.")
                public static class Hold implements Callable<Integer> {
                    private final Context ctx;
                    private boolean open;
                    public Hold(Context ctx) { this.ctx = ctx; }
                    public Integer call() {
                        if (!open) {
                            ctx.onClose(resource(ctx, "first"));
                            ctx.onClose(resource(ctx, "second"));
                            open = true;
                        }
                        ctx.out().println("holding");
                        return 0;
                    }
                }
            }
            """;

    @BeforeEach
    void plugin() throws IOException {
        home = tmp.resolve("home");
        TestPluginJar.build(tmp, "org.example.hold.HoldPlugin", SOURCE, "hold", "1.0.0",
                List.of("org.example.hold.HoldPlugin$Commands", "org.example.hold.HoldPlugin$Routes"),
                home.resolve("plugins/hold-plugin.jar"));
    }

    private String closed() throws IOException {
        Path f = home.resolve("closed.txt");
        return Files.exists(f) ? Files.readString(f) : "";
    }

    @Test
    void oneShotClosesWhatTheCommandOpenedLastFirst() throws Exception {
        BuiltShell.Result r = BuiltShell.run(home, null, "hold");
        assertEquals(0, r.status(), r.toString());
        assertEquals("holding\n", r.out());
        assertEquals("closed second\nclosed first\n", closed());
    }

    @Test
    void pipedInputClosesOnceAtTheEndAndAlsoWhenALineFails() throws Exception {
        BuiltShell.Result r = BuiltShell.run(home, "hold\nhold\nset x=1\n", (String[]) new String[0]);
        assertEquals(0, r.status(), r.toString());
        assertEquals("closed second\nclosed first\n", closed(), "closed once, after the last line");
        assertTrue(Files.readString(home.resolve("variables.yaml")).contains("x: '1'"), "the variable store is closed too");

        Files.delete(home.resolve("closed.txt"));
        BuiltShell.Result failed = BuiltShell.run(home, "hold\nnosuchcommand\necho never\n", (String[]) new String[0]);
        assertEquals(1, failed.status(), failed.toString());
        assertEquals("closed second\nclosed first\n", closed(), "a script that stops at a failure closes too");
    }

    @Test
    void aScriptFileClosesToo() throws Exception {
        Path script = tmp.resolve("run.cms");
        Files.writeString(script, "hold\necho done\n");
        BuiltShell.Result r = BuiltShell.run(home, null, script.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals("holding\ndone\n", r.out());
        assertEquals("closed second\nclosed first\n", closed());
    }

    @Test
    void aStoppedServerClosesWhatItsRoutesOpened() throws Exception {
        BuiltShell.Result start = BuiltShell.run(home, null, "server", "start", "--port", "0");
        assertEquals(0, start.status(), start.toString());
        assertEquals("", closed(), "the server runs: nothing is closed yet");
        BuiltShell.Result stop = BuiltShell.run(home, null, "server", "stop");
        assertEquals(0, stop.status(), stop.toString());
        assertEquals("closed routes\n", closed(), "SIGTERM closes the server's context");
    }
}
