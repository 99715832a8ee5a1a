package org.cloudmesh.cms.comet.cmd;

import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.slurm.Remote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParentCommand;

/** {@code comet watch}: reconcile continuously until Ctrl-C. */
@Command(name = "watch", description = {"Reconcile continuously: follow Slurm, start and stop VMs, free VFs; print each change.",
        "Stops on Ctrl-C (or after --rounds)."})
final class WatchCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;
    @Option(names = "--interval", paramLabel = "SECONDS", description = "Seconds between rounds (default: ${DEFAULT-VALUE})") double interval = 5;
    @Option(names = "--rounds", paramLabel = "N", description = "Stop after N rounds (default: until interrupted)") long rounds = 0;

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
                for (Comet.Change c : s.reconcile()) {
                    ctx().out().println(LocalTime.now().format(t) + " computeset " + c.computeset() + ": "
                            + (c.from() == c.to() ? c.detail() : (c.from() == null ? "" : c.from().label() + " -> ")
                            + c.to().label() + (c.detail() == null ? "" : " (" + c.detail() + ")")));
                }
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
