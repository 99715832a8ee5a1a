package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The store survives two cms processes changing it at once: no lost change, never half a file. */
class ClusterStoreTest {
    @TempDir
    Path home;

    /** Run as a separate process: adds clusters PREFIX-0..N-1, each a read-modify-write of its own. */
    public static void main(String[] args) {
        ClusterStore store = new ClusterStore(Path.of(args[0]));
        for (int i = 0; i < Integer.parseInt(args[2]); i++) {
            String name = args[1] + "-" + i;
            store.update(m -> m.put(name, new Cluster(name, "c", "k", null, null, null, null, "u", 22, null, null, null, null, "ok",
                    List.of(new Member(name + "-manager", true, null, "running", null, null, null, null, null, null, null)))));
        }
    }

    @Test
    void twoProcessesWritingAtOnceLoseNothing() throws Exception {
        List<Process> ps = new ArrayList<>();
        for (String prefix : List.of("a", "b")) {
            ps.add(new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-cp",
                    System.getProperty("java.class.path"), ClusterStoreTest.class.getName(), home.toString(), prefix, "40")
                    .inheritIO().start());
        }
        ClusterStore store = new ClusterStore(home);
        int reads = 0;
        while (ps.stream().anyMatch(Process::isAlive)) {
            store.all(); // a reader never sees half a file (it would fail to parse)
            reads++;
        }
        for (Process p : ps) {
            assertTrue(p.waitFor(60, TimeUnit.SECONDS));
            assertEquals(0, p.exitValue());
        }
        assertEquals(80, store.all().size(), "every change of both processes is kept");
        assertEquals("a-39-manager", store.get("a-39").orElseThrow().manager().orElseThrow().name());
        assertTrue(reads > 0);
        assertTrue(Files.readString(home.resolve("cluster/clusters.yaml")).startsWith("clusters:\n"));
    }
}
