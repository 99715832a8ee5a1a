package org.cloudmesh.cms.cluster;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ProviderConfig;

/**
 * scripts/bench-cluster: on the testbed's sshd (every VM of the loopback cloud is that sshd; a boot call takes
 * {@code --boot-ms} milliseconds, as a cloud's API would), prints
 * <ul>
 * <li>{@code cluster create} of 1 + 16 nodes (boot, ssh trust, hosts file) against one provider boot call;</li>
 * <li>{@code cluster run} on 16 nodes against one node (median of several runs, after a warm-up).</li>
 * </ul>
 */
public final class BenchCluster {
    public static void main(String[] args) throws Exception {
        long bootMs = 1000;
        int nodes = 16;
        int runs = 7;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--boot-ms" -> bootMs = Long.parseLong(args[++i]);
                case "--nodes" -> nodes = Integer.parseInt(args[++i]);
                case "--runs" -> runs = Integer.parseInt(args[++i]);
                default -> throw new IllegalArgumentException("usage: bench-cluster [--boot-ms MS] [--nodes N] [--runs N]");
            }
        }
        if (!TestbedSupport.running()) {
            System.err.println("bench-cluster: the testbed is not running: scripts/testbed start");
            System.exit(2);
        }
        TestbedSupport tb = TestbedSupport.require();
        Path tmp = Files.createTempDirectory("bench-cluster");
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "bench" + id;
        TestContext shell = ClusterTestbedTest.loopback(tmp.resolve("home"), tb, cloud, "");
        String big = "b" + id;
        String one = "o" + id;
        String cm = "cm: {kind: loopback, boot_ms: " + bootMs + "}";
        // the cloud entry with its boot latency
        @SuppressWarnings("unchecked")
        var entry = (java.util.Map<String, Object>) ((java.util.Map<String, Object>) shell.config.getMap("cloudmesh.cloud")).get(cloud);
        entry.put("cm", new org.yaml.snakeyaml.Yaml().load(cm.substring(4)));
        try {
            System.out.printf("bench-cluster: %d cores, load average %s, boot call %d ms (loopback cloud on %s:%d)%n",
                    Runtime.getRuntime().availableProcessors(), load(), bootMs, tb.sshHost(), tb.sshPort());
            List<Long> boots = new ArrayList<>();
            try (Compute c = new LoopbackProvider().open(ProviderConfig.of(shell.config(), cloud))) {
                for (int i = 0; i < 3; i++) {
                    long t0 = System.nanoTime();
                    c.boot(new BootRequest("single" + i, "img", "small", null, null, null, null, tb.user()));
                    boots.add(ms(t0));
                    c.terminate(c.list().stream().filter(v -> v.name().startsWith("single")).findFirst().orElseThrow());
                }
            }
            long boot = median(boots);

            long t0 = System.nanoTime();
            TestContext.Run r = shell.cms("cluster", "create", big, "--cloud", cloud, "--count", Integer.toString(nodes), "--no-setup");
            long create = ms(t0);
            if (r.status() != 0) throw new IllegalStateException("cluster create failed: " + r);
            t0 = System.nanoTime();
            r = shell.cms("cluster", "setup", big);
            long setup = ms(t0);
            if (r.status() != 0) throw new IllegalStateException("cluster setup failed: " + r);
            System.out.printf("cluster create 1+%d nodes, boot and record:        %6d ms; one boot call %5d ms: %.2fx (target <= 3x)%n",
                    nodes, create, boot, create / (double) boot);
            System.out.printf("  then ssh trust and hosts file on the manager:  %6d ms; whole create %6d ms: %.2fx%n",
                    setup, create + setup, (create + setup) / (double) boot);
            System.out.printf("  floor: %d logins at once from the manager to the testbed's sshd: %d ms%n", nodes, floor(tb, nodes, false));

            r = shell.cms("cluster", "create", one, "--cloud", cloud, "--count", "1");
            if (r.status() != 0) throw new IllegalStateException("cluster create failed: " + r);
            long many = runMedian(shell, big, "hostname", runs);
            long single = runMedian(shell, one, "hostname", runs);
            System.out.printf("cluster run 'hostname' on %d nodes: %6d ms; on 1 node: %5d ms: %.2fx (target <= 2x), median of %d%n",
                    nodes, many, single, many / (double) single, runs);
            long manyWork = runMedian(shell, big, "sleep 1; hostname", 3);
            long singleWork = runMedian(shell, one, "sleep 1; hostname", 3);
            System.out.printf("cluster run 'sleep 1; hostname' (a step that works 1 s) on %d nodes: %6d ms; on 1 node: %5d ms: %.2fx%n",
                    nodes, manyWork, singleWork, manyWork / (double) singleWork);
            System.out.printf("  floor: multiplexed 'ssh NODE hostname' from the manager, %d at once: %d ms; one: %d ms%n",
                    nodes, floor(tb, nodes, true), floor(tb, 1, true));
        } finally {
            shell.cms("cluster", "delete", big, "--yes");
            shell.cms("cluster", "delete", one, "--yes");
            Clusters.deleteTree(tmp);
        }
    }

    /**
     * The machine's own floor, without cms: {@code n} ssh logins (fresh, or multiplexed over one master) at once from
     * the testbed user to the testbed's sshd, every "node" sharing this machine's cores. Median of 3.
     */
    private static long floor(TestbedSupport tb, int n, boolean mux) throws Exception {
        Path d = Files.createTempDirectory("bench-floor");
        try {
            String opts = "-o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o LogLevel=ERROR -p "
                    + tb.sshPort() + " -i " + tb.sshKey() + " -l " + tb.user()
                    + (mux ? " -o ControlMaster=auto -o ControlPersist=30 -o ControlPath=" + d + "/m-%C" : " -o ControlMaster=no");
            String one = "ssh " + opts + " " + tb.sshHost() + " hostname >/dev/null";
            if (mux) run(one);
            List<Long> times = new ArrayList<>();
            for (int i = 0; i < 3; i++) {
                long t0 = System.nanoTime();
                run("for i in $(seq 1 " + n + "); do " + one + " & done; wait");
                times.add(ms(t0));
            }
            if (mux) run("ssh " + opts + " -O exit " + tb.sshHost() + " 2>/dev/null || true");
            return median(times);
        } finally {
            Clusters.deleteTree(d);
        }
    }

    private static void run(String script) throws Exception {
        new ProcessBuilder("bash", "-c", script).inheritIO().start().waitFor();
    }

    private static long runMedian(TestContext shell, String cluster, String command, int runs) {
        shell.cms("cluster", "run", cluster, "hostname"); // warm-up: the manager's connections to the nodes
        List<Long> times = new ArrayList<>();
        for (int i = 0; i < runs; i++) {
            long t0 = System.nanoTime();
            TestContext.Run r = shell.cms("cluster", "run", cluster, command);
            times.add(ms(t0));
            if (r.status() != 0) throw new IllegalStateException("cluster run failed: " + r);
        }
        return median(times);
    }

    private static long median(List<Long> xs) {
        List<Long> s = new ArrayList<>(xs);
        Collections.sort(s);
        return s.get(s.size() / 2);
    }

    private static long ms(long t0) {
        return (System.nanoTime() - t0) / 1_000_000;
    }

    private static String load() {
        try {
            return Files.readString(Path.of("/proc/loadavg")).split(" ")[0];
        } catch (Exception e) {
            return "?";
        }
    }
}
