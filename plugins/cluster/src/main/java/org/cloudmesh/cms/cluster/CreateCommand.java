package org.cloudmesh.cms.cluster;

import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster create NAME --count N}: boot a manager and N nodes. */
@Command(name = "create", description = {"Boot a manager and N nodes, set up ssh trust and a hosts file.",
        "The VMs boot concurrently; the cluster is recorded before the cloud is asked.",
        "CLOUD is a cloud of cloudmesh.cloud (--cloud, else variable cloud) or a comet",
        "endpoint. Image and flavor: the option, else the variable, else",
        "cloudmesh.cloud.CLOUD.default. --key is the private key file of the manager's",
        "login (PATH.pub is installed). --stack slurm: the manager runs slurmctld, the",
        "nodes slurmd, on a private network (the cloud's, or links between the VMs on",
        "a libvirt host); the image defaults to the cloud's image with that stack."})
final class CreateCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster's name; the VMs are NAME-manager and NAME-1..N") String name;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "a cloud or comet endpoint (default: variable cloud)") String cloud;
    @Option(names = "--count", paramLabel = "N", required = true, description = "number of compute nodes") int count;
    @Option(names = "--image", paramLabel = "IMAGE", description = "image of every VM") String image;
    @Option(names = "--flavor", paramLabel = "FLAVOR", description = "flavor (size) of the nodes") String flavor;
    @Option(names = "--manager-flavor", paramLabel = "FLAVOR", description = "default: --flavor") String managerFlavor;
    @Option(names = "--key", paramLabel = "PATH", description = "private key of your login to the manager (default: the cloud's key, else ~/.ssh/id_ed25519 or id_rsa)") String key;
    @Option(names = "--project", paramLabel = "PROJECT", description = "who may see it through the server (default: variable project)") String project;
    @Option(names = "--owner", paramLabel = "USER", description = "recorded owner (default: the profile's user)") String owner;
    @Option(names = "--description", paramLabel = "TEXT", description = "a line about the cluster (NIST description)") String description;
    @Option(names = "--setup", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "set up ssh trust and the hosts file (--no-setup: boot and record only)") boolean setup;
    @Option(names = "--wait", paramLabel = "SECONDS", defaultValue = "300",
            description = "how long setup waits for the VMs' addresses (default: ${DEFAULT-VALUE})") double wait;
    @Option(names = "--stack", paramLabel = "STACK", description = "software the cluster runs: slurm (the manager runs slurmctld, the nodes slurmd)") String stack;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "120",
            description = "how long the stack's setup waits for every node to register (default: ${DEFAULT-VALUE})") double timeout;
    @Mixin OutputOption output;

    @Override
    public Integer call() {
        String c = cloud != null && !cloud.isBlank() ? cloud.strip() : ctx().variables().get("cloud").orElse(null);
        Clusters service = clusters(wait);
        service.stackWait = seconds(timeout, "--timeout");
        VirtualCluster vc = audited("cluster create " + name + " --cloud " + c + " --count " + count + (stack == null ? "" : " --stack " + stack), name, null,
                () -> service.create(new Clusters.Spec(name, c, count, null, image, flavor, managerFlavor, key,
                        project, owner, description, setup, stack)));
        ClusterViews.printNodes(ctx(), vc, output.format);
        return 0;
    }
}
