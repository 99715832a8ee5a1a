package org.cloudmesh.cms.cluster;

import java.util.List;
import org.cloudmesh.cms.api.Completion;
import org.cloudmesh.cms.api.Context;
import picocli.CommandLine.Command;

/** {@code cluster}: virtual clusters on any cloud. Holds the context for its subcommands, one class per verb. */
@Command(name = "cluster", description = {"Virtual clusters: a manager and compute nodes on any cloud or on comet.",
        "The manager (NAME-manager) is reached with your key; the nodes (NAME-1..N)",
        "only through the manager, which holds the cluster's own key, an ssh config",
        "and a hosts file in ~/.cms/cluster/NAME. Clusters are recorded in",
        "$CLOUDMESH_HOME/cluster/clusters.yaml; comet's clusters are listed beside them."},
        subcommands = {AddCommand.class, CreateCommand.class, DeleteCommand.class, GetCommand.class, InfoCommand.class,
                InventoryCommand.class, ListCommand.class, PutCommand.class, RemoveCommand.class, RunCommand.class,
                SetupCommand.class, SshCommand.class, StartCommand.class, StopCommand.class},
        footer = {"%nExamples:", "  cluster create lab --cloud aws --count 4", "  cluster run lab 'uname -r'",
                "  cluster run lab 'df -h /' --nodes lab-[1-2]", "  cluster inventory lab --format ansible > hosts.ini",
                "  cluster delete lab --yes"})
public final class ClusterCommand implements Completion {
    final Context ctx;

    public ClusterCommand(Context ctx) {
        this.ctx = ctx;
    }

    /** TAB in the REPL: the names of the clusters recorded here, for every NAME but that of 'create'. */
    @Override
    public List<String> candidates(String command, String paramLabel) {
        if (!paramLabel.equals("NAME") || command.endsWith(" create")) return List.of();
        try {
            return new Clusters(ctx).store().list().stream().map(Cluster::name).toList();
        } catch (RuntimeException e) {
            return List.of(); // a hint only: the command itself reports an unreadable store
        }
    }
}
