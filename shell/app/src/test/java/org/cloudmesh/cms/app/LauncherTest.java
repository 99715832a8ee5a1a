package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.BuiltShell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * bin/cms's choice of JDK: the one of its AOT cache (lib/aot-java, made by scripts/build when a JDK 25+ is
 * installed) unless JAVA_HOME names another; on either, a command says nothing on stderr.
 */
class LauncherTest {
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
    }

    Run cms(String javaHome, String stdin, String... args) throws Exception {
        ProcessBuilder pb = new ProcessBuilder(
                java.util.stream.Stream.concat(java.util.stream.Stream.of(BuiltShell.launcher().toString()),
                        java.util.stream.Stream.of(args)).toList());
        pb.environment().put("CLOUDMESH_HOME", tmp.resolve("home").toString());
        pb.environment().remove("CMS_DEBUG");
        if (javaHome == null) pb.environment().remove("JAVA_HOME");
        else pb.environment().put("JAVA_HOME", javaHome);
        File out = tmp.resolve("out").toFile();
        File err = tmp.resolve("err").toFile();
        pb.redirectOutput(out).redirectError(err);
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cms did not finish");
        return new Run(p.exitValue(), Files.readString(out.toPath()), Files.readString(err.toPath()));
    }

    /** The JDK the launcher prefers: its AOT cache's, else the one on PATH (or JAVA_HOME). */
    static String preferredVersion() throws Exception {
        Path aotJava = BuiltShell.DIST.resolve("lib/aot-java");
        String java = Files.isRegularFile(aotJava) ? Files.readString(aotJava).strip() : "java";
        Process p = new ProcessBuilder(java, "-version").redirectErrorStream(true).start();
        String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
        p.waitFor();
        return first.replaceFirst(".*version \"([^\"]*)\".*", "$1");
    }

    @Test
    void runsOnThePreferredJdkAndSaysNothingOnStderr() throws Exception {
        Run v = cms(null, null, "version");
        assertEquals(0, v.status(), v.toString());
        assertTrue(v.out().startsWith("cms 0.1.0 (Java " + preferredVersion()), v.toString());
        assertEquals("", v.err(), v.toString());
        Run s = cms(null, "set x=1\necho $x\nadmin user list\n");
        assertEquals(0, s.status(), s.toString());
        assertEquals(List.of("x='1'", "1"), s.out().lines().limit(2).toList(), s.toString());
        assertEquals("", s.err(), s.toString());
    }

    @Test
    void javaHomeChoosesTheJdk() throws Exception {
        Run v = cms(System.getProperty("java.home"), null, "version");
        assertEquals(0, v.status(), v.toString());
        assertTrue(v.out().startsWith("cms 0.1.0 (Java " + Runtime.version()), v.toString());
        assertEquals("", v.err(), v.toString());
    }
}
