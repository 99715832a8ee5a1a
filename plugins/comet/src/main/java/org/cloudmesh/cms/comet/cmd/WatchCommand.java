package org.cloudmesh.cms.comet.cmd;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.reconcile.Change;
import org.cloudmesh.cms.comet.slurm.Remote;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code comet watch}: reconcile continuously until Ctrl-C. */
@Command(name = "watch", description = {"Reconcile continuously: follow Slurm, start and stop VMs, free VFs; print each change",
        "and count down to the expected start of pending sets (comet start --begin).",
        "Stops on Ctrl-C (or after --rounds)."})
final class WatchCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;
    @Option(names = "--interval", paramLabel = "SECONDS", description = "Seconds between rounds (default: ${DEFAULT-VALUE})") double interval = 5;
    @Option(names = "--rounds", paramLabel = "N", description = "Stop after N rounds (default: until interrupted)") long rounds = 0;

    /** Per pending set, the countdown line shown last: a line is printed when its minute changes. */
    private final java.util.Map<Long, String> countdowns = new java.util.HashMap<>();

    /** Counts down to the expected start of pending sets ('comet start --begin'), one line per minute. */
    private void countdown(CometService s, DateTimeFormatter t) {
        long now = System.currentTimeMillis() / 1000;
        for (Computeset cs : s.computesets(null, java.util.EnumSet.of(CsState.SUBMITTED), null)) {
            if (cs.expectedStart() == null || cs.expectedStart() <= now) continue;
            long left = cs.expectedStart() - now;
            String line = "computeset " + cs.id() + " starts in " + (left < 60 ? "less than a minute" : left / 60 + " min")
                    + " (at " + Views.time(cs.expectedStart()) + ")";
            if (!line.equals(countdowns.put(cs.id(), line))) ctx().out().println(LocalTime.now().format(t) + " " + line);
        }
    }

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        if (interval < 0.1 || interval > 86400) throw new CmsException("--interval " + interval + ": use 0.1 to 86400 seconds");
        if (rounds < 0) throw new CmsException("--rounds " + rounds + ": use a number ≥ 0");
        CometService s = svc();
        DateTimeFormatter t = DateTimeFormatter.ofPattern("HH:mm:ss");
        ctx().err().println("watching endpoint " + s.name() + " every " + interval + " s (Ctrl-C stops)");
        ctx().err().flush();
        long round = 0;
        while (rounds == 0 || round < rounds) {
            round++;
            try {
                if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                for (Change c : s.reconcile()) {
                    ctx().out().println(LocalTime.now().format(t) + " computeset " + c.computeset() + ": "
                            + (c.from() == c.to() ? c.detail() : (c.from() == null ? "" : c.from().label() + " -> ")
                            + c.to().label() + (c.detail() == null ? "" : " (" + c.detail() + ")")));
                }
                countdown(s, t);
            } catch (InterruptedException x) {
                break;
            } catch (Remote.Unreachable u) {
                if (Thread.currentThread().isInterrupted()) break;   // Ctrl-C during the round's ssh
                ctx().err().println(LocalTime.now().format(t) + " WARNING: " + u.getMessage());
            } catch (CmsException x) {
                if (Thread.currentThread().isInterrupted()) break;
                if (!(s instanceof org.cloudmesh.cms.comet.remote.RemoteService)) throw x;
                ctx().err().println(LocalTime.now().format(t) + " WARNING: " + x.getMessage());   // a server restarting
            }
            ctx().out().flush();
            ctx().err().flush();
            if (rounds != 0 && round >= rounds) break;
            try {
                Thread.sleep((long) (interval * 1000));
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        if (Thread.interrupted()) {
            ctx().err().println("stopped watching (Ctrl-C)");
            ctx().err().flush();
        }
        return 0;
    }
}
