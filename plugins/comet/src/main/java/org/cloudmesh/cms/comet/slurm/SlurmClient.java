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
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.util.Names;

/**
 * Slurm commands on the login host, over one {@link Remote}. Every value that reaches the command line is a
 * validated name or a number, and is quoted besides. Reads (squeue, sacct) are idempotent and retried with
 * backoff when the host cannot be reached or Slurm cannot be contacted for a moment (slurmctld or slurmdbd
 * restarting), for at most slurm.timeout while Slurm does not answer (its own clients retry for minutes); writes
 * (sbatch, scancel) are sent once.
 */
public final class SlurmClient {
    /** What Slurm says about one job. Times are epoch seconds or null. */
    public record Job(String id, String name, String state, String nodes, String reason, Long start, Long end) {
    }

    private static final Duration TIMEOUT = Duration.ofSeconds(30);
    private final Remote remote;
    private final String user;
    /** The directory of Slurm's commands on the login host, or null for the login shell's PATH. */
    private final String bin;

    public SlurmClient(Remote remote, String user) {
        this(remote, user, null);
    }

    /** @param bin where sbatch, squeue ... live on the login host (e.g. /opt/slurm/bin), or null to use PATH */
    public SlurmClient(Remote remote, String user, String bin) {
        this(remote, user, bin, Duration.ofSeconds(5));
    }

    /** How long a read (squeue, sacct) waits for Slurm in all its tries: Slurm's own clients retry for minutes. */
    private final Duration readTimeout;

    /** @param readTimeout how long a read waits for Slurm's answer, all tries together (slurm.timeout) */
    public SlurmClient(Remote remote, String user, String bin, Duration readTimeout) {
        this(remote, user, bin, readTimeout, null);
    }

    /** The partition reservations are made in (slurm.partition), or null for Slurm's default. */
    private final String partition;

    /** @param partition where reservations are made (slurm.partition), or null */
    public SlurmClient(Remote remote, String user, String bin, Duration readTimeout, String partition) {
        this.partition = partition == null ? null : Names.require("partition", partition);
        this.readTimeout = readTimeout;
        this.remote = remote;
        this.user = Names.require("Slurm user", user);
        if (bin != null && (!bin.matches("/[A-Za-z0-9._/-]*") || bin.contains(".."))) {
            throw new CmsException("bad Slurm bin directory '" + bin + "': give an absolute path of [A-Za-z0-9._/-]");
        }
        this.bin = bin == null ? null : bin.replaceAll("/+$", "");
    }

    /** A time in Slurm's grammar as one word: nothing a shell or Slurm reads as syntax, and never an option. */
    private static final String TIME_WORD = "[A-Za-z0-9][A-Za-z0-9:+-]*";

    /** A Slurm command line: the command (from {@code bin} when set) and its quoted words. */
    private String slurm(String command, String... words) {
        List<String> w = new ArrayList<>();
        w.add(bin == null ? command : bin + "/" + command);
        w.addAll(List.of(words));
        return ShellQuote.command(w);
    }

    public Remote remote() {
        return remote;
    }

    /**
     * What sbatch gets. {@code exclude}: physical hosts the job must not get (e.g. no free VF); {@code begin}: Slurm's
     * --begin (already checked against {@code lifetime.Times}), or null.
     */
    public record Submit(String jobName, String account, long minutes, int nodes, String partition,
                         String reservation, String begin, boolean exclusive, List<String> exclude, String outputDir) {
    }

    /** The sbatch command line for a computeset's holder job (exposed for tests). */
    public static String submitCommand(Submit s) {
        return submitCommand(s, null);
    }

