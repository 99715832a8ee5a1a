package org.cloudmesh.cms.comet.stats;

import java.util.Arrays;

/**
 * Waits between asking for nodes and getting them (seconds), in submission order, and their summary. Percentiles
 * use the nearest-rank definition: the p-th percentile of n sorted waits is the value at rank ceil(p/100 * n)
 * (1-based), computed in integers, so it is always one of the observed waits; the median is p50.
 */
public final class WaitStats {
    /** Submission times (epoch seconds) and waits (seconds), sorted by submission. */
    final long[] submit;
    final long[] wait;
    final long[] sorted;

    public record Summary(int count, double mean, long min, long median, long p75, long p90, long p99, long max) {
    }

    public WaitStats(long[] submit, long[] wait) {
        if (submit.length != wait.length) throw new IllegalArgumentException("lengths differ");
        int n = submit.length;
        Integer[] order = null;
        boolean ordered = true;
        for (int i = 1; i < n && ordered; i++) ordered = submit[i - 1] <= submit[i];
        if (ordered) {
            this.submit = submit;
            this.wait = wait;
        } else {
            // sort by submission time: pack (submit, index) pairs into one sort of longs' indices
            long[] keys = new long[n];
            for (int i = 0; i < n; i++) keys[i] = submit[i];
            int[] idx = sortIndex(keys);
            this.submit = new long[n];
            this.wait = new long[n];
            for (int i = 0; i < n; i++) {
                this.submit[i] = submit[idx[i]];
                this.wait[i] = wait[idx[i]];
            }
        }
        this.sorted = this.wait.clone();
        Arrays.sort(this.sorted);
    }

    private static int[] sortIndex(long[] keys) {
        int n = keys.length;
        long[] packed = new long[n];
        long min = Long.MAX_VALUE;
        long max = Long.MIN_VALUE;
        for (long k : keys) {
            min = Math.min(min, k);
            max = Math.max(max, k);
        }
        if (n < (1 << 21) && max - min < (1L << 42)) {
            for (int i = 0; i < n; i++) packed[i] = ((keys[i] - min) << 21) | i;
            Arrays.sort(packed);
            int[] idx = new int[n];
            for (int i = 0; i < n; i++) idx[i] = (int) (packed[i] & ((1 << 21) - 1));
            return idx;
        }
        Integer[] boxed = new Integer[n];
        for (int i = 0; i < n; i++) boxed[i] = i;
        Arrays.sort(boxed, (a, b) -> Long.compare(keys[a], keys[b]));
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = boxed[i];
        return idx;
    }

    public int count() {
        return wait.length;
    }

    /** Nearest rank: the value at rank ceil(p * n / 100), 1-based; p in whole percent 1..100. */
    public static long nearestRank(long[] sorted, int p) {
        int n = sorted.length;
        long rank = ((long) p * n + 99) / 100;
        return sorted[(int) Math.max(1, rank) - 1];
    }

    public Summary summary() {
        int n = sorted.length;
        if (n == 0) return new Summary(0, 0, 0, 0, 0, 0, 0, 0);
        long sum = 0;
        for (long w : sorted) sum += w;
        double mean = (double) sum / n;
        return new Summary(n, mean, sorted[0], nearestRank(sorted, 50), nearestRank(sorted, 75), nearestRank(sorted, 90),
                nearestRank(sorted, 99), sorted[n - 1]);
    }

    /** "3h 02m 07s", "4m 05s", "12s", "2d 03h 00m". */
    public static String human(double seconds) {
        long s = Math.round(seconds);
        if (s < 60) return s + "s";
        if (s < 3600) return String.format("%dm %02ds", s / 60, s % 60);
        if (s < 86400) return String.format("%dh %02dm %02ds", s / 3600, s % 3600 / 60, s % 60);
        return String.format("%dd %02dh %02dm", s / 86400, s % 86400 / 3600, s % 3600 / 60);
    }
}
