package org.cloudmesh.cms.comet.stats;

import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.slurm.Remote;
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
        record Cs(long id, String cluster, String job, Long submit, Long start) {
        }
        Store store = comet.store();
        List<Cs> sets = store.read(c -> {
            List<Cs> out = new ArrayList<>();
            String sql = "SELECT id, cluster, job_id, submit_time, start_time FROM computesets WHERE submit_time IS NOT NULL"
                    + (e != null ? " AND endpoint = ?" : "") + (cluster != null ? " AND cluster = ?" : "") + " ORDER BY id";
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (e != null) ps.setString(i++, e.name());
                if (cluster != null) ps.setString(i, cluster);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long st = rs.getLong(5);
                        out.add(new Cs(rs.getLong(1), rs.getString(2), rs.getString(3), rs.getLong(4), rs.wasNull() ? null : st));
                    }
                }
            }
            return out;
        });
        Map<String, Sacct.Job> slurm = new HashMap<>();
        if (e != null && !sets.isEmpty()) {
            try {
                List<String> ids = new ArrayList<>();
                for (Cs s : sets) if (s.job() != null && s.job().matches("[0-9_]+")) ids.add(s.job());
                Remote r = comet.slurm(e).remote();
                for (int from = 0; from < ids.size(); from += 500) {
                    String cmd = "sacct -P -X --format=" + Sacct.FORMAT + " -j " + String.join(",", ids.subList(from, Math.min(ids.size(), from + 500)));
                    Remote.Result res = r.run(cmd, Duration.ofSeconds(60));
                    if (!res.ok()) throw new CmsException("sacct on " + r.where() + " failed: " + res.reason());
                    for (Sacct.Job j : Sacct.parse("sacct on " + r.where(), res.out().lines().toList())) slurm.put(j.id(), j);
                }
            } catch (CmsException x) {
                if (warn != null) {
                    warn.println("WARNING: " + x.getMessage() + "; using the submit and start times the store recorded");
                    warn.flush();
                }
            }
        }
        int n = 0;
        int notStarted = 0;
        int fromSlurm = 0;
        int fromStore = 0;
        long[] submit = new long[Math.max(16, sets.size())];
        long[] wait = new long[submit.length];
        for (Cs s : sets) {
            Long sub = s.submit();
            Long start = s.start();
            Sacct.Job j = s.job() == null ? null : slurm.get(s.job());
            if (j != null && j.start() != null) {
                sub = j.submit();
                start = j.start();
                fromSlurm++;
            } else if (start != null) {
                fromStore++;
            }
            if (since != null && sub < since || until != null && sub >= until) continue;
            if (start == null) {
                notStarted++;
                continue;
            }
            submit[n] = sub;
            wait[n] = Math.max(0, start - sub);
            n++;
        }
        final int base = n;
        long[][] grown = store.read(c -> {
            String sql = "SELECT submit, start FROM imported_jobs WHERE 1=1" + (cluster != null ? " AND source = ?" : "")
                    + (since != null ? " AND submit >= ?" : "") + (until != null ? " AND submit < ?" : "");
            long[] sb = submit;
            long[] wt = wait;
            int k = base;
            int ns = 0;
            try (PreparedStatement ps = c.prepareStatement(sql)) {
                int i = 1;
                if (cluster != null) ps.setString(i++, cluster);
                if (since != null) ps.setLong(i++, since);
                if (until != null) ps.setLong(i, until);
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        long sub = rs.getLong(1);
                        long st = rs.getLong(2);
                        if (rs.wasNull()) {
                            ns++;
                            continue;
                        }
                        if (k == sb.length) {
                            sb = java.util.Arrays.copyOf(sb, sb.length * 2);
                            wt = java.util.Arrays.copyOf(wt, wt.length * 2);
                        }
                        sb[k] = sub;
                        wt[k] = Math.max(0, st - sub);
                        k++;
                    }
                }
            }
            return new long[][] {sb, wt, {k, ns}};
        });
        int total = (int) grown[2][0];
        WaitStats stats = new WaitStats(java.util.Arrays.copyOf(grown[0], total), java.util.Arrays.copyOf(grown[1], total));
        return new Result(stats, notStarted + (int) grown[2][1], fromSlurm, fromStore, total - base);
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
        List<Sacct.Job> jobs = Sacct.parse(file.toString(), lines);
        int notStarted = 0;
        for (Sacct.Job j : jobs) if (j.start() == null) notStarted++;
        store.write(c -> {
            try (PreparedStatement ps = c.prepareStatement("INSERT OR REPLACE INTO imported_jobs(source, job_id, job_name,"
                    + " account, submit, start, end_time, state, nnodes) VALUES (?,?,?,?,?,?,?,?,?)")) {
                for (Sacct.Job j : jobs) {
                    ps.setString(1, source);
                    ps.setString(2, j.id());
                    ps.setString(3, j.name());
                    ps.setString(4, j.account());
                    ps.setLong(5, j.submit());
                    if (j.start() == null) ps.setNull(6, java.sql.Types.INTEGER);
                    else ps.setLong(6, j.start());
                    if (j.end() == null) ps.setNull(7, java.sql.Types.INTEGER);
                    else ps.setLong(7, j.end());
                    ps.setString(8, j.state());
                    if (j.nnodes() == null) ps.setNull(9, java.sql.Types.INTEGER);
                    else ps.setInt(9, j.nnodes());
                    ps.addBatch();
                }
                ps.executeBatch();
            }
            return null;
        });
        return new int[] {jobs.size(), notStarted};
    }
}