    static String submitCommand(Submit s, String bin) {
        List<String> w = new ArrayList<>(List.of(bin == null ? "sbatch" : bin + "/sbatch", "--parsable", "-J", Names.require("job", s.jobName())));
        if (s.account() != null) w.addAll(List.of("-A", Names.require("allocation", s.account())));
        if (s.minutes() <= 0) throw new CmsException("walltime must be at least one minute");
        w.addAll(List.of("-t", Long.toString(s.minutes()), "-N", Integer.toString(s.nodes())));
        if (s.partition() != null) w.addAll(List.of("-p", Names.require("partition", s.partition())));
        if (s.reservation() != null) w.add("--reservation=" + Names.require("reservation", s.reservation()));
        if (s.begin() != null) {
            if (!s.begin().matches(TIME_WORD)) throw new CmsException("invalid begin time '" + s.begin() + "'");
            w.add("--begin=" + s.begin());
        }
        if (s.exclusive()) w.add("--exclusive");
        if (s.exclude() != null && !s.exclude().isEmpty()) {
            for (String h : s.exclude()) Names.require("host", h);
            w.addAll(List.of("-x", String.join(",", s.exclude())));
        }
        String dir = s.outputDir();
        if (!dir.matches("[A-Za-z0-9._/-]+") || dir.contains("..")) throw new CmsException("bad Slurm output_dir '" + dir + "'");
        // the output file goes to a cms directory on the login host (never the cwd); "$HOME" is expanded remotely
        String base = dir.startsWith("/") ? ShellQuote.quote(dir) : "\"$HOME\"/" + ShellQuote.quote(dir);
        return "mkdir -p -- " + base + " && " + ShellQuote.command(w) + " -D " + base + " -o " + base + "/%x-%j.out"
                + " --wrap " + ShellQuote.quote("exec sleep infinity");
    }

    /** Submits a holder job; returns its id. Slurm's refusal is quoted in the error. */
    public String submit(Submit s) {
        Remote.Result r = remote.run(submitCommand(s, bin), TIMEOUT);
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
        Remote.Result r = remote.run(slurm("scancel", jobId), TIMEOUT);
        if (!r.ok() && !r.reason().contains("Invalid job id") && !r.reason().contains("already completing or completed")) {
            throw new CmsException("scancel " + jobId + " failed: " + r.reason());
        }
    }

    /**
     * Sets a job's time limit to {@code minutes} (absolute, so a repeated call changes nothing more). Raising it
     * needs an operator account; Slurm's refusal is quoted.
     */
    public void timeLimit(String jobId, long minutes) {
        requireId(jobId);
        if (minutes <= 0) throw new CmsException("a time limit must be at least one minute");
        Remote.Result r = write(slurm("scontrol", "update", "JobId=" + jobId, "TimeLimit=" + minutes));
        if (!r.ok()) throw new CmsException("Slurm refused the new time limit of job " + jobId + ": " + r.reason() + controller(r));
    }

    /** A Slurm reservation as {@code scontrol show reservation} has it; times are epoch seconds. */
    public record Reservation(String name, String nodes, int nodeCount, Long start, Long end, String users,
                              String accounts, String state) {
    }

    /** Every reservation Slurm knows (active and future). */
    public List<Reservation> reservations() {
        Remote.Result r = read(slurm("scontrol", "-o", "show", "reservation"));
        if (!r.ok()) throw new CmsException("scontrol show reservation on " + remote.where() + " failed: " + r.reason() + controller(r));
        List<Reservation> out = new ArrayList<>();
        for (String line : r.out().split("\n")) {
            if (line.startsWith("ReservationName=")) out.add(parseReservation(line));
        }
        return out;
    }

    /** The reservation of that name, or null when Slurm has none. */
    public Reservation reservation(String name) {
        Names.require("reservation", name);
        for (Reservation x : reservations()) if (x.name().equals(name)) return x;
        return null;
    }

