package org.cloudmesh.cms.comet.cmd;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.store.Computeset;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet terminate ID}. */
@Command(name = "terminate", description = "End a computeset: cancel its Slurm job, shut its VMs down, free their VFs.")
final class TerminateCommand extends CometCommand.Sub {
    @ParentCommand
    CometCommand parent;
    @Parameters(index = "0", paramLabel = "ID", description = "The computeset to end (see 'comet computeset').") String id;

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        if (!id.matches("[0-9]{1,18}")) throw new CmsException("invalid computeset id '" + id + "': give a number (see 'comet computeset')");
        Computeset cs = svc().terminate(Long.parseLong(id));
        ctx().out().println("Request Accepted. In the process of terminating the computeset");
        ctx().out().println("(computeset " + cs.id() + " " + cs.state().label() + ", Slurm job " + cs.jobId() + " cancelled)");
        return 0;
    }
}
