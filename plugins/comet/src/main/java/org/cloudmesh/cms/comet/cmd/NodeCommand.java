package org.cloudmesh.cms.comet.cmd;

import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.CometService;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Spec;

/** {@code comet node info CLUSTER [NODE]}. */
@Command(name = "node", description = "Node details.", subcommands = {NodeCommand.Info.class, org.cloudmesh.cms.comet.rename.RenameCommand.class})
final class NodeCommand implements java.util.concurrent.Callable<Integer> {
    @ParentCommand
    CometCommand parent;
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(parent.ctx.out());
        return 0;
    }

    @Command(name = "info", description = "Show a node's settings (the frontend when NODE is left out).")
    static final class Info extends CometCommand.Sub {
        @ParentCommand
        NodeCommand parent;
        @Mixin
        OutputOption output;
        @Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster.") String cluster;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NODE", description = "A node of it (default: the frontend).") String node;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            Names.require("cluster", cluster);
            if (node != null) Names.require("node", node);
            CometService s = svc();
            s.cluster(cluster);
            s.refresh(ctx().err());
            ctx().printer(output.format).attributes(s.nodeInfo(cluster, node));
            return 0;
        }
    }
}
