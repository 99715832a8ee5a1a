package org.cloudmesh.cms.cluster;

import org.cloudmesh.cms.api.CmsException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cluster inventory NAME [--format F]}: the cluster for ansible, /etc/hosts or ssh. */
@Command(name = "inventory", description = {"Print the cluster for ansible, /etc/hosts or ssh.",
        "--format ansible (INI inventory), hosts (/etc/hosts lines) or ssh-config",
        "(Host entries; the nodes through the manager)."})
final class InventoryCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Option(names = "--format", paramLabel = "FORMAT", defaultValue = "ansible", description = "ansible, hosts or ssh-config (default: ${DEFAULT-VALUE})") String format;

    @Override
    public Integer call() {
        Cluster c = clusters().require(name);
        ctx().out().print(switch (format) {
            case "ansible" -> Inventory.ansible(c, ctx().home());
            case "hosts" -> Clusters.hostsFile(c);
            case "ssh-config" -> Inventory.sshConfig(c, ctx().home());
            default -> throw new CmsException("unknown inventory format '" + format + "': use ansible, hosts or ssh-config");
        });
        ctx().out().flush();
        return 0;
    }
}
