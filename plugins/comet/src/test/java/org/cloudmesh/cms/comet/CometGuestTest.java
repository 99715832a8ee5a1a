package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.Tmux;
import org.cloudmesh.cms.api.libvirt.DomainXml;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.comet.virt.NodeDomain;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.yaml.snakeyaml.Yaml;

/**
 * comet nodes as real guests: the testbed's endpoint {@code guests} runs the Slurm hosts' VMs as qemu guests of the
 * testbed image (user networking, ssh forwarded on 127.0.0.1, SR-IOV emulated). What a person would check inside:
 * the node's name and recorded address, the serial console, a new boot id after a reboot, an ISO read at /dev/sr0, a node
 * killed outside cms reported and powered on again, and no qemu process left when the Slurm job ends.
 */
@Tag(TestbedSupport.INTEGRATION)
class CometGuestTest {
    @TempDir
    Path home;
    @TempDir
    Path tmp;
    TestbedSupport tb;
    TestContext cms;
    String vc;
    final List<String> clusters = new ArrayList<>();

    @BeforeEach
    void shell() throws Exception {
        tb = TestbedSupport.requireQemu();
        cms = new TestContext(home);
        cms.importFile(tb.fragment());
        cms.importYaml("cloudmesh:\n  comet:\n    active: guests\n");
        vc = "gt" + Integer.toString(new Random().nextInt(1 << 30), 36);
    }

