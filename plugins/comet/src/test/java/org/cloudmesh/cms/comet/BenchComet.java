package org.cloudmesh.cms.comet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import org.cloudmesh.cms.comet.slurm.Remote;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.slurm.SshRemote;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.libvirt.Connect;
import org.libvirt.Domain;

/**
 * scripts/bench-comet: the figures of issue 4's performance section, measured against the running testbed.
 * <ol>
 *   <li>a remote {@code true}: cms's pooled session vs a fresh {@code ssh} vs an OpenSSH ControlMaster {@code ssh};</li>
 *   <li>200 sequential {@code comet computeset} listings in one shell (with an active computeset, so each one
 *       reconciles: one squeue over ssh plus libvirt state reads);</li>
 *   <li>32 fake hosts: from Slurm saying RUNNING to all 32 VMs running (real libvirtd; Slurm's answer is
 *       simulated, since the testbed has 4 slurmd hosts);</li>
 *   <li>a 1,000-node store (1,000 VMs running): one reconciliation and one full listing;</li>
 *   <li>{@code comet computeset extend} beside a listing of the same set, and its floor (issue 14).</li>
 * </ol>
 */
public final class BenchComet {
    public static void main(String[] args) throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        Path home = Files.createTempDirectory("bench-comet");
        System.out.println("cms comet benchmark (testbed " + tb.dir() + ", " + Runtime.getRuntime().availableProcessors() + " cores)");
        load();
        floor(tb);
        remoteTrue(tb, home);
        listings(tb, home.resolve("listings"));
        load();
        fakeHosts(tb, home.resolve("h32"), 32, true);
        fakeHosts(tb, home.resolve("h1000"), 1000, false);
        load();
    }

    /** The load average now: on a small shared machine every figure depends on it. */
    static void load() throws Exception {
        String[] l = Files.readString(Path.of("/proc/loadavg")).split(" ");
        System.out.printf("%-62s %s %s %s (1/5/15 min)%n", "load average", l[0], l[1], l[2]);
    }

    /** The machine's floor beside cms's figures: a local process, a local bash -c, a local squeue (Slurm's own cost). */
    static void floor(TestbedSupport tb) {
        report("floor: local /bin/true (fork+exec from the JVM)", time(100, () -> proc("/bin/true")), "no ssh");
        report("floor: local bash -c true", time(100, () -> proc("bash", "-c", "true")), "what sshd runs per command");
        report("floor: local squeue (Slurm's own cost, no ssh)", time(30, () -> proc("env", "SLURM_CONF=" + tb.slurmConf(),
                "squeue", "-h", "-t", "all", "-u", tb.user(), "-o", "%i|%j|%T|%N|%r|%S|%e")), "n=30");
    }

    static void remoteTrue(TestbedSupport tb, Path home) throws Exception {
        Files.createDirectories(home);
        int n = 200;
        try (SshClient ssh = new SshClient(home.resolve("known_hosts"))) {
            SshTarget t = tb.target();
            SshRemote r = new SshRemote(ssh, t, tb.hostKey(), false);
            for (int i = 0; i < 20; i++) r.run("true", Duration.ofSeconds(10));
            List<Double> ms = time(n, () -> r.run("true", Duration.ofSeconds(10)));
            report("remote 'true', cms pooled JSch session", ms, "target p50 <= 3 ms");
        }
        String[] base = {"ssh", "-p", String.valueOf(tb.sshPort()), "-i", tb.sshKey().toString(), "-o", "BatchMode=yes",
                "-o", "StrictHostKeyChecking=yes", "-o", "UserKnownHostsFile=" + tb.knownHosts(), "-o", "LogLevel=ERROR"};
        List<Double> fresh = time(30, () -> proc(concat(base, tb.user() + "@" + tb.sshHost(), "true")));
        report("remote 'true', fresh ssh per call", fresh, "n=30");
        Path cm = home.resolve("cm-%C");
        String[] master = concat(base, "-o", "ControlMaster=auto", "-o", "ControlPath=" + cm, "-o", "ControlPersist=60");
        proc(concat(master, tb.user() + "@" + tb.sshHost(), "true"));
        List<Double> ctl = time(n, () -> proc(concat(master, tb.user() + "@" + tb.sshHost(), "true")));
        report("remote 'true', OpenSSH ControlMaster ssh", ctl, "master already up");
        proc(concat(master, "-O", "exit", tb.user() + "@" + tb.sshHost()));
    }

    static void listings(TestbedSupport tb, Path home) throws Exception {
        Files.createDirectories(home);
        try (TestContext cms = new TestContext(home)) {
            cms.importFile(tb.fragment());
            String vc = "bench" + Long.toString(System.nanoTime() % 100000, 36);
            run(cms, "cluster", "create", vc, "--computes", "2");
            run(cms, "start", vc, "--count", "1", "--walltime", "10m", "--wait");
            try {
                for (int i = 0; i < 20; i++) run(cms, "computeset");
                List<Double> ms = time(200, () -> run(cms, "computeset"));
                report("'comet computeset' in one shell (1 active set: squeue + libvirt)", ms, "target p50 <= 20 ms");
                cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        reconcile_max_age: 1s\n");
                ms = time(200, () -> run(cms, "computeset"));
                report("  same, with reconcile_max_age: 1s", ms, "Slurm re-read at most once a second");
                cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        reconcile_max_age: 0\n");
                var st = new org.cloudmesh.cms.comet.slurm.SlurmClient(new SshRemote(new SshClient(home.resolve("kh")),
                        tb.target(), tb.hostKey(), true), tb.user());
                String job = cms.service().store().computesets(new org.cloudmesh.cms.comet.store.Store.CsFilter(null, vc, null, null))
                        .get(0).jobId();
                ms = time(50, () -> st.jobs(List.of(job)));
                report("  of which: squeue over the pooled session", ms, "Slurm's own cost included");
                extend(tb, cms, vc, job);
            } finally {
                for (Computeset c : cms.service().store().computesets(new org.cloudmesh.cms.comet.store.Store.CsFilter(null, vc, null, null))) {
                    if (c.state().active()) run(cms, "terminate", String.valueOf(c.id()));
                }
                run(cms, "cluster", "delete", vc);
            }
        }
    }

    /**
     * Issue 14: 'comet computeset extend ID' against a listing of the same set in the same run (target: at most 1.5
     * times), with its floor: the operator's scontrol update over a pooled session.
     */
    static void extend(TestbedSupport tb, TestContext cms, String vc, String job) throws Exception {
        String id = String.valueOf(cms.service().store().computesets(new org.cloudmesh.cms.comet.store.Store.CsFilter(null, vc,
                null, null)).get(0).id());
        for (int i = 0; i < 5; i++) run(cms, "computeset", "extend", id, "--by", "1m");
        List<Double> ext = time(50, () -> run(cms, "computeset", "extend", id, "--by", "1m"));
        List<Double> list = time(50, () -> run(cms, "computeset", id));
        Endpoint e = Endpoint.select(cms.config(), null);
        var op = cms.service().operator(e, "raise a time limit");
        long[] limit = {cms.service().store().computeset(Long.parseLong(id)).orElseThrow().walltimeMins()};
        List<Double> floor = time(50, () -> op.timeLimit(job, ++limit[0]));
        report("'comet computeset extend ID --by 1m' in one shell", ext, "scontrol update as the operator");
        report("'comet computeset ID' (the same set, same run)", list, "squeue + libvirt");
        report("  floor: scontrol update over the operator's pooled session", floor, "Slurm's own cost included");
        System.out.printf("%-62s %.2f (target <= 1.5)%n", "  ratio extend / listing (p50)", median(ext) / median(list));
    }

    static double median(List<Double> ms) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    /** N fake hosts h1..hN on the testbed's libvirt; Slurm's squeue answer simulated (job RUNNING on h[1-N]). */
    static void fakeHosts(TestbedSupport tb, Path home, int n, boolean startFigure) throws Exception {
        Files.createDirectories(home);
        StringBuilder y = new StringBuilder("cloudmesh:\n  comet:\n    active: fake\n    endpoints:\n      fake:\n"
                + "        slurm: {host: 127.0.0.1, port: 1, user: cmstest, key: /dev/null, account: cmsproj}\n"
                + "        libvirt:\n          hosts:\n");
        for (int i = 1; i <= n; i++) y.append("            h").append(i).append(": \"").append(tb.libvirtUri()).append("\"\n");
        y.append("          disk_dir: ").append(tb.dir().resolve("disks")).append("\n");
        y.append("        sriov:\n");
        for (int i = 1; i <= n; i++) y.append("          h").append(i).append(": [\"0000:5").append(i % 10).append(":00.1\"]\n");
        y.append("        limits: {max_nodes: ").append(n).append("}\n");
        String vc = "bn" + n + Long.toString(System.nanoTime() % 100000, 36);
        FakeSlurm slurm = new FakeSlurm("h[1-" + n + "]");
        try (TestContext cms = new TestContext(home)) {
            cms.importYaml(y.toString());
            cms.service().slurmFactory = e -> new SlurmClient(slurm, "cmstest");
            run(cms, "cluster", "create", vc, "--computes", String.valueOf(n));
            run(cms, "start", vc, "--count", String.valueOf(n), "--walltime", "10m");
            Endpoint e = Endpoint.select(cms.config(), null);
            try {
                slurm.state = "RUNNING";
                long t0 = System.nanoTime();
                cms.service().reconciler().reconcile(e);
                double startMs = (System.nanoTime() - t0) / 1e6;
                int up = 0;
                Connect c = new Connect(tb.libvirtUri());
                try {
                    for (Domain d : c.listAllDomains(1)) if (d.getName().startsWith("vm-" + vc + "-")) up++;
                } finally {
                    c.close();
                }
                Computeset cs = cms.service().store().computesets(new org.cloudmesh.cms.comet.store.Store.CsFilter(null, vc, null, null)).get(0);
                if (cs.state() != CsState.RUNNING || up != n) throw new IllegalStateException(cs + " up " + up);
                if (startFigure) {
                    System.out.printf("%-62s %8.1f ms   (%d VMs running; target <= 1000 ms)%n",
                            n + " fake hosts: Slurm RUNNING -> all VMs running", startMs, up);
                } else {
                    System.out.printf("%-62s %8.1f ms   (%d VMs)%n", n + " nodes: Slurm RUNNING -> all VMs running", startMs, up);
                    for (int i = 0; i < 3; i++) cms.service().reconciler().reconcile(e);
                    List<Double> rec = time(20, () -> cms.service().reconciler().reconcile(e));
                    report(n + "-node store: one reconciliation (all running)", rec, "target <= 200 ms");
                    List<Double> list = time(20, () -> run(cms, "cluster", vc, "--output", "json"));
                    report(n + "-node store: 'comet cluster' listing incl. reconcile", list, "target <= 200 ms");
                }
            } finally {
                long t0 = System.nanoTime();
                cms.service().vms().stop(e, cms.service().store().computesets(
                        new org.cloudmesh.cms.comet.store.Store.CsFilter(null, vc, null, null)).get(0));
                System.out.printf("%-62s %8.1f ms%n", n + " VMs: shut down, undefined, VFs freed", (System.nanoTime() - t0) / 1e6);
                slurm.state = "CANCELLED";
                cms.service().reconciler().reconcile(e);
                run(cms, "cluster", "delete", vc);
            }
        }
    }

    /** Answers squeue as Slurm would for one job; sbatch gives job 1; everything else succeeds. */
    static final class FakeSlurm implements Remote {
        volatile String state = "PENDING";
        final String hosts;

        FakeSlurm(String hosts) {
            this.hosts = hosts;
        }

        @Override
        public Result run(String command, Duration timeout) {
            if (command.contains("sbatch")) return new Result(0, "1\n", "");
            if (command.contains("squeue")) {
                boolean running = !state.equals("PENDING");
                return new Result(0, "1|job|" + state + "|" + (running ? hosts : "") + "|None|"
                        + (running ? "2026-01-01T00:00:00" : "N/A") + "|Unknown\n", "");
            }
            return new Result(0, "", "");
        }

        @Override
        public String where() {
            return "fake";
        }

        @Override
        public void close() {
        }
    }

    static void run(TestContext cms, String... words) {
        if (cms.run(words) != 0) throw new IllegalStateException(String.join(" ", words) + ": " + cms.errText());
    }

    static Object proc(String... cmd) {
        try {
            Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
            p.getInputStream().readAllBytes();
            if (p.waitFor() != 0) throw new IllegalStateException(String.join(" ", cmd) + " failed");
            return null;
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    static String[] concat(String[] a, String... b) {
        List<String> l = new ArrayList<>(List.of(a));
        l.addAll(List.of(b));
        return l.toArray(new String[0]);
    }

    static List<Double> time(int n, ThrowingRunnable body) {
        List<Double> ms = new ArrayList<>();
        for (int i = 0; i < n; i++) {
            long t0 = System.nanoTime();
            try {
                body.run();
            } catch (RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
            ms.add((System.nanoTime() - t0) / 1e6);
        }
        return ms;
    }

    interface ThrowingRunnable {
        void run() throws Exception;
    }

    static void report(String what, List<Double> ms, String note) {
        List<Double> s = new ArrayList<>(ms);
        Collections.sort(s);
        System.out.printf("%-62s p50 %7.2f ms  p90 %7.2f ms  min %7.2f ms  (n=%d; %s)%n", what, s.get(s.size() / 2),
                s.get((int) (s.size() * 0.9)), s.get(0), s.size(), note);
    }
}