    static Reservation parseReservation(String line) {
        Map<String, String> f = new HashMap<>();
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\w+)=(\\S*)").matcher(line);
        while (m.find()) f.putIfAbsent(m.group(1), m.group(2));
        int count = f.getOrDefault("NodeCnt", "0").matches("[0-9]+") ? Integer.parseInt(f.get("NodeCnt")) : 0;
        return new Reservation(f.get("ReservationName"), blank(f.get("Nodes")), count, time(f.get("StartTime")),
                time(f.get("EndTime")), blank(f.get("Users")), blank(f.get("Accounts")), blank(f.get("State")));
    }

    /**
     * Creates a reservation of {@code nodes} nodes from {@code start} (Slurm's time grammar, checked by the caller)
     * for {@code minutes}, for the given accounts. Slurm's refusal (nodes busy, a name taken) is quoted.
     */
    public void createReservation(String name, int nodes, String start, long minutes, List<String> accounts) {
        Names.require("reservation", name);
        if (!start.matches(TIME_WORD)) throw new CmsException("invalid start time '" + start + "'");
        for (String a : accounts) Names.require("account", a);
        List<String> w = new ArrayList<>(List.of("create", "reservation", "ReservationName=" + name, "NodeCnt=" + nodes,
                "StartTime=" + start, "Duration=" + minutes));
        if (partition != null) w.add("PartitionName=" + partition);
        w.add("Accounts=" + String.join(",", accounts));
        Remote.Result r = write(slurm("scontrol", w.toArray(String[]::new)));
        if (!r.ok()) {
            throw new CmsException("Slurm refused reservation " + name + ": "
                    + r.reason().replaceFirst("^Error creating the reservation: ", "") + controller(r));
        }
    }

    /** Deletes a reservation; Slurm's refusal (no such reservation, jobs still in it) is quoted. */
    public void deleteReservation(String name) {
        Names.require("reservation", name);
        Remote.Result r = write(slurm("scontrol", "delete", "ReservationName=" + name));
        if (!r.ok()) throw new CmsException("Slurm refused to delete reservation " + name + ": " + r.reason() + controller(r));
    }

    /**
     * A write, sent once and bounded: under {@code timeout} (slurm.timeout) so that an absent controller does not
     * hold the command for Slurm's own minutes of retries; then the answer names the controller's state.
     */
    private Remote.Result write(String command) {
        long t = Math.max(1, readTimeout.toSeconds());
        Remote.Result r = remote.run("timeout " + t + " " + command, TIMEOUT.plusSeconds(t));
        if (r.status() == 124 && r.err().isBlank()) r = new Remote.Result(124, r.out(), NO_ANSWER + t + " s (slurm.timeout " + t + "s)");
        return r;
    }

    /**
     * The state of jobs: squeue for the ones Slurm still holds, sacct for the others. A job id missing from the
     * answer is unknown to Slurm (never submitted, or its record is gone).
     */
    public Map<String, Job> jobs(Collection<String> ids) {
        Map<String, Job> out = new HashMap<>();
        if (ids.isEmpty()) return out;
        for (String id : ids) requireId(id);
        Remote.Result q = read(slurm("squeue", "-h", "-t", "all", "-u", user, "-o", "%i|%j|%T|%N|%r|%S|%e"));
        if (!q.ok()) throw new CmsException("squeue on " + remote.where() + " failed: " + q.reason() + controller(q));
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
        Remote.Result a = read(slurm("sacct", "-n", "-P", "-X", "-j", String.join(",", ids),
                "--format=JobID,JobName,State,NodeList,Reason,Start,End"));
        if (!a.ok()) throw new CmsException("sacct on " + remote.where() + " failed: " + a.reason());
        for (String line : a.out().split("\n")) {
            String[] f = line.strip().split("\\|", -1);
            if (f.length < 7 || !ids.contains(f[0])) continue;
            out.put(f[0], new Job(f[0], f[1], f[2], blank(f[3]), reason(f[4]), time(f[5]), time(f[6])));
        }
        return out;
    }

    /** When a job was submitted and when it started (epoch seconds; start null: not yet). */
    public record JobTimes(String id, long submit, Long start) {
    }

    /** Job ids per sacct call: a long history stays within the login host's command-line limit. */
    static final int IDS_PER_CALL = 500;

    /** Submit and start times from the accounting database (sacct); a job sacct does not know is missing. */
    public Map<String, JobTimes> times(List<String> ids) {
        Map<String, JobTimes> out = new HashMap<>();
        for (String id : ids) requireId(id);
        for (int from = 0; from < ids.size(); from += IDS_PER_CALL) {
            List<String> some = ids.subList(from, Math.min(ids.size(), from + IDS_PER_CALL));
            Remote.Result a = read(slurm("sacct", "-n", "-P", "-X", "-j", String.join(",", some), "--format=JobID,Submit,Start"));
            if (!a.ok()) throw new CmsException("sacct on " + remote.where() + " failed: " + a.reason());
            for (String line : a.out().split("\n")) {
                String[] f = line.strip().split("\\|", -1);
                Long submit = f.length < 3 ? null : time(f[1]);
                if (submit != null && some.contains(f[0])) out.put(f[0], new JobTimes(f[0], submit, time(f[2])));
            }
        }
        return out;
    }

    /** Finds a job by name among the user's jobs (squeue, then sacct of the last day): for recovery after a crash. */
    public Job byName(String name) {
        Names.require("job", name);
        Remote.Result q = read(slurm("squeue", "-h", "-t", "all", "-u", user, "-n", name, "-o", "%i|%j|%T|%N|%r|%S|%e"));
        if (!q.ok() && transient_(q)) throw new CmsException("squeue on " + remote.where() + " failed: " + q.reason() + controller(q));
        if (q.ok()) {
            for (String line : q.out().split("\n")) {
                String[] f = line.strip().split("\\|", -1);
                if (f.length >= 7 && f[1].equals(name)) return new Job(f[0], f[1], f[2], blank(f[3]), reason(f[4]), time(f[5]), time(f[6]));
            }
        }
        Remote.Result a = read(slurm("sacct", "-n", "-P", "-X", "-u", user, "--name", name,
                "-S", "now-2days", "--format=JobID,JobName,State,NodeList,Reason,Start,End"));
        // an answer that is not "no such job" must not be taken for one: the caller would give up on the set
        if (!a.ok() && transient_(a)) throw new CmsException("sacct on " + remote.where() + " failed: " + a.reason());
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

    /** What a read that {@code timeout} ended says instead of Slurm (whose clients print nothing while they retry). */
    static final String NO_ANSWER = "no answer from Slurm within ";

    /**
     * An idempotent read, bounded: every try runs under the login host's {@code timeout} with what is left of
     * slurm.timeout, and tries stop when it is used up ({@link #retry}).
     */
    private Remote.Result read(String command) {
        long deadline = System.nanoTime() + readTimeout.toNanos();
        return retry(() -> {
            long left = Math.max(1, (deadline - System.nanoTime() + 999_999_999L) / 1_000_000_000L);
            Remote.Result r = remote.run("timeout " + left + " " + command, TIMEOUT.plusSeconds(left));
            // 124: timeout ended it (the exit status of Slurm's own commands is 0 or 1)
            if (r.status() == 124 && r.err().isBlank()) {
                r = new Remote.Result(124, r.out(), NO_ANSWER + left + " s (slurm.timeout " + readTimeout.toSeconds() + "s)");
            }
            return r;
        }, deadline);
    }

    /**
     * For an answer that means Slurm's controller is away: its name and state as {@code scontrol ping} reports them
     * ("; slurmctld (primary) at login1 is DOWN"); "" when it answers, or when that cannot be learnt quickly.
     */
    private String controller(Remote.Result failed) {
        if (!transient_(failed)) return "";
        try {
            Remote.Result p = remote.run("timeout 3 " + slurm("scontrol", "ping"), Duration.ofSeconds(10));
            StringBuilder down = new StringBuilder();
            java.util.regex.Matcher m = java.util.regex.Pattern.compile("Slurmctld\\((\\w+)\\) at (\\S+) is (DOWN)")
                    .matcher(p.out());
            while (m.find()) down.append("; slurmctld (").append(m.group(1)).append(") at ").append(m.group(2)).append(" is DOWN");
            return down.toString();
        } catch (CmsException e) {
            return "";
        }
    }

    /** Waits between the tries of a read: 5 tries over about 3.75 s. */
    static final long[] WAITS = {250, 500, 1000, 2000};

    /**
     * Runs an idempotent read, trying again with backoff while the host cannot be reached or Slurm answers that
     * its controller or database cannot be contacted (a restart, a failover). The last answer or error is the
     * caller's; an error names how many tries were made.
     */
    static Remote.Result retry(Call call) {
        return retry(call, Long.MAX_VALUE);
    }

    /** As {@link #retry(Call)}; Slurm's "not now" answers are not tried again past {@code deadline} (System.nanoTime). */
    static Remote.Result retry(Call call, long deadline) {
        long t0 = System.nanoTime();
        for (int i = 0; ; i++) {
            try {
                Remote.Result r = call.run();
                if (r.ok() || !transient_(r) || i >= WAITS.length) return r;
                if (deadline != Long.MAX_VALUE && System.nanoTime() + WAITS[i] * 1_000_000L >= deadline) return r;
            } catch (Remote.Unreachable e) {
                if (i >= WAITS.length) {
                    String tries = " (" + (i + 1) + " tries over " + String.format(java.util.Locale.ROOT, "%.1f s",
                            (System.nanoTime() - t0) / 1e9) + ")";
                    throw e instanceof Remote.InDoubt ? new Remote.InDoubt(e.getMessage() + tries, e)
                            : new Remote.Unreachable(e.getMessage() + tries, e);
                }
            }
            try {
                Thread.sleep(WAITS[i]);
            } catch (InterruptedException ie) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting for Slurm");
            }
        }
    }

    /** Slurm's answers that mean "not now" rather than "no": the controller or the database is away. */
    static boolean transient_(Remote.Result r) {
        String t = (r.err() + "\n" + r.out()).toLowerCase(java.util.Locale.ROOT);
        return t.contains("unable to contact slurm controller") || t.contains("socket timed out")
                || t.contains("connection refused") || t.contains("zero bytes were transmitted")
                || t.contains("problem talking to the database") || t.contains("slurmdbd")
                || t.contains("in standby mode") || t.contains("communication connection failure")
                || t.contains("transient") || t.contains(NO_ANSWER.toLowerCase(java.util.Locale.ROOT));
    }

    /**
     * Pending reasons after which Slurm will never start the job by itself (a limit or a permission that an
     * administrator would have to change): cms cancels such a job and quotes the reason instead of waiting forever.
     * With EnforcePartLimits=NO (Slurm's default) a walltime above the partition's MaxTime is one of these.
     */
    public static String hopeless(String reason) {
        if (reason == null) return null;
        String r = reason.strip();
        String why = switch (r) {
            case "PartitionTimeLimit" -> "the walltime is above the partition's MaxTime";
            case "PartitionNodeLimit" -> "the node count is outside the partition's MinNodes/MaxNodes";
            case "AccountNotAllowed", "InvalidAccount" -> "the allocation (account) may not use this partition";
            case "QOSNotAllowed", "InvalidQOS" -> "the QOS may not be used here";
            case "BadConstraints" -> "no node satisfies the job's constraints";
            case "DependencyNeverSatisfied" -> "a dependency can never be satisfied";
            default -> r.endsWith("MaxWallDurationPerJobLimit") ? "the walltime is above the QOS/association limit"
                    : r.endsWith("MaxNodePerJobLimit") ? "the node count is above the QOS/association limit" : null;
        };
        return why == null ? null : r + ": " + why;
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
