package org.cloudmesh.cms.api.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * scripts/testbed as its users meet it: status, an idempotent start, and the faults it must survive without harm
 * (a stale PID file never kills a stranger; a taken port names its holder).
 */
@Tag(TestbedSupport.INTEGRATION)
class TestbedScriptTest {
    TestbedSupport tb;
    Path script;

    record Run(int status, String output) {
    }

    @BeforeEach
    void testbed() throws Exception {
        tb = TestbedSupport.require();
        Path dir = Path.of("").toAbsolutePath();
        while (dir != null && !Files.isRegularFile(dir.resolve("scripts/testbed"))) {
            dir = dir.getParent();
        }
        assertTrue(dir != null, "scripts/testbed not found above " + Path.of("").toAbsolutePath());
        script = dir.resolve("scripts/testbed");
        assertEquals("0", run(Map.of(), "id", "-u").output().strip(), "the testbed script runs as root");
    }

    @Test
    void statusShowsEveryServiceUp() throws Exception {
        Run status = testbed(tb.dir(), "status");
        assertEquals(0, status.status(), status.output());
        List<String> services = new ArrayList<>(List.of("munge", "mariadb", "slurmdbd", "slurmctld"));
        tb.hosts().forEach(h -> services.add("slurmd-" + h));
        services.addAll(List.of("sshd", "libvirtd", "keeper"));
        if (tb.qemu()) {
            services.add("qemu-session");
        }
        List<String> lines = status.output().lines().toList();
        assertEquals(services.size(), lines.size(), status.output());
        for (int i = 0; i < services.size(); i++) {
            assertTrue(lines.get(i).matches(services.get(i) + " +up +\\d+.*"), lines.get(i));
        }
    }

    @Test
    void aSecondStartFindsEverythingHealthyAndStartsNothing() throws Exception {
        String before = testbed(tb.dir(), "status").output();
        Run start = testbed(tb.dir(), "start");
        assertEquals(0, start.status(), start.output());
        assertFalse(start.output().lines().anyMatch(l -> l.startsWith("testbed: started ")), start.output());
        assertTrue(start.output().contains("up in "), start.output());
        assertEquals(before, testbed(tb.dir(), "status").output(), "same processes before and after");
    }

    /** On a terminal virsh starts polkit's agent, which complains where no polkit runs: start must not show that. */
    @Test
    void startOnATerminalPrintsNoPolkitComplaint() throws Exception {
        // script(1) gives the start a terminal of its own, as a user's quickstart has
        Run start = run(Map.of("CMS_TESTBED", tb.dir().toString()), "script", "-qec", script + " start", "/dev/null");
        assertEquals(0, start.status(), start.output());
        assertTrue(start.output().contains("up in "), start.output());
        assertFalse(start.output().contains("Authorization not available"), start.output());
        assertFalse(start.output().contains("polkit"), start.output());
    }

    /** After a deliberate stop, status says the testbed is stopped (not that services are unhealthy). */
    @Test
    void statusAfterStopSaysStopped() throws Exception {
        Path other = Files.createTempDirectory(Path.of("/tmp"), "cms-tb-stopped-");
        try {
            Files.copy(tb.dir().resolve("settings"), other.resolve("settings"));
            Files.createFile(other.resolve(".cms-testbed"));
            Run stop = testbed(other, "stop");
            assertEquals(0, stop.status(), stop.output());
            Run status = testbed(other, "status");
            assertEquals(3, status.status(), status.output());
            assertTrue(status.output().matches("testbed: stopped \\(by 'scripts/testbed stop' at [0-9-]+ [0-9:]+ \\w+\\); "
                    + "'scripts/testbed start' starts it again\n"), status.output());
            assertFalse(status.output().contains("not healthy"), status.output());
            assertEquals(0, testbed(tb.dir(), "status").status(), "the real testbed is untouched");
        } finally {
            deleteTree(other);
        }
    }

