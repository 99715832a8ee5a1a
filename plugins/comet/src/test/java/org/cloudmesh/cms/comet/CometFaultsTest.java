package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * Issue 4's faults against the real testbed, without disturbing the shared daemons: sshd going down is a private
 * sshd (the testbed's config on another port) that the test starts and kills by PID; a slurmctld restart is what
 * the client sees of one (Slurm's commands failing with Slurm's own message for a while, through a shim directory
 * named by the endpoint's {@code slurm.bin}); {@code kill -9} hits the built shell in the middle of
 * {@code comet start}; Slurm's refusals come from the real slurmctld (a made-up account, and a test-only partition
 * whose MaxTime is below the walltime).
 */
@Tag("integration")
class CometFaultsTest {
    static TestbedSupport tb;
    static SshClient ssh;
    static Connect observer;

    @TempDir
    Path home;
    TestContext cms;
    String vc;
    final List<AutoCloseable> closers = new ArrayList<>();

    @BeforeAll
    static void testbed() throws LibvirtException {
        tb = TestbedSupport.require();
        ssh = new SshClient(tb.knownHosts()); // pins this testbed's sshd key (a fixed file would outlive a testbed)
        observer = new Connect(tb.libvirtUri());
    }

    @AfterAll
    static void close() throws LibvirtException {
        if (ssh != null) ssh.close();
        if (observer != null) observer.close();
    }

    @BeforeEach
    void shell() throws Exception {
        cms = new TestContext(home.resolve("cms"));
        cms.importFile(tb.fragment());
        vc = "ft" + Integer.toString(new Random().nextInt(1 << 30), 36);
    }

    @AfterEach
    void cleanUp() throws Exception {
        // whatever happened: no job of this test's cluster left in Slurm, no domain left in libvirt
        remote("squeue -h -u " + tb.user() + " -o '%i %j' | awk '$2 ~ /^cms-" + vc
                + "-/ {print $1}' | xargs -r scancel 2>/dev/null; true");
        for (Domain d : observer.listAllDomains(0)) {
            String n = d.getName();
            if (!n.equals(vc) && !n.startsWith("vm-" + vc + "-")) continue;
            if (d.isActive() == 1) d.destroy();
            d.undefine();
        }
        for (int i = closers.size() - 1; i >= 0; i--) closers.get(i).close();
        cms.close();
    }

    static ExecResult remote(String command) {
        return ssh.exec(tb.target(), command, Duration.ofSeconds(30));
    }

    /** Live jobs (pending or running) of this test's cluster, as Slurm itself lists them. */
    List<String> liveJobs() {
        String out = remote("squeue -h -u " + tb.user() + " -t PD,R,CF -o '%i %j %T'").stdout().strip();
        return out.lines().filter(l -> l.split(" ")[1].startsWith("cms-" + vc + "-")).toList();
    }

    List<String> running() throws LibvirtException {
        List<String> out = new ArrayList<>();
        for (Domain d : observer.listAllDomains(1)) {
            String n = d.getName();
            if (n.equals(vc) || n.startsWith("vm-" + vc + "-")) out.add(n);
        }
        return out;
    }

    void ok(String... words) {
        int rc = cms.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + cms.printed() + cms.errText());
    }

    String fails(String... words) {
        int rc = cms.run(words);
        assertEquals(1, rc, String.join(" ", words) + " should fail:\n" + cms.printed() + cms.errText());
        String all = cms.errText().strip();
        String err = all.substring(all.lastIndexOf('\n') + 1);
        assertTrue(err.startsWith("ERROR: "), all);
        assertFalse(all.contains("\tat "), all);
        return err;
    }

    List<Computeset> sets() {
        return cms.service().store().computesets(new Store.CsFilter(null, vc, null, null));
    }

    Computeset set(long id) {
        return cms.service().store().computeset(id).orElseThrow();
    }

    // ---- sshd down ------------------------------------------------------------------------------------------

    @Test
    void sshdDownIsAClearErrorReadsRetryAndNoWriteIsHalfDone() throws Exception {
        PrivateSshd sshd = new PrivateSshd(home.resolve("sshd"));
        closers.add(sshd);
        sshd.start();
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        slurm:\n          port: " + sshd.port + "\n");
        ok("cluster", "create", vc, "--computes", "2");
        ok("start", vc, "vm-" + vc + "-0", "--walltime", "5m", "--wait");
        Computeset cs = sets().get(0);
        assertEquals(CsState.RUNNING, cs.state());

        sshd.kill();   // the login host's sshd dies, with the connection cms holds
        long t0 = System.nanoTime();
        ok("computeset");
        double s = (System.nanoTime() - t0) / 1e9;
        String warn = cms.errText();
        assertTrue(warn.startsWith("WARNING: cannot reach the Slurm login host"), warn);
        assertTrue(warn.contains("port " + sshd.port + ": connection refused") && warn.contains("(5 tries over"), warn);
        assertTrue(warn.strip().endsWith("computeset states may be stale"), warn);
        assertTrue(s >= 3.5, "retried with backoff before giving up: " + s + " s");
        assertTrue(cms.printed().contains("| " + cs.id() + " "), "the listing still shows the store: " + cms.printed());
        assertEquals(CsState.RUNNING, set(cs.id()).state());

        // writes: terminate changes nothing anywhere; a new start is not submitted and leaves its node free
        String err = fails("terminate", String.valueOf(cs.id()));
        assertTrue(err.contains("cannot reach the Slurm login host"), err);
        assertEquals(CsState.RUNNING, set(cs.id()).state());
        assertEquals(List.of("vm-" + vc + "-0"), running(), "the VM was not stopped for a job that still runs");
        assertEquals(1, liveJobs().size(), liveJobs().toString());
        err = fails("start", vc, "vm-" + vc + "-1", "--walltime", "5m");
        assertTrue(err.contains("computeset " + (cs.id() + 1) + " was not submitted (nothing changed in Slurm)"), err);
        Computeset second = set(cs.id() + 1);
        assertEquals(CsState.FAILED, second.state());
        assertNull(cms.service().store().node(vc, "vm-" + vc + "-1").orElseThrow().computeset(), "node free again");
        assertEquals(1, liveJobs().size(), "no second job: " + liveJobs());

        // sshd comes back while a read waits between its tries: the command succeeds, without a warning
        Thread back = new Thread(() -> {
            try {
                Thread.sleep(600);
                sshd.start();
            } catch (Exception x) {
                throw new IllegalStateException(x);
            }
        });
        back.start();
        ok("computeset");
        back.join();
        assertEquals("", cms.errText(), "recovered within the retries");
        ok("terminate", String.valueOf(cs.id()));
        assertEquals(CsState.CANCELLED, set(cs.id()).state());
        assertEquals(List.of(), running());
        assertEquals(List.of(), liveJobs());
    }

    // ---- slurmctld restarting -----------------------------------------------------------------------------------

    @Test
    void slurmControllerAwayWhileASetRunsIsRiddenOutAndRecoveredOnTheNextCommand() throws Exception {
        Shim shim = new Shim();
        closers.add(shim);
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        slurm:\n          bin: " + shim.dir + "\n");
        ok("cluster", "create", vc, "--computes", "1");
        ok("start", vc, "--count", "1", "--walltime", "5m", "--wait");
        Computeset cs = sets().get(0);
        assertEquals(CsState.RUNNING, cs.state());
        assertTrue(shim.calls("sbatch") == 1 && shim.calls("squeue") > 0, "Slurm's commands ran from slurm.bin");

        // a short restart: squeue fails twice, the third try answers
        int before = shim.calls("squeue");
        shim.fail("squeue", 2);
        ok("computeset");
        assertEquals("", cms.errText());
        assertEquals(before + 3, shim.calls("squeue"));
        assertEquals(CsState.RUNNING, set(cs.id()).state());

        // a long one: the listing warns with Slurm's words and changes nothing (the VMs keep running)
        shim.fail("squeue", 1000);
        shim.fail("sacct", 1000);
        ok("computeset");
        String warn = cms.errText();
        assertTrue(warn.startsWith("WARNING: squeue on " + tb.user() + "@") && warn.contains(
                "failed: squeue: error: slurm_load_jobs error: Unable to contact slurm controller (connect failure)"), warn);
        assertEquals(CsState.RUNNING, set(cs.id()).state());
        assertEquals(List.of("vm-" + vc + "-0"), running());

        // meanwhile the job ends (cancelled by an operator); when Slurm answers again, the next command sees it
        remote("scancel " + cs.jobId());
        // Slurm shows the job COMPLETING for a moment after scancel; the test waits until it is really gone
        for (long end = System.currentTimeMillis() + 15_000; System.currentTimeMillis() < end; Thread.sleep(200)) {
            String st = remote("squeue -h -j " + cs.jobId() + " -o %T").stdout().strip();
            if (st.isEmpty() || st.equals("CANCELLED")) break;
        }
        shim.fail("squeue", 0);
        shim.fail("sacct", 0);
        ok("computeset", "--state", "all");
        Computeset now = set(cs.id());
        assertEquals(CsState.CANCELLED, now.state(), now.toString());
        assertEquals(List.of(), running());
        for (Node n : cms.service().store().nodes(vc)) assertNull(n.vf(), n.name() + " VF freed");
    }

    // ---- slurmctld down -----------------------------------------------------------------------------------------

    /**
     * slurmctld not listening at all (Slurm's commands pointed at a port where none listens): squeue alone would
     * retry for about 9 s a call, 95 s over cms's tries; the listing waits slurm.timeout, names the controller, and
     * shows the store marked stale, as it does when sshd is down.
     */
    @Test
    void slurmControllerDownCostsSlurmTimeoutNamesItAndListsTheStore() throws Exception {
        DeadController dead = new DeadController(tb.slurmConf());
        closers.add(dead);
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        slurm:\n          bin: " + dead.dir
                + "\n          timeout: 3s\n");
        ok("cluster", "create", vc, "--computes", "1");
        ok("start", vc, "--count", "1", "--walltime", "5m", "--wait");
        Computeset cs = sets().get(0);
        assertEquals(CsState.RUNNING, cs.state());

        dead.down(true);
        long t0 = System.nanoTime();
        ok("computeset");
        double s = (System.nanoTime() - t0) / 1e9;
        String warn = cms.errText().strip();
        assertTrue(s < 7, "bounded by slurm.timeout (3s): " + s + " s; " + warn);
        assertTrue(warn.startsWith("WARNING: squeue on " + tb.user() + "@127.0.0.1:" + tb.sshPort() + " failed: "), warn);
        assertTrue(warn.contains("no answer from Slurm within 3 s (slurm.timeout 3s)")
                || warn.contains("Unable to contact slurm controller"), warn);
        assertTrue(warn.matches("(?s).*; slurmctld \\(primary\\) at \\S+ is DOWN; computeset states may be stale"), warn);
        assertEquals(1, warn.lines().count(), warn);
        assertTrue(cms.printed().contains("| " + cs.id() + " "), "the listing still shows the store: " + cms.printed());
        assertEquals(CsState.RUNNING, set(cs.id()).state());
        assertEquals(List.of("vm-" + vc + "-0"), running(), "the VM keeps running");

        dead.down(false);
        ok("terminate", String.valueOf(cs.id()));
        assertEquals(CsState.CANCELLED, set(cs.id()).state());
    }

    /** Slurm's commands for the testbed user that, once down(true), use a slurm.conf whose controller port is dead. */
    static final class DeadController implements AutoCloseable {
        final Path dir;

        DeadController(Path slurmConf) throws IOException {
            dir = Files.createTempDirectory(Path.of("/tmp"), "cms-dead-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            int port;
            try (ServerSocket free = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = free.getLocalPort();   // closed again: nothing listens there
            }
            Path conf = Files.writeString(dir.resolve("slurm.conf"),
                    Files.readString(slurmConf).replaceAll("(?m)^SlurmctldPort=.*$", "SlurmctldPort=" + port));
            Files.setPosixFilePermissions(conf, PosixFilePermissions.fromString("rw-r--r--"));
            for (String c : Shim.COMMANDS) {
                Path f = Files.writeString(dir.resolve(c), "#!/bin/sh\n[ -f " + dir + "/down ] && export SLURM_CONF=" + conf
                        + "\nexec /usr/bin/" + c + " \"$@\"\n");
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        }

        void down(boolean down) throws IOException {
            if (down) Files.writeString(dir.resolve("down"), "");
            else Files.deleteIfExists(dir.resolve("down"));
        }

        @Override
        public void close() throws IOException {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }

    // ---- kill -9 in the middle of start -------------------------------------------------------------------------

    @Test
    void killMinus9OfTheShellDuringStartIsFinishedByTheNextCommandAndCleanedUp() throws Exception {
        Path bin = BuiltShell.launcher();
        Shim shim = new Shim();
        closers.add(shim);
        shim.sleep("sbatch", 2);   // sbatch is slow: cms dies while it is in flight, the job appears after
        Path yaml = home.resolve("bin.yaml");
        Files.writeString(yaml, "cloudmesh:\n  comet:\n    endpoints:\n      local:\n        slurm:\n          bin: " + shim.dir + "\n");
        shell("config", "import", tb.fragment().toString());
        shell("config", "import", yaml.toString());
        shell("comet", "cluster", "create", vc, "--computes", "1");

        ProcessBuilder pb = new ProcessBuilder(bin.toString(), "comet", "start", vc, "--count", "1", "--walltime", "5m", "--wait")
                .redirectErrorStream(true).redirectOutput(home.resolve("start.txt").toFile())
                .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")));
        pb.environment().put("CLOUDMESH_HOME", home.resolve("dist-home").toString());
        Process start = pb.start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (shim.calls("sbatch") == 0 && start.isAlive() && System.nanoTime() < deadline) Thread.sleep(20);
        assertEquals(1, shim.calls("sbatch"), "sbatch started: " + Files.readString(home.resolve("start.txt")));
        kill9(start);
        assertEquals(List.of(), liveJobs(), "killed before sbatch returned");

        // the next commands find the set, adopt the job once Slurm has it, and start its node
        String out = "";
        deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (System.nanoTime() < deadline) {
            out = shell("comet", "computeset", "1", "--output", "csv");
            if (out.contains(",running,") && running().size() == 1) break;
            Thread.sleep(500);
        }
        assertTrue(out.startsWith("id,cluster,state,allocation,job,walltime,start,end,reason,node,node_state,host,mac,vf,cpus,memory\n"), out);
        assertTrue(out.contains("\n1," + vc + ",running,cmsproj,"), out);
        assertTrue(out.contains(",vm-" + vc + "-0,active,c"), "one row per node, with its host: " + out);
        assertEquals(1, liveJobs().size(), "exactly one job: " + liveJobs());
        assertEquals(List.of("vm-" + vc + "-0"), running());

        // and nothing is left behind once it is terminated
        shell("comet", "terminate", "1");
        assertEquals(List.of(), liveJobs());
        assertEquals(List.of(), running());
    }

    /** Runs the built shell once with this test's CLOUDMESH_HOME; returns stdout, fails on a non-zero status. */
    String shell(String... args) throws Exception {
        BuiltShell.Result r = BuiltShell.run(home.resolve("dist-home"), null, args);
        assertEquals(0, r.status(), "cms " + String.join(" ", args) + "\n" + r);
        return r.out();
    }

    static void kill9(Process p) throws IOException, InterruptedException {
        // bin/cms execs java, so the PID is the JVM's: SIGKILL, no shutdown hook runs
        assertEquals(0, new ProcessBuilder("kill", "-9", String.valueOf(p.pid())).start().waitFor());
        p.waitFor(10, TimeUnit.SECONDS);
        assertEquals(137, p.exitValue());
    }

    // ---- two stores, one name --------------------------------------------------------------------------------

    @Test
    void aSecondStoreWithTheSameClusterNameNeverTouchesTheFirstOnesVmsOrJobs() throws Exception {
        ok("cluster", "create", vc, "--computes", "1");
        ok("start", vc, "vm-" + vc + "-0", "--walltime", "5m", "--wait");
        Computeset mine = sets().get(0);
        TestContext other = new TestContext(home.resolve("other"));
        closers.add(other);
        other.importFile(tb.fragment());
        assertEquals(0, other.run("cluster", "create", vc, "--computes", "1"), other.errText());

        // the other store's start: its own job name, and a clear refusal to take over the running domain
        assertEquals(1, other.run("start", vc, "vm-" + vc + "-0", "--walltime", "5m", "--wait"), other.printed());
        String err = other.errText().strip();
        assertTrue(err.contains("could not start on c") && err.contains(": a domain named vm-" + vc + "-0 already exists on c")
                && err.contains("not this store's") && err.contains("cms leaves it alone"), err);
        Computeset theirs = other.service().store().computesets(new Store.CsFilter(null, vc, null, null)).get(0);
        assertEquals(CsState.FAILED, theirs.state());
        assertFalse(other.service().computesets().jobName(theirs).equals(cms.service().computesets().jobName(mine)), "job names differ between stores");
        assertEquals(List.of("vm-" + vc + "-0"), running(), "the first store's VM still runs");
        assertEquals(1, liveJobs().size(), "the other store's job was cancelled, the first one's kept: " + liveJobs());

        // deleting the other store's cluster leaves the first store's domain defined and running
        assertEquals(0, other.run("cluster", "delete", vc), other.errText());
        assertEquals(List.of("vm-" + vc + "-0"), running());
        ok("terminate", String.valueOf(mine.id()));
        assertEquals(List.of(), running());
        assertEquals(List.of(), liveJobs());
    }

    // ---- Slurm refuses ------------------------------------------------------------------------------------------

    @Test
    void aWalltimeAboveThePartitionLimitFailsWithSlurmsReasonAndTheJobIsCancelled() throws Exception {
        String part = "cmslim" + Integer.toString(new Random().nextInt(1 << 20), 36);
        scontrol("create", "PartitionName=" + part, "Nodes=" + String.join(",", tb.hosts()), "MaxTime=5", "State=UP");
        closers.add(() -> {
            for (int i = 0; i < 50 && scontrol("delete", "PartitionName=" + part) != 0; i++) Thread.sleep(200);
        });
        // and the first scancel fails (the controller is away for a moment): the cancel is owed, and retried
        Shim shim = new Shim();
        closers.add(shim);
        shim.fail("scancel", 1);
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        slurm:\n          partition: " + part
                + "\n          bin: " + shim.dir + "\n");
        ok("cluster", "create", vc, "--computes", "1");
        String err = fails("start", vc, "--count", "1", "--walltime", "10m", "--wait");
        assertEquals(2, shim.calls("scancel"), "scancel retried until it worked");
        Computeset cs = sets().get(0);
        assertTrue(err.contains("computeset " + cs.id() + " failed: Slurm will not start job " + cs.jobId()
                + ": PartitionTimeLimit: the walltime is above the partition's MaxTime (the job was cancelled)"), err);
        assertEquals(CsState.FAILED, cs.state());
        assertEquals(List.of(), liveJobs());
        assertEquals(List.of(), running());
        assertNull(cms.service().store().node(vc, "vm-" + vc + "-0").orElseThrow().computeset());
    }

    /** scontrol on this machine as root (the testbed's Slurm), for a test-only partition. */
    static int scontrol(String... words) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>(List.of("scontrol"));
        cmd.addAll(List.of(words));
        ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
        pb.environment().put("SLURM_CONF", tb.slurmConf().toString());
        Process p = pb.start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && words[0].equals("create")) throw new IllegalStateException(cmd + ": " + out);
        return rc;
    }

    // ---- helpers: a private sshd, a shim directory ------------------------------------------------------------

    /** The testbed's sshd config on a free port with its own PID file, started and killed by PID. */
    static final class PrivateSshd implements AutoCloseable {
        final Path dir;
        final int port;
        final Path config;
        Process process;

        PrivateSshd(Path dir) throws IOException {
            this.dir = Files.createDirectories(dir);
            try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
                port = s.getLocalPort();
            }
            String conf = Files.readString(tb.dir().resolve("ssh/sshd_config"))
                    .replaceAll("(?m)^Port .*$", "Port " + port)
                    .replaceAll("(?m)^PidFile .*$", "PidFile " + dir.resolve("sshd.pid"));
            config = dir.resolve("sshd_config");
            Files.writeString(config, conf);
        }

        synchronized void start() throws IOException, InterruptedException {
            process = new ProcessBuilder("/usr/sbin/sshd", "-D", "-e", "-f", config.toString())
                    .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("sshd.log").toFile()))
                    .start();
            long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
            while (!answers() && System.nanoTime() < deadline) {
                assertTrue(process.isAlive(), "private sshd exited: " + Files.readString(dir.resolve("sshd.log")));
                Thread.sleep(20);
            }
            assertTrue(answers(), "private sshd on port " + port + " does not answer");
        }

        boolean answers() {
            try (Socket s = new Socket()) {
                s.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return true;
            } catch (IOException e) {
                return false;
            }
        }

        /** SIGKILL to the listener and to the children serving connections: the host's sshd is gone. */
        synchronized void kill() throws InterruptedException {
            if (process == null) return;
            List<ProcessHandle> kids = process.toHandle().descendants().toList();
            process.destroyForcibly();
            for (ProcessHandle k : kids) k.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
            for (ProcessHandle k : kids) k.onExit().orTimeout(10, TimeUnit.SECONDS).exceptionally(x -> k).join();
            process = null;
        }

        @Override
        public void close() throws InterruptedException {
            kill();
        }
    }

    /**
     * A directory of wrappers around Slurm's commands, readable by the testbed user: each one counts its calls,
     * can sleep first, and can fail a number of times with the message Slurm prints when its controller (squeue,
     * sbatch, scancel, scontrol) or database (sacct) cannot be reached, before running the real command.
     */
    static final class Shim implements AutoCloseable {
        static final List<String> COMMANDS = List.of("sbatch", "squeue", "sacct", "scancel", "scontrol");
        final Path dir;

        Shim() throws IOException {
            dir = Files.createTempDirectory(Path.of("/tmp"), "cms-shim-");
            Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
            for (String c : COMMANDS) {
                String message = c.equals("sacct") ? "sacct: error: Problem talking to the database: Connection refused"
                        : c + ": error: " + (c.equals("squeue") ? "slurm_load_jobs error: " : "")
                        + "Unable to contact slurm controller (connect failure)";
                String script = "#!/bin/sh\n"
                        + "d=" + dir + "\n"
                        + "echo $$ >> $d/" + c + ".calls\n"
                        + "s=$(cat $d/" + c + ".sleep); [ -n \"$s\" ] && sleep \"$s\"\n"
                        + "n=$(cat $d/" + c + ".fail); n=${n:-0}\n"
                        + "if [ \"$n\" -gt 0 ]; then echo $((n - 1)) > $d/" + c + ".fail; echo '" + message + "' >&2; exit 1; fi\n"
                        + "exec /usr/bin/" + c + " \"$@\"\n";
                Path f = dir.resolve(c);
                Files.writeString(f, script);
                Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rwxr-xr-x"));
                for (String state : List.of(".calls", ".sleep", ".fail")) {
                    Path p = Files.writeString(dir.resolve(c + state), "");
                    Files.setPosixFilePermissions(p, PosixFilePermissions.fromString("rw-rw-rw-"));
                }
            }
        }

        void fail(String command, int times) throws IOException {
            Files.writeString(dir.resolve(command + ".fail"), times + "\n");
        }

        void sleep(String command, int seconds) throws IOException {
            Files.writeString(dir.resolve(command + ".sleep"), seconds + "\n");
        }

        int calls(String command) throws IOException {
            return (int) Files.readAllLines(dir.resolve(command + ".calls")).stream().filter(l -> !l.isBlank()).count();
        }

        @Override
        public void close() throws IOException {
            try (Stream<Path> all = Files.walk(dir)) {
                for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
            }
        }
    }
}
