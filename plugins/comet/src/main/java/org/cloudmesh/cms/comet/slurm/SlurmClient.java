package org.cloudmesh.cms.comet.slurm;

import java.time.Duration;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.ssh.Shell;
import org.cloudmesh.cms.api.util.Names;

/**
 * Slurm commands on the login host, over one {@link Remote}. Every value that reaches the command line is a
 * validated name or a number, and is quoted besides. Reads (squeue, sacct) are idempotent and retried with
 * backoff when the host cannot be reached; writes (sbatch, scancel) are sent once.
 */
public final class SlurmClient {
    /** What Slurm says about one job. Times are epoch seconds or null. */
    public record Job(String id, String name, String state, String nodes, String reason, Long start, Long end) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Remote remote;
    private final String user;

    public SlurmClient(Remote remote, String user) {
        this.remote = remote;
        this.user = Names.require("Slurm user", user);
    }

    public Remote remote() {
        return remote;
    }

    /** What sbatch gets. {@code exclude}: physical hosts the job must not get (e.g. no free VF). */
    public record Submit(String jobName, String account, long minutes, int nodes, String partition,
                         String reservation, boolean exclusive, List<String> exclude, String outputDir) {
    }

    /** The sbatch command line for a computeset's holder job (exposed for tests). */
    public static String submitCommand(Submit s) {
        List<String> w = new ArrayList<>(List.of("sbatch", "--parsable", "-J", Names.require("job", s.jobName())));
        if (s.account() != null) w.addAll(List.of("-A", Names.require("allocation", s.account())));
        if (s.minutes() <= 0) throw new CmsException("walltime must be at least one minute");
        w.addAll(List.of("-t", Long.toString(s.minutes()), "-N", Integer.toString(s.nodes())));
        if (s.partition() != null) w.addAll(List.of("-p", Names.require("partition", s.partition())));
        if (s.reservation() != null) w.add("--reservation=" + Names.require("reservation", s.reservation()));
        if (s.exclusive()) w.add("--exclusive");
        if (s.exclude() != null && !s.exclude().isEmpty()) {
            for (String h : s.exclude()) Names.require("host", h);
            w.addAll(List.of("-x", String.join(",", s.exclude())));
        }
        String dir = s.outputDir();
        if (!dir.matches("[A-Za-z0-9._/-]+") || dir.contains("..")) throw new CmsException("bad Slurm output_dir '" + dir + "'");
        // the output file goes to a cms directory on the login host (never the cwd); "$HOME" is expanded remotely
        String base = dir.startsWith("/") ? Shell.quote(dir) : "\"$HOME\"/" + Shell.quote(dir);
        return "mkdir -p -- " + base + " && " + Shell.command(w) + " -D " + base + " -o " + base + "/%x-%j.out"
                + " --wrap " + Shell.quote("exec sleep infinity");
    }

    /** Submits a holder job; returns its id. Slurm's refusal is quoted in the error. */
    public String submit(Submit s) {
        Remote.Result r = remote.run(submitCommand(s), TIMEOUT);
        if (!r.ok()) {
            throw new CmsException("Slurm refused the computeset: " + r.reason().replaceFirst("^sbatch: error: ", ""));
        }
        String out = r.out().strip();
        String id = out.contains(";") ? out.substring(0, out.indexOf(';')) : out;
        if (!id.matches("[0-9]+")) throw new CmsException("sbatch answered '" + out + "' instead of a job id");
        return id;
    }

    /** Cancels a job (a finished or unknown job is not an error). */
    public void cancel(String jobId) {
        requireId(jobId);
        Remote.Result r = remote.run(Shell.command(List.of("scancel", jobId)), TIMEOUT);
        if (!r.ok() && !r.reason().contains("Invalid job id") && !r.reason().contains("already completing or completed")) {
            throw new CmsException("scancel " + jobId + " failed: " + r.reason());
        }
    }

    /** Changes a job's time limit (minutes); used for tests and walltime changes. */
    public void timeLimit(String jobId, String limit) {
        requireId(jobId);
        Remote.Result r = retry(() -> remote.run(Shell.command(List.of("scontrol", "update", "JobId=" + jobId,
                "TimeLimit=" + limit)), TIMEOUT));
        if (!r.ok()) throw new CmsException("scontrol update of job " + jobId + " failed: " + r.reason());
    }