    /** {@code eval "$(scripts/testbed env)"} gives a plain shell the testbed's Slurm. */
    @Test
    void envGivesTheUsersOwnShellTheTestbedsSlurm() throws Exception {
        Run env = testbed(tb.dir(), "env");
        assertEquals(0, env.status(), env.output());
        assertTrue(env.output().contains("export SLURM_CONF='" + tb.dir().resolve("slurm/slurm.conf") + "'\n"), env.output());
        // a clean environment, as a new login shell has: no SLURM_CONF, no CMS_TESTBED
        Run squeue = run(Map.of(), "env", "-i", "PATH=/usr/local/bin:/usr/bin:/bin", "HOME=/root", "bash", "-c",
                "export CMS_TESTBED='" + tb.dir() + "'; eval \"$(\"$1\" env)\" && unset CMS_TESTBED && "
                        + "squeue -h -o %i >/dev/null && sinfo -h -o %P", "env-test", script.toString());
        assertEquals(0, squeue.status(), squeue.output());
        assertTrue(squeue.output().contains(tb.partition()), squeue.output());
        Run none = testbed(Path.of("/tmp/cms-tb-never-made"), "env");
        assertEquals(1, none.status(), none.output());
        assertEquals("testbed: no testbed in /tmp/cms-tb-never-made (run scripts/testbed start)\n", none.output());
    }

    @Test
    void stopWithStalePidFilesKillsNoStranger() throws Exception {
        Path other = Files.createTempDirectory(Path.of("/tmp"), "cms-tb-stale-");
        Process stranger = new ProcessBuilder("sleep", "300").start();
        try {
            Files.createDirectories(other.resolve("run"));
            // a PID reused by an unrelated program, a PID of the *real* testbed's sshd (same program, same user,
            // but another testbed), and a PID that no longer exists
            String realSshd = Files.readString(tb.dir().resolve("run/sshd.pid")).strip();
            Files.writeString(other.resolve("run/sshd.pid"), realSshd + "\n");
            Files.writeString(other.resolve("run/libvirtd.pid"), stranger.pid() + "\n");
            Process gone = new ProcessBuilder("true").start();
            gone.waitFor();
            Files.writeString(other.resolve("run/slurmctld.pid"), gone.pid() + "\n");

            Run stop = testbed(other, "stop");
            assertEquals(0, stop.status(), stop.output());
            assertTrue(stop.output().contains("sshd: stale PID file " + other.resolve("run/sshd.pid") + ": pid "
                    + realSshd + " is not our sshd"), stop.output());
            assertTrue(stop.output().contains("libvirtd: stale PID file " + other.resolve("run/libvirtd.pid")
                    + ": pid " + stranger.pid() + " is not our libvirtd"), stop.output());
            assertTrue(stop.output().contains("slurmctld: stale PID file " + other.resolve("run/slurmctld.pid")
                    + " (pid " + gone.pid() + " is gone)"), stop.output());
            assertFalse(stop.output().lines().anyMatch(l -> l.matches("testbed: stopped \\S+ \\(pid \\d+\\)")),
                    "nothing was stopped: " + stop.output());

            assertTrue(stranger.isAlive(), "the stranger was not killed");
            assertEquals(0, testbed(tb.dir(), "status").status(), "the real testbed is untouched");
            try (Stream<Path> files = Files.list(other.resolve("run"))) {
                assertEquals(List.of(), files.toList(), "the stale PID files are removed");
            }
        } finally {
            stranger.destroyForcibly();
            deleteTree(other);
        }
    }

    @Test
    void aTakenPortNamesItsHolderAndTheWayOut() throws Exception {
        // the check start runs before it launches sshd, pointed at the port the running sshd holds
        Run r = run(Map.of("CMS_TESTBED", tb.dir().toString()), "bash", "-c",
                "source \"$1\"; check_port " + tb.sshPort() + " sshd 'scripts/testbed start --ssh-port <port>'",
                "port-check", script.toString());
        assertEquals(1, r.status(), r.output());
        String sshdPid = Files.readString(tb.dir().resolve("run/sshd.pid")).strip();
        assertTrue(r.output().startsWith("testbed: port " + tb.sshPort() + " (sshd) is already in use by pid "
                + sshdPid + ", user root: sshd: /usr/sbin/sshd"), r.output());
        assertTrue(r.output().contains("choose another port: scripts/testbed start --ssh-port <port>"), r.output());
    }

    private Run testbed(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add(script.toString());
        command.addAll(List.of(args));
        return run(Map.of("CMS_TESTBED", dir.toString()), command.toArray(new String[0]));
    }

    private static Run run(Map<String, String> env, String... command) throws IOException, InterruptedException {
        ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
        pb.environment().putAll(env);
        Process p = pb.start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), String.join(" ", command) + " finished");
        return new Run(p.exitValue(), new String(out, StandardCharsets.UTF_8));
    }

    private static void deleteTree(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(dir)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
