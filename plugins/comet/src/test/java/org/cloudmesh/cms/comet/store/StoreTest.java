package org.cloudmesh.cms.comet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class StoreTest {
    @TempDir
    Path tmp;

    static Store.ClusterSpec spec(String name, int computes, String... allocations) {
        return new Store.ClusterSpec(name, "local", "proj", "a test", "alice", List.of(allocations), computes, 2, 2048, 20,
                4, 4096, 40);
    }

    /** Each cluster's private network gets its own block of UDP ports (2 a compute node), kept across setups. */
    @Test
    void stacksGetDisjointPortBlocksThatTheyKeep() {
        try (Store s = Store.open(tmp.resolve("comet.db"))) {
            s.createCluster(spec("vc1", 3));
            s.createCluster(spec("vc2", 2));
            s.createCluster(spec("vc3", 2));
            assertTrue(s.stack("vc1").isEmpty());
            Store.Stack a = s.setStack("vc1", "slurm", 6, 10000, 10013, p -> true);
            assertEquals(new Store.Stack("slurm", 10000), a);
            // 10006 is held by something else on the machine: vc2's block starts after it
            Store.Stack b = s.setStack("vc2", "slurm", 4, 10000, 10013, p -> p != 10006);
            assertEquals(10008, b.lanPort());
            assertEquals(a, s.setStack("vc1", "slurm", 6, 10000, 10013, p -> false), "a cluster keeps its block");
            CmsException full = assertThrows(CmsException.class, () -> s.setStack("vc3", "slurm", 4, 10000, 10013, p -> true));
            assertTrue(full.getMessage().contains("no 4 free UDP ports"), full.getMessage());
            assertTrue(s.stack("vc3").isEmpty(), "nothing recorded");
        }
    }

    @Test
    void clusterGetsFrontendAndComputesWithUniqueMacsAndIps() {
        try (Store s = Store.open(tmp.resolve("comet.db"))) {
            s.createCluster(spec("vc1", 3, "cmsproj"));
            s.createCluster(spec("vc2", 300, "a", "b"));
            List<Node> vc1 = s.nodes("vc1");
            assertEquals(List.of("vc1", "vm-vc1-0", "vm-vc1-1", "vm-vc1-2"), vc1.stream().map(Node::name).toList());
            assertTrue(vc1.get(0).frontend());
            assertEquals("10.0.0.1", vc1.get(0).ip());
            assertEquals("10.0.0.2", vc1.get(1).ip());
            assertEquals("10.0.1.45", s.node("vc2", "vm-vc2-299").orElseThrow().ip());
            Set<String> macs = new HashSet<>();
            for (Node n : s.nodes((List<String>) null)) {
                assertTrue(macs.add(n.mac()), "duplicate MAC " + n.mac());
                if (n.pubMac() != null) assertTrue(macs.add(n.pubMac()));
                assertTrue(n.mac().matches("52:54:00:[0-9a-f]{2}:[0-9a-f]{2}:[0-9a-f]{2}"), n.mac());
            }
            assertEquals(2 + 4 + 301, macs.size());
            assertEquals(List.of("a", "b"), s.cluster("vc2").orElseThrow().allocations());
            CmsException dup = assertThrows(CmsException.class, () -> s.createCluster(spec("vc1", 1)));
            assertTrue(dup.getMessage().contains("already exists"), dup.getMessage());
        }
    }

    @Test
    void theDatabaseAndItsJournalFilesArePrivate() throws Exception {
        Path db = tmp.resolve("comet.db");
        try (Store s = Store.open(db)) {
            s.createCluster(spec("vc1", 1, "p"));
            for (String f : List.of("comet.db", "comet.db-wal", "comet.db-shm")) {
                assertEquals("rw-------", java.nio.file.attribute.PosixFilePermissions.toString(
                        java.nio.file.Files.getPosixFilePermissions(tmp.resolve(f))), f);
            }
        }
    }

    @Test
    void readersRunSideBySideAndSeeCommittedChanges() throws Exception {
        try (Store s = Store.open(tmp.resolve("comet.db"))) {
            s.createCluster(spec("vc1", 2, "p"));
            java.util.concurrent.CountDownLatch both = new java.util.concurrent.CountDownLatch(2);
            java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(2);
            try {
                List<java.util.concurrent.Future<Integer>> reads = new ArrayList<>();
                for (int i = 0; i < 2; i++) {
                    reads.add(pool.submit(() -> s.read(c -> {
                        both.countDown(); // a second reader gets in while the first still holds its connection
                        try {
                            assertTrue(both.await(10, TimeUnit.SECONDS), "the readers queued behind each other");
                        } catch (InterruptedException e) {
                            throw new IllegalStateException(e);
                        }
                        return s.nodes("vc1").size();
                    })));
                }
                for (var r : reads) assertEquals(3, r.get(20, TimeUnit.SECONDS));
            } finally {
                pool.shutdownNow();
            }
            s.createCluster(spec("vc2", 1, "p"));
            assertEquals(2, s.nodes("vc2").size(), "a read after a change sees it");
        }
    }

    @Test
    void aNodeIsInOneActiveComputesetAtATime() {
        try (Store s = Store.open(tmp.resolve("comet.db"))) {
            s.createCluster(spec("vc1", 4, "p"));
            Computeset a = s.createComputeset("vc1", "local", List.of("vm-vc1-0", "vm-vc1-1"), 0, "p", 60, null);
            assertEquals(CsState.CREATED, a.state());
            assertEquals(List.of("vm-vc1-0", "vm-vc1-1"), a.nodes());
            CmsException busy = assertThrows(CmsException.class,
                    () -> s.createComputeset("vc1", "local", List.of("vm-vc1-1", "vm-vc1-2"), 0, "p", 60, null));
            assertTrue(busy.getMessage().startsWith("Some nodes are already in active computesets: vm-vc1-1"), busy.getMessage());
            assertEquals(1, s.count("computesets"), "a refused start changes nothing");
            Computeset b = s.createComputeset("vc1", "local", null, 2, "p", 60, null);
            assertEquals(List.of("vm-vc1-2", "vm-vc1-3"), b.nodes());
            assertThrows(CmsException.class, () -> s.createComputeset("vc1", "local", null, 1, "p", 60, null));
            CmsException unknown = assertThrows(CmsException.class,
                    () -> s.createComputeset("vc1", "local", List.of("vm-vc1-9", "vc1"), 0, "p", 60, null));
            assertTrue(unknown.getMessage().contains("no compute node vm-vc1-9, vc1"), unknown.getMessage());

            s.submitted(a.id(), "42");
            assertTrue(s.transition(a.id(), CsState.RUNNING, "RUNNING", null, "c[1-2]", 1000L, null));
            assertFalse(s.transition(a.id(), CsState.RUNNING, "RUNNING", null, "c[1-2]", 1000L, null), "no change, no write");
            s.placed(a.id(), "vc1", "vm-vc1-0", "c1");
            assertEquals("c1", s.node("vc1", "vm-vc1-0").orElseThrow().host());
            assertTrue(s.transition(a.id(), CsState.COMPLETED, "TIMEOUT", "walltime reached", null, null, 2000L));
            Computeset done = s.computeset(a.id()).orElseThrow();
            assertEquals(CsState.COMPLETED, done.state());
            assertEquals(1000L, done.startTime());
            assertEquals(2000L, done.endTime());
            assertEquals("42", done.jobId());
            assertNull(s.node("vc1", "vm-vc1-0").orElseThrow().computeset(), "a finished set releases its nodes");
            assertNull(s.node("vc1", "vm-vc1-0").orElseThrow().host());
            assertFalse(s.transition(a.id(), CsState.RUNNING, "RUNNING", null, null, null, null), "terminal is final");
            assertEquals(List.of("vm-vc1-0", "vm-vc1-1"), s.computeset(a.id()).orElseThrow().nodes(), "history keeps the nodes");
            List<String> events = s.events(a.id()).stream().map(Store.Event::event).toList();
            assertEquals(List.of("created", "submitted", "running", "placed", "completed"), events);

            CmsException del = assertThrows(CmsException.class, () -> s.deleteCluster("vc1"));
            assertTrue(del.getMessage().contains("has active computesets (" + b.id() + ")"), del.getMessage());
            s.transition(b.id(), CsState.CANCELLED, "CANCELLED", null, null, null, null);
            s.deleteCluster("vc1");
            assertEquals(0, s.count("nodes"));
        }
    }

    @Test
    void vfsComeFromTheHostPoolAndAreFreed() {
        try (Store s = Store.open(tmp.resolve("comet.db"))) {
            s.createCluster(spec("vc1", 3, "p"));
            List<String> pool = List.of("0000:3b:00.1", "0000:3b:00.2");
            assertEquals("0000:3b:00.1", s.allocateVf("local", "c1", pool, "vc1", "vm-vc1-0", null));
            assertEquals("0000:3b:00.1", s.allocateVf("local", "c1", pool, "vc1", "vm-vc1-0", null), "idempotent");
            assertEquals("0000:3b:00.2", s.allocateVf("local", "c1", pool, "vc1", "vm-vc1-1", null));
            Store.VfExhausted ex = assertThrows(Store.VfExhausted.class,
                    () -> s.allocateVf("local", "c1", pool, "vc1", "vm-vc1-2", null));
            assertTrue(ex.getMessage().contains("VF pool of host c1 is exhausted"), ex.getMessage());
            assertEquals("0000:3b:00.2", s.node("vc1", "vm-vc1-1").orElseThrow().vf());
            s.freeVf("vc1", "vm-vc1-0");
            assertEquals("0000:3b:00.1", s.allocateVf("local", "c1", pool, "vc1", "vm-vc1-2", null));
            assertEquals(Set.of("0000:3b:00.1", "0000:3b:00.2"), s.usedVfs("local").get("c1"));
        }
    }

    @Test
    void twoStoresOnOneFileLoseNoWrites() throws Exception {
        Path db = tmp.resolve("comet.db");
        try (Store a = Store.open(db); Store b = Store.open(db)) {
            List<Thread> threads = new ArrayList<>();
            for (Store s : List.of(a, b)) {
                String p = s == a ? "a" : "b";
                threads.add(new Thread(() -> {
                    for (int i = 0; i < 40; i++) s.createCluster(spec(p + i, 2, "x"));
                }));
            }
            threads.forEach(Thread::start);
            for (Thread t : threads) t.join();
            assertEquals(80, a.count("clusters"));
            assertEquals(80 * 3, b.count("nodes"));
        }
    }

    /** A writer process killed with SIGKILL in mid-stream leaves a store that opens and passes integrity_check. */
    @Test
    void killMinus9LeavesAStoreThatOpens() throws Exception {
        Path db = tmp.resolve("comet.db");
        Store.open(db).close();
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), Writer.class.getName(), db.toString())
                .redirectErrorStream(true).start();
        // let it write for a while, then kill it hard
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        try (Store s = Store.open(db)) {
            while (s.count("clusters") < 30 && System.nanoTime() < deadline) Thread.sleep(20);
        }
        p.destroyForcibly();
        p.waitFor();
        try (Store s = Store.open(db)) {
            assertTrue(s.count("clusters") >= 30);
            assertEquals(s.count("clusters") * 3, s.count("nodes"), "every cluster whole: no half-done write");
            assertEquals("ok", s.read(c -> {
                try (var st = c.createStatement(); var rs = st.executeQuery("PRAGMA integrity_check")) {
                    rs.next();
                    return rs.getString(1);
                }
            }));
        }
    }

    /** The process killed by {@link #killMinus9LeavesAStoreThatOpens}. */
    public static final class Writer {
        public static void main(String[] args) {
            try (Store s = Store.open(Path.of(args[0]))) {
                for (int i = 0; ; i++) s.createCluster(spec("w" + i, 2, "x"));
            }
        }
    }
}