    /**
     * The state of jobs: squeue for the ones Slurm still holds, sacct for the others. A job id missing from the
     * answer is unknown to Slurm (never submitted, or its record is gone).
     */
    public Map<String, Job> jobs(Collection<String> ids) {
        Map<String, Job> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        for (String id : ids) requireId(id);
        Remote.Result q = retry(() -> remote.run(Shell.command(List.of("squeue", "-h", "-t", "all", "-u", user,
                "-o", "%i|%j|%T|%N|%r|%S|%e")), TIMEOUT));
        if (!q.ok()) throw new CmsException("squeue on " + remote.where() + " failed: " + q.reason());
        for (String line : q.out().split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 7 || !ids.contains(f[0])) continue;
            out.put(f[0], new Job(f[0], f[1], f[2], blank(f[3]), reason(f[4]), time(f[5]), time(f[6])));
        }
        List<String> missing = new ArrayList<>();
        for (String id : ids) if (!out.containsKey(id)) missing.add(id);
        if (!missing.isEmpty()) out.putAll(accounting(missing));
        return out;
    }

    /** Jobs as the accounting database has them (sacct), for jobs squeue has forgotten. */
    public Map<String, Job> accounting(Collection<String> ids) {
        Map<String, Job> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        for (String id : ids) requireId(id);
        Remote.Result a = retry(() -> remote.run(Shell.command(List.of("sacct", "-n", "-P", "-X", "-j", String.join(",", ids),
                "--format=JobID,JobName,State,NodeList,Reason,Start,End")), TIMEOUT));
        if (!a.ok()) throw new CmsException("sacct on " + remote.where() + " failed: " + a.reason());
        for (String line : a.out().split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 7 || !ids.contains(f[0])) continue;
            out.put(f[0], new Job(f[0], f[1], f[2], blank(f[3]), reason(f[4]), time(f[5]), time(f[6])));
        }
        return out;
    }

    /** Finds a job by name among the user's jobs (squeue, then sacct of the last day): for recovery after a crash. */
    public Job byName(String name) {
        Names.require("job", name);
        Remote.Result q = retry(() -> remote.run(Shell.command(List.of("squeue", "-h", "-t", "all", "-u", user, "-n", name,
                "-o", "%i|%j|%T|%N|%r|%S|%e")), TIMEOUT));
        if (q.ok()) {
            for (String line : q.out().split("\n")) {
                String[] f = line.strip().split("\\|", -1);
                if (f.length >= 7 && f[1].equals(name)) return new Job(f[0], f[1], f[2], blank(f[3]), reason(f[4]), time(f[5]), time(f[6]));
            }
        }
        Remote.Result a = retry(() -> remote.run(Shell.command(List.of("sacct", "-n", "-P", "-X", "-u", user, "--name", name,
                "-S", "now-2days", "--format=JobID,JobName,State,NodeList,Reason,Start,End")), TIMEOUT));
        if (a.ok()) {
            for (String line : a.out().split("\n")) {
                String[] f = line.strip().split("\\|", -1);
                if (f.length >= 7 && f[1].equals(name)) return new Job(f[0], f[1], f[2], blank(f[3]), reason(f[4]), time(f[5]), time(f[6]));
            }
        }
        return null;
    }

    private interface Call {
        Remote.Result run();
    }

    /** Up to 4 tries, 0.2, 0.5 and 1 s apart, while the host is unreachable. */
    static Remote.Result retry(Call call) {
        long[] waits = {200, 500, 1000};
        for (int i = 0; ; i++) {
            try {
                return call.run();
            } catch (Remote.Unreachable e) {
                if (i >= waits.length) throw e;
                try {
                    Thread.sleep(waits[i]);
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    throw e;
                }
            }
        }
    }

    private static void requireId(String id) {
        if (id == null || !id.matches("[0-9]+(_[0-9]+)?")) throw new CmsException("invalid Slurm job id '" + id + "'");
    }

    private static String blank(String s) {
        return s == null || s.isBlank() || s.equals("(null)") || s.equals("None assigned") ? null : s.strip();
    }

    private static String reason(String s) {
        String r = blank(s);
        return r == null || r.equals("None") ? null : r;
    }

    /** Slurm's local ISO time (2026-11-25T21:19:51) as epoch seconds; Unknown/None/N/A as null. */
    static Long time(String s) {
        if (s == null || s.isBlank() || !Character.isDigit(s.strip().charAt(0))) return null;
        try {
            return LocalDateTime.parse(s.strip()).atZone(ZoneId.systemDefault()).toEpochSecond();
        } catch (DateTimeParseException e) {
            return null;
        }
    }
}
