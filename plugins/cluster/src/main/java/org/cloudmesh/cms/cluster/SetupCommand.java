package org.cloudmesh.cms.cluster;

import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster setup NAME}: ssh trust and the hosts file, again. */
@Command(name = "setup", description = {"Set up ssh trust and the hosts file again.", "The manager gets the cluster's key, ssh config and hosts file and logs in to every running node."})
final class SetupCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "how long to wait for the VMs' addresses (default: ${DEFAULT-VALUE})") double wait;

    @Override
    public Integer call() {
        Clusters service = clusters(wait);
        audited("cluster setup " + name, name, null, () -> {
            service.setup(name);
            return null;
        });
        ctx().out().println("cluster " + name + ": the manager reaches every running node");
        return 0;
    }
}
