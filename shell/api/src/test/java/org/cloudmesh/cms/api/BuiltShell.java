package org.cloudmesh.cms.api;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs the built distribution (build/cms/bin/cms, made by scripts/build) as a user would: its own process, its own
 * CLOUDMESH_HOME, arguments and optionally a script piped into it. Shared by the tests of the shell and the plugins.
 */
public final class BuiltShell {
    /** From a module folder (shell/app, plugins/x) the distribution is two levels up; -Dcms.dist overrides. */
    public static final Path DIST = Path.of(System.getProperty("cms.dist", "../../build/cms")).toAbsolutePath().normalize();

    private BuiltShell() {}

    public record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    public static Path launcher() {
        Path bin = DIST.resolve("bin/cms");
        assertTrue(Files.isExecutable(bin), "the distribution is not built: run scripts/build (looked for " + bin + ")");
        return bin;
    }

    /** Fails the test when the distribution lacks a plugin (a folder plugin or a jar named after it). */
    public static void requirePlugin(String id) {
        Path plugins = DIST.resolve("plugins");
        boolean found = Files.isDirectory(plugins.resolve(id));
        try (var jars = Files.list(plugins)) {
            found |= jars.anyMatch(j -> j.getFileName().toString().startsWith("cms-plugin-" + id + "-"));
        } catch (IOException e) {
            found = false;
        }
        assertTrue(found, "build/cms has no " + id + " plugin: run scripts/build");
    }

    /** Runs cms with CLOUDMESH_HOME=home; {@code stdin} is piped in, or /dev/null when null. */
    public static Result run(Path home, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("CLOUDMESH_HOME", home.toString());
        pb.environment().remove("CMS_DEBUG");
        // cms runs on the JDK that runs the tests (Java 17 in the build), not on the newer JDK the launcher
        // prefers when it has an AOT cache for it: LauncherTest covers that choice
        pb.environment().putIfAbsent("JAVA_HOME", System.getProperty("java.home"));
        Path out = Files.createTempFile("cms-out", ".txt");
        Path err = Files.createTempFile("cms-err", ".txt");
        try {
            pb.redirectOutput(out.toFile()).redirectError(err.toFile());
            if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
            Process p = pb.start();
            if (stdin != null) {
                try (var in = p.getOutputStream()) {
                    in.write(stdin.getBytes(StandardCharsets.UTF_8));
                }
            }
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new AssertionError("cms did not finish within 120 s: " + cmd);
            }
            return new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        } finally {
            Files.deleteIfExists(out);
            Files.deleteIfExists(err);
        }
    }
}