    @AfterEach
    void cleanUp() throws Exception {
        try (SshClient ssh = new SshClient(tb.knownHosts())) {
            // this test's jobs, whichever store (this shell's or a server's) submitted them
            for (String line : ssh.exec(tb.target(), "squeue -h -o '%i %j'", Duration.ofSeconds(30)).stdout().split("\n")) {
                String[] f = line.strip().split(" ");
                if (f.length == 2 && clusters.stream().anyMatch(c -> f[1].startsWith("cms-" + c + "-"))) {
                    ssh.exec(tb.target(), "scancel " + f[0], Duration.ofSeconds(30));
                }
            }
        }
        List<String> names = new ArrayList<>();
        try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
            for (String d : hv.domains()) if (clusters.stream().anyMatch(c -> d.equals(c) || d.startsWith("vm-" + c + "-"))) names.add(d);
        }
        tb.removeGuests(names);
        for (String c : clusters) cms.run("cluster", "delete", c);   // best effort: their disks (stack overlays) go too
        for (String c : clusters) {
            try (var isos = Files.newDirectoryStream(tb.isoDir(), c + "*.iso")) {
                for (Path p : isos) Files.deleteIfExists(p);
            }
        }
        cms.close();
    }

    void ok(String... words) {
        ok(cms, words);
    }

    static void ok(TestContext t, String... words) {
        int rc = t.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + t.printed() + t.errText());
    }

    String cluster(String name, int computes) {
        clusters.add(name);
        ok("cluster", "create", name, "--computes", String.valueOf(computes), "--cpus", "1", "--memory", "256M");
        return name;
    }

    Map<String, Object> info(String cluster, String node) {
        return info(cms, cluster, node);
    }

    static Map<String, Object> info(TestContext t, String cluster, String node) {
        ok(t, "node", "info", cluster, node, "--output", "json");
        return new Yaml().load(t.printed());
    }

    /** Runs a command inside a guest as root (a fresh known_hosts: a guest without a seeded host key makes one per boot). */
    ExecResult inside(String cluster, String node, String command) throws Exception {
        return inside(cms, cluster, node, command);
    }

    ExecResult inside(TestContext t, String cluster, String node, String command) throws Exception {
        String ssh = (String) info(t, cluster, node).get("ssh");
        assertNotNull(ssh, node + " has an ssh address");
        int colon = ssh.lastIndexOf(':');
        Path known = Files.createTempFile(tmp, "known", "");
        try (SshClient c = new SshClient(known)) {
            SshTarget target = new SshTarget(ssh.substring(0, colon), Integer.parseInt(ssh.substring(colon + 1)), "root", tb.sshKey());
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (true) {
                try {
                    return c.exec(target, command, Duration.ofSeconds(20));
                } catch (RuntimeException notYet) {
                    if (System.nanoTime() > deadline) throw notYet;
                    Thread.sleep(500);
                }
            }
        }
    }

    /** The qemu processes that run a guest of {@code cluster} (qemu's {@code -name guest=NAME,...}). */
    static List<String> qemuProcesses(String cluster) {
        List<String> out = new ArrayList<>();
        ProcessHandle.allProcesses().forEach(p -> {
            String cmd = String.join(" ", p.info().arguments().map(List::of).orElse(List.of()));
            if (cmd.contains("guest=vm-" + cluster + "-") || cmd.contains("guest=" + cluster + ",")) out.add(p.pid() + " " + cmd);
        });
        return out;
    }

    Computeset set(String cluster) {
        List<Computeset> sets = cms.service().store().computesets(new Store.CsFilter(null, cluster, null, null));
        assertEquals(1, sets.size(), sets.toString());
        return sets.get(0);
    }

    @Test
    void twoRealGuestsConsoleRebootIsoKillAndTheEndOfTheirJob() throws Exception {
        // a set with a one-minute walltime runs meanwhile: its end must leave no qemu process
        String shortVc = cluster(vc + "w", 1);
        ok("start", shortVc, "--count", "1", "--walltime", "1m");
        cluster(vc, 2);
        String n0 = "vm-" + vc + "-0";
        String n1 = "vm-" + vc + "-1";
        ok("start", vc, "vm-" + vc + "-[0-1]", "--walltime", "10m", "--wait-ssh", "--timeout", "3m");
        String out = cms.printed();
        assertTrue(out.contains("emulates SR-IOV (libvirt.sriov: emulate)"), out);
        assertTrue(out.contains("Computeset " + set(vc).id() + " answers ssh: " + n0 + " 127.0.0.1:"), out);

        // inside: the node's own name, its recorded IP and MAC; its VF an emulated NIC named in the metadata
        for (String n : List.of(n0, n1)) {
            Map<String, Object> i = info(vc, n);
            ExecResult r = inside(vc, n, "hostname; ip -4 addr show eth0; ip link");
            assertEquals(0, r.exitStatus(), r.stderr());
            assertTrue(r.stdout().startsWith(n + "\n"), r.stdout());
            assertTrue(r.stdout().contains("inet " + i.get("ip") + "/16"), r.stdout());
            String[] mac = ((String) i.get("interface")).split(" ");
            assertTrue(r.stdout().contains(mac[0]), r.stdout());
            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                Map<String, String> meta = DomainXml.metadata(hv.xml(n), NodeDomain.NS, "node");
                assertEquals(i.get("vf"), meta.get("vf"));
                String emulated = meta.get("vf_emulated_by");
                assertTrue(emulated.startsWith("virtio-net 52:54:00:"), meta.toString());
                assertTrue(r.stdout().contains(emulated.substring("virtio-net ".length())), "the emulated VF NIC is in the guest");
            }
        }

        // the serial console, as a person uses it: the guest's login prompt, Ctrl-] leaves
        BuiltShell.requirePlugin("comet");
        // the launcher reads the home's cloudmesh.yaml (this test's shell keeps its config in memory) and shares its store
        assertEquals(0, BuiltShell.run(home, null, "config", "import", tb.fragment().toString()).status());
        assertEquals(0, BuiltShell.run(home, null, "comet", "active", "guests").status());
        try (Tmux term = Tmux.start("cms-comet-console-" + vc, 120, 30, "env CLOUDMESH_HOME=" + home + " TERM=xterm "
                + BuiltShell.launcher() + " comet console " + vc + " " + n0 + "; echo console-exit=$?; sleep 30")) {
            term.await(s -> s.contains("Ctrl-] leaves"), "the console's banner", Duration.ofSeconds(30));
            term.keys("Enter");
            term.await(s -> s.contains(n0 + " login:"), "the guest's own login prompt", Duration.ofSeconds(30));
            term.keys("C-]");
            term.await(s -> s.contains("console-exit=0"), "Ctrl-] leaving the console", Duration.ofSeconds(30));
        }

        // reboot: the guest starts again (its boot id)
        rebootIsSeenInside(cms, vc, n0);

        // an ISO, attached while the node is off, is read inside after the next power on
        Path src = Files.createDirectories(tmp.resolve("iso"));
        Files.writeString(src.resolve("hello.txt"), "hello from " + vc + "\n");
        Path iso = tmp.resolve("media.iso");
        Process g = new ProcessBuilder("genisoimage", "-quiet", "-V", "MEDIA", "-r", "-o", iso.toString(), src.toString())
                .redirectErrorStream(true).start();
        assertEquals(0, g.waitFor(), new String(g.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
        ok("iso", "upload", iso.toString(), "--isoname", vc + ".iso");
        ok("power", "shutdown", vc, n1);
        assertEquals("stopped", info(vc, n1).get("state"), "shutdown waits for the guest to power off");
        ok("iso", "attach", vc + ".iso", vc, n1);
        ok("power", "on", vc, n1);
        ExecResult read = inside(vc, n1, "mount -t iso9660 -o ro /dev/sr0 /mnt && cat /mnt/hello.txt");
        assertEquals("hello from " + vc + "\n", read.stdout(), read.stderr());

        // a guest killed outside cms is reported, and 'comet power on' brings it back
        List<String> q = qemuProcesses(vc).stream().filter(p -> p.contains("guest=" + n0 + ",")).toList();
        assertEquals(1, q.size(), q.toString());
        ProcessHandle qemu = ProcessHandle.of(Long.parseLong(q.get(0).split(" ")[0])).orElseThrow();
        qemu.destroyForcibly();
        qemu.onExit().join();
        Thread.sleep(500);
        ok("computeset");
        assertTrue(cms.errText().contains("WARNING: node " + n0 + " stopped outside cms on "), cms.errText());
        assertEquals("stopped", info(vc, n0).get("state"));
        ok("power", "on", vc, n0);
        assertEquals("hostname\n".replace("hostname", n0), inside(vc, n0, "hostname").stdout());

        // the job ends outside cms (scancel): the next reconciliation stops the guests, no qemu process is left
        Computeset cs = set(vc);
        try (SshClient ssh = new SshClient(tb.knownHosts())) {
            assertEquals(0, ssh.exec(tb.target(), "scancel " + cs.jobId(), Duration.ofSeconds(30)).exitStatus());
        }
        awaitEnd(vc, Duration.ofSeconds(60));
        assertEquals(List.of(), qemuProcesses(vc).stream().filter(p -> p.contains("guest=vm-")).toList());
        assertTrue(cms.service().store().nodes(vc).stream().allMatch(n -> n.vf() == null), "VFs freed");

        // the one-minute walltime has passed meanwhile (or soon will): its guest is gone too
        Computeset done = awaitEnd(shortVc, Duration.ofSeconds(150));
        assertEquals(CsState.COMPLETED, done.state(), done.toString());
        assertEquals("walltime reached", done.reason());
        assertEquals(List.of(), qemuProcesses(shortVc));
    }

    /**
     * 'comet power reboot' restarts the guest: the kernel's boot id changes. (Not its uptime: on a loaded machine the
     * guest can be back at ssh with more uptime than it had when the reboot was asked.)
     */
    void rebootIsSeenInside(TestContext t, String cluster, String node) throws Exception {
        while (uptime(t, cluster, node) < 8) { // the kernel's ACPI button and acpid settle in the first seconds after ssh answers
            Thread.sleep(1000);
        }
        String before = bootId(t, cluster, node);
        ok(t, "power", "reboot", cluster, node);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        String after = bootId(t, cluster, node);
        while (after.equals(before) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            after = bootId(t, cluster, node);
        }
        assertNotEquals(before, after, "the guest's boot id after the reboot");
    }

    /**
     * The main path through a real cms server (remote mode, two factors): a real guest to ssh, its name inside, a
     * reboot seen through the boot id, its screen in a real browser through the console link, its serial console,
     * terminate leaving no qemu.
     */
    @Test
    void throughAServerARealGuestAnswersRebootsShowsItsScreenAndEnds(@TempDir Path serverHome) throws Exception {
        try (CmsServer server = CmsServer.start(tb, serverHome, "gina", tb.account(), "guests");
             org.cloudmesh.cms.api.Chromium browser = org.cloudmesh.cms.api.Chromium.start(tmp.resolve("chromium"))) {
            TestContext remote = server.client(home.resolve("remote"));
            try {
                clusters.add(vc);
                ok(remote, "cluster", "create", vc, "--computes", "1", "--cpus", "1", "--memory", "256M");
                String n0 = "vm-" + vc + "-0";
                ok(remote, "start", vc, "--count", "1", "--walltime", "10m", "--wait-ssh", "--timeout", "3m");
                assertTrue(remote.printed().contains(" answers ssh: " + n0 + " 127.0.0.1:"), remote.printed());
                assertEquals(n0 + "\n", inside(remote, vc, n0, "hostname").stdout());
                rebootIsSeenInside(remote, vc, n0);

                ok(remote, "console", "--link", vc, n0, "--otp", server.code());
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("Console URL: (http://127\\.0\\.0\\.1:[0-9]+/\\S*console/[0-9a-f]+) \\(works once")
                        .matcher(remote.printed());
                assertTrue(m.find(), remote.printed());
                var page = browser.open(m.group(1));
                String canvas = org.cloudmesh.cms.api.Screens.CANVAS;
                assertTrue(page.await(canvas + " !== null && " + canvas + ".width > 0", Duration.ofSeconds(30)),
                        "no screen on the page " + m.group(1) + ": " + page.eval("document.documentElement.outerHTML").asText());
                Path pictures = Path.of("target/webconsole-comet");
                double same = org.cloudmesh.cms.api.Screens.canvasMatches(page, tb.sessionUri(), n0, pictures);
                assertTrue(same >= 0.99, "the node's screen in the browser matches the hypervisor's screenshot in "
                        + (int) (same * 100) + "% of its pixels (pictures in " + pictures.toAbsolutePath() + ")");

                // the serial console through the server, as 'comet console' in remote mode reaches it: the guest's
                // login prompt, and Ctrl-] leaves
                java.net.URI ws = org.cloudmesh.cms.comet.remote.RemoteService.open(remote.config(), "server")
                        .serialConsole(vc, n0, server.code());
                java.io.ByteArrayOutputStream seen = new java.io.ByteArrayOutputStream();
                java.io.PipedOutputStream keys = new java.io.PipedOutputStream();
                java.io.PipedInputStream typed = new java.io.PipedInputStream(keys);
                try (var console = org.cloudmesh.cms.comet.console.RemoteConsole.open(ws, seen)) {
                    var pump = java.util.concurrent.CompletableFuture.supplyAsync(() -> {
                        try {
                            return console.pump(typed);
                        } catch (java.io.IOException e) {
                            throw new java.io.UncheckedIOException(e);
                        }
                    });
                    keys.write('\r');
                    keys.flush();
                    long until = System.nanoTime() + Duration.ofSeconds(30).toNanos();
                    while (!seen.toString(StandardCharsets.UTF_8).contains(n0 + " login:") && System.nanoTime() < until) Thread.sleep(200);
                    assertTrue(seen.toString(StandardCharsets.UTF_8).contains(n0 + " login:"), "the console shows: " + seen);
                    keys.write(0x1d);
                    keys.flush();
                    assertEquals("escape", pump.get(10, java.util.concurrent.TimeUnit.SECONDS));
                }

                ok(remote, "computeset", "--output", "csv");
                String id = remote.printed().split("\n")[1].split(",")[0];
                ok(remote, "terminate", id);
                assertEquals(List.of(), qemuProcesses(vc));
                assertTrue(page.await("document.getElementById('status').dataset.state === 'ended'", Duration.ofSeconds(15)),
                        "the console session ends with the node");
            } finally {
                remote.close();
            }
        }
    }

    /**
     * A VC with the Slurm stack: the frontend boots as the controller, a computeset's two nodes register with it and
     * srun runs across them, also after the frontend was reset; when the set ends they leave the frontend's Slurm. Bad
     * input first, changing nothing.
     */
    @Test
    @org.junit.jupiter.api.Timeout(value = 6, unit = java.util.concurrent.TimeUnit.MINUTES)
    void aVcWithTheSlurmStackSchedulesTheNodesOfItsComputesets() throws Exception {
        cluster(vc, 2);
        assertEquals(1, cms.run("cluster", "setup", vc, "--stack", "slurn"));
        assertTrue(cms.errText().contains("unknown stack 'slurn': the known stacks are slurm"), cms.errText());
        assertTrue(cms.service().store().stack(vc).isEmpty(), "nothing recorded");

        ok("cluster", "setup", vc, "--stack", "slurm");
        assertTrue(cms.printed().contains("Cluster " + vc + " has the slurm stack"), cms.printed());
        assertEquals(1, cms.run("cluster", "setup", vc, "--stack", "slurm"), "a second setup while the frontend runs");
        assertTrue(cms.errText().contains("power it off first with 'comet power off " + vc + "'"), cms.errText());
        assertEquals(1, cms.run("node", "rename", vc, "vm-" + vc + "-0", "n0", "--yes"));
        assertTrue(cms.errText().contains("runs the slurm stack"), cms.errText());

        ok("start", vc, "--count", "2", "--walltime", "10m", "--wait-ssh", "--timeout", "3m");
        Computeset cs = set(vc);
        String n0 = "vm-" + vc + "-0", n1 = "vm-" + vc + "-1";
        String both = n0 + " idle\n" + n1 + " idle\n";
        assertEquals(both, awaitInside(vc, "sinfo -h -N -o '%N %t' | sort", both, Duration.ofSeconds(120)),
                "the set's nodes registered with the frontend's Slurm");

        // the frontend is reset (a crash: no clean shutdown): its Slurm comes back, and the nodes register with it again
        String boot = bootId(cms, vc, vc);
        ok("power", "reset", vc, vc);
        long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
        while (bootId(cms, vc, vc).equals(boot) && System.nanoTime() < deadline) Thread.sleep(1000);
        assertEquals(both, awaitInside(vc, "sinfo -h -N -o '%N %t' | sort", both, Duration.ofSeconds(90)),
                "the nodes registered again with the frontend after its reset");

        ExecResult srun = inside(vc, vc, "srun -N2 hostname | sort");
        assertEquals(n0 + "\n" + n1 + "\n", srun.stdout(), srun.stderr());
        assertEquals("192.168.0.2\n", inside(vc, n0, "ip -4 -o addr show | awk '$4 ~ /^192[.]168[.]/ { sub(\"/.*\", \"\", $4); print $4 }'").stdout(),
                "a node's address on the private network: its 10.0.0.2 as 192.168.0.2");

        ok("terminate", String.valueOf(cs.id()));
        awaitEnd(vc, Duration.ofSeconds(90));
        assertEquals("", awaitInside(vc, "sinfo -h -N -o '%N %t'", "", Duration.ofSeconds(60)),
                "the ended set's nodes left the frontend's Slurm");
    }

    /** Runs {@code command} on the frontend until it prints {@code want} or {@code timeout} passes; returns the last output. */
    String awaitInside(String cluster, String command, String want, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        String out = inside(cluster, cluster, command).stdout();
        while (!out.equals(want) && System.nanoTime() < deadline) {
            Thread.sleep(1000);
            out = inside(cluster, cluster, command).stdout();
        }
        return out;
    }

    @Test
    void aHostWithoutTheKernelFailsTheSetNamesHostAndFileAndLeavesNothing() throws Exception {
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      guests:\n        libvirt:\n"
                + "          kernel: /nonexistent/vmlinux\n");
        cluster(vc, 1);
        int rc = cms.run("start", vc, "--count", "1", "--walltime", "5m", "--wait");
        assertEquals(1, rc, cms.printed() + cms.errText());
        String err = cms.errText().strip();
        err = err.substring(err.lastIndexOf('\n') + 1);
        assertTrue(err.matches("ERROR: computeset [0-9]+ failed: node vm-" + vc + "-0 could not start on c[0-9]+: .*"), err);
        assertTrue(err.contains("/nonexistent/vmlinux"), err);
        assertFalse(err.contains("\tat "), err);
        assertEquals(CsState.FAILED, set(vc).state());
        assertEquals(List.of(), qemuProcesses(vc));
        try (SshClient ssh = new SshClient(tb.knownHosts())) {
            String sq = ssh.exec(tb.target(), "squeue -h -j " + set(vc).jobId() + " -o %T 2>/dev/null", Duration.ofSeconds(30))
                    .stdout().strip();
            assertTrue(sq.isEmpty() || sq.equals("CANCELLED") || sq.equals("COMPLETING"), "job cancelled: " + sq);
        }
    }

    double uptime(TestContext t, String cluster, String node) throws Exception {
        ExecResult r = inside(t, cluster, node, "cat /proc/uptime");
        assertEquals(0, r.exitStatus(), r.stderr());
        return Double.parseDouble(r.stdout().strip().split(" ")[0]);
    }

    String bootId(TestContext t, String cluster, String node) throws Exception {
        ExecResult r = inside(t, cluster, node, "cat /proc/sys/kernel/random/boot_id");
        assertEquals(0, r.exitStatus(), r.stderr());
        return r.stdout().strip();
    }

    /** Reconciles (as 'comet watch' does) until the cluster's set has ended. */
    Computeset awaitEnd(String cluster, Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            ok("watch", "--rounds", "1");
            Computeset cs = set(cluster);
            if (!cs.state().active()) return cs;
            if (System.nanoTime() > deadline) fail("computeset " + cs.id() + " still " + cs.state().label() + " after " + timeout);
            Thread.sleep(1000);
        }
    }
}
