package org.cloudmesh.cms.comet.cmd;

import java.time.Duration;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.store.Computeset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet computeset extend ID --by DURATION}: raise a running or pending set's time limit. */
@Command(name = "extend", description = {"Raise the walltime of a running or pending computeset (its Slurm job's time limit).",
        "Within the endpoint's limits.max_walltime and the project's; only the owner of the set's cluster (or an"
                + " administrator) may."})
final class ExtendCommand extends CometCommand.Sub {
    @ParentCommand
    ComputesetCommand parent;
    @Parameters(index = "0", paramLabel = "ID", description = "The computeset") String id;
    @Option(names = "--by", required = true, paramLabel = "DURATION", description = "How much longer: 30m, 2h, 1d (as --walltime)")
    String by;

    @Override
    CometCommand root() {
        return parent.parent;
    }

    @Override
    public Integer call() {
        if (!id.matches("[0-9]{1,18}")) throw new CmsException("invalid computeset id '" + id + "': give a number (see 'comet computeset')");
        Duration d = Walltime.parse(by);
        CometService s = svc();
        Computeset cs = audited(s, "comet computeset extend " + id + " --by " + by, null, "computeset " + id,
                () -> s.extend(Long.parseLong(id), d));
        ctx().out().println("computeset " + cs.id() + " extended by " + Walltime.format(d) + ": walltime "
                + Views.duration(cs.walltimeMins()) + (cs.startTime() == null ? "" : ", ends " + Views.time(cs.startTime() + cs.walltimeMins() * 60)));
        return 0;
    }
}
