package org.cloudmesh.cms.cluster;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster setup NAME}: ssh trust and the hosts file, again. */
@Command(name = "setup", description = {"Set up ssh trust and the hosts file again.", "The manager gets the cluster's key, ssh config and hosts file and logs in to every running node.",
        "A cluster with a stack (or --stack slurm) gets its configuration anew and the daemons restart."})
final class SetupCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "how long to wait for the VMs' addresses (default: ${DEFAULT-VALUE})") double wait;
    @Option(names = "--stack", paramLabel = "STACK", description = "software the cluster runs: slurm (the manager runs slurmctld, the nodes slurmd)") String stack;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "how long the stack's setup waits for every node to register (default: ${DEFAULT-VALUE})") double timeout;

    @Override
    public Integer call() {
        Clusters service = clusters(wait);
        service.stackWait = seconds(timeout, "--timeout");
        audited("cluster setup " + name + (stack == null ? "" : " --stack " + stack), name, null, () -> {
            service.setup(name, stack);
            return null;
        });
        ctx().out().println("cluster " + name + ": the manager reaches every running node"
                + service.store().get(name).map(Cluster::stack).map(s -> "; " + s.name() + " runs on every one").orElse(""));
        return 0;
    }
}
