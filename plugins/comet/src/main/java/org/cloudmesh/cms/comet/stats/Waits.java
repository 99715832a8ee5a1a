package org.cloudmesh.cms.comet.stats;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.slurm.SlurmClient;
import org.cloudmesh.cms.comet.store.Store;

/**
 * Collects the waits: the store's computesets (their Slurm job's Submit and Start from sacct when Slurm answers,
 * else the times the store recorded) and the jobs imported with 'comet stats import'.
 */
public final class Waits {
    private Waits() {
    }

    /** The waits and how many requests had not started. */
    public record Result(WaitStats stats, int notStarted, int fromSlurm, int fromStore, int imported) {
    }

    /**
     * @param e the endpoint whose Slurm is asked (null: store times only)
     * @param cluster a cluster name or an import source (null: all)
     * @param since, until epoch seconds bounding the submission time (null: open)
     */
    public static Result load(Comet comet, Endpoint e, String cluster, Long since, Long until, PrintWriter warn) {
        Store store = comet.store();
        List<Store.Submitted> sets = store.submitted(e == null ? null : e.name(), cluster);
        Map<String, SlurmClient.JobTimes> slurm = Map.of();
        if (e != null && !sets.isEmpty()) {
            try {
                List<String> ids = new ArrayList<>();
                for (Store.Submitted s : sets) if (s.jobId() != null) ids.add(s.jobId());
                slurm = comet.slurm(e).times(ids);
            } catch (CmsException x) {
                if (warn != null) {
                    warn.println("WARNING: " + x.getMessage() + "; using the submit and start times the store recorded");
                    warn.flush();
                }
            }
        }
        Collected waits = new Collected(sets.size());
        int notStarted = 0;
        int fromSlurm = 0;
        int fromStore = 0;
        for (Store.Submitted s : sets) {
            long submit = s.submit();
            Long start = s.start();
            SlurmClient.JobTimes j = s.jobId() == null ? null : slurm.get(s.jobId());
            if (j != null && j.start() != null) {
                submit = j.submit();
                start = j.start();
                fromSlurm++;
            } else if (start != null) {
                fromStore++;
            }
            if (since != null && submit < since || until != null && submit >= until) continue;
            if (start == null) notStarted++;
            else waits.add(submit, start);
        }
        int fromSets = waits.n;
        int[] importedNotStarted = {0};
        store.importedJobs(cluster, since, until, (submit, start) -> {
            if (start == null) importedNotStarted[0]++;
            else waits.add(submit, start);
        });
        WaitStats stats = new WaitStats(Arrays.copyOf(waits.submit, waits.n), Arrays.copyOf(waits.wait, waits.n));
        return new Result(stats, notStarted + importedNotStarted[0], fromSlurm, fromStore, waits.n - fromSets);
    }

    /** Submission times and waits in two growing arrays: an import can hold millions. */
    private static final class Collected {
        long[] submit;
        long[] wait;
        int n;

        Collected(int expected) {
            submit = new long[Math.max(16, expected)];
            wait = new long[submit.length];
        }

        void add(long submitted, long started) {
            if (n == submit.length) {
                submit = Arrays.copyOf(submit, n * 2);
                wait = Arrays.copyOf(wait, n * 2);
            }
            submit[n] = submitted;
            wait[n] = Math.max(0, started - submitted);
            n++;
        }
    }

    /** Reads a sacct -P export into the store under {@code source}; all or nothing. Returns (jobs, never started). */
    public static int[] importFile(Store store, Path file, String source) {
        if (!Files.exists(file)) throw new CmsException("no such file: " + file);
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (java.io.IOException | java.io.UncheckedIOException x) {
            throw new CmsException("cannot read " + file + ": " + x.getMessage(), x);
        }
        List<Store.ImportedJob> jobs = Sacct.parse(file.toString(), lines);
        int notStarted = 0;
        for (Store.ImportedJob j : jobs) if (j.start() == null) notStarted++;
        store.importJobs(source, jobs);
        return new int[] {jobs.size(), notStarted};
    }
}
