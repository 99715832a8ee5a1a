package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs the built distribution (build/cms/bin/cms) as a user would, with its own CLOUDMESH_HOME. */
final class Dist {
    static final Path DIST = Path.of(System.getProperty("cms.dist", "../../build/cms")).toAbsolutePath().normalize();

    record Result(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- stdout\n" + out + "--- stderr\n" + err;
        }
    }

    static Path launcher() {
        Path bin = DIST.resolve("bin/cms");
        assertTrue(Files.isExecutable(bin), "the distribution is not built: run scripts/build (looked for " + bin + ")");
        return bin;
    }

    static Result run(Path home, String stdin, String... args) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(launcher().toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb = new ProcessBuilder(cmd);
        pb.environment().put("CLOUDMESH_HOME", home.toString());
        pb.environment().remove("CMS_DEBUG");
        Path out = Files.createTempFile("cms-out", ".txt");
        Path err = Files.createTempFile("cms-err", ".txt");
        pb.redirectOutput(out.toFile());
        pb.redirectError(err.toFile());
        if (stdin == null) pb.redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null")));
        Process p = pb.start();
        if (stdin != null) {
            try (var in = p.getOutputStream()) {
                in.write(stdin.getBytes(StandardCharsets.UTF_8));
            }
        }
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "cms did not finish within 60 s: " + cmd);
        Result r = new Result(p.exitValue(), Files.readString(out), Files.readString(err));
        Files.delete(out);
        Files.delete(err);
        return r;
    }
}
