package org.cloudmesh.cms.app.vars;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.BuiltShell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Two real cms shells (the built distribution, with the set plugin) piping scripts of set at the same time. */
class TwoShellsTest {
    @TempDir
    Path home;

    @Test
    void twoShellsSettingDifferentVariablesAtOnceBothKeepTheirValues() throws Exception {
        Path cms = BuiltShell.launcher();
        int n = 100;
        List<Process> shells = new ArrayList<>();
        for (String prefix : List.of("left", "right")) {
            StringBuilder script = new StringBuilder();
            for (int i = 0; i < n; i++) script.append("set ").append(prefix).append(i).append("=\"value ").append(i).append("\"\n");
            Path file = home.resolve(prefix + ".cms");
            Files.writeString(file, script);
            ProcessBuilder pb = new ProcessBuilder(cms.toString()).redirectInput(file.toFile())
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .redirectError(home.resolve(prefix + ".err").toFile());
            pb.environment().put("CLOUDMESH_HOME", home.resolve("state").toString());
            shells.add(pb.start());
        }
        for (Process p : shells) {
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "cms finished");
            assertEquals(0, p.exitValue(), () -> read(home.resolve("left.err")) + read(home.resolve("right.err")));
        }
        Map<String, String> all = VariableStore.in(home.resolve("state")).all();
        assertEquals(2 * n, all.size(), all.keySet().toString());
        for (int i = 0; i < n; i++) {
            assertEquals("value " + i, all.get("left" + i));
            assertEquals("value " + i, all.get("right" + i));
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p);
        } catch (java.io.IOException e) {
            return "";
        }
    }
}
