package org.cloudmesh.cms.comet.stats;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.file.Files;
import java.nio.file.Path;
import org.cloudmesh.cms.comet.TestContext;

/**
 * scripts/bench-stats: import, then time 'comet stats wait --plot' (median of 5 runs after 2 warm-ups).
 * {@code BenchStats export FILE N} only writes the generated sacct export (for the script's runs of bin/cms).
 */
public final class BenchStats {
    public static void main(String[] args) throws Exception {
        if (args.length == 3 && args[0].equals("export")) {
            WaitStatsTest.export(Path.of(args[1]), Integer.parseInt(args[2]), 42);
            return;
        }
        Path dir = Files.createTempDirectory("bench-stats");
        try {
            for (int n : new int[] {23_000, 1_000_000}) {
                Path home = Files.createDirectory(dir.resolve("home" + n));
                Path file = dir.resolve("jobs" + n + ".txt");
                WaitStatsTest.export(file, n, 42);
                try (TestContext cms = new TestContext(home)) {
                    long t0 = System.nanoTime();
                    check(cms.run("stats", "import", file.toString()), cms);
                    double importS = (System.nanoTime() - t0) / 1e9;
                    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
                    double[] runs = new double[7];
                    Path png = dir.resolve("waits" + n + ".png");
                    for (int i = 0; i < runs.length; i++) {
                        long t = System.nanoTime();
                        check(cms.run("stats", "wait", "--cluster", "jobs" + n, "--plot", png.toString()), cms);
                        runs[i] = (System.nanoTime() - t) / 1e9;
                    }
                    long peak = 0;
                    for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) {
                        if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
                    }
                    double[] warm = java.util.Arrays.copyOfRange(runs, 2, runs.length);
                    java.util.Arrays.sort(warm);
                    System.out.printf("%,9d records: import %.2f s; stats wait --plot in this JVM (no class-data archive): first %.2f s, warm median %.3f s (max %.3f s);"
                            + " peak heap %d MB (-Xmx %d MB); PNG %d KB%n", n, importS, runs[0], warm[warm.length / 2],
                            warm[warm.length - 1], peak >> 20, Runtime.getRuntime().maxMemory() >> 20, Files.size(png) >> 10);
                }
            }
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    static void check(int rc, TestContext cms) {
        if (rc != 0) throw new IllegalStateException(cms.errText());
    }
}
