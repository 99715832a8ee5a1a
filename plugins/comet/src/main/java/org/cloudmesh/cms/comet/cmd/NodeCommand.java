package org.cloudmesh.cms.comet.cmd;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Node;
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
        @Parameters(index = "0", paramLabel = "CLUSTER") String cluster;
        @Parameters(index = "1", arity = "0..1", paramLabel = "NODE") String node;

        @Override
        CometCommand root() {
            return parent.parent;
        }

        @Override
        public Integer call() {
            Names.require("cluster", cluster);
            if (node != null) Names.require("node", node);
            Endpoint e = endpoint();
            comet().cluster(e, cluster);
            comet().refresh(e, ctx().err());
            List<Node> nodes = comet().store().nodes(cluster);
            Node n = node == null ? nodes.stream().filter(Node::frontend).findFirst().orElse(null)
                    : nodes.stream().filter(x -> x.name().equals(node)).findFirst().orElse(null);
            if (n == null) {
                throw new CmsException("cluster '" + cluster + "' has no node '" + node + "': see 'comet cluster " + cluster + "'");
            }
            Map<String, Object> r = new LinkedHashMap<>();
            r.put("name", n.name());
            r.put("type", "VM");
            r.put("kind", n.kind());
            r.put("cluster", n.cluster());
            r.put("state", n.state());
            r.put(n.frontend() ? "frontend_state" : "compute_state", n.adminState());
            r.put("cpus", n.cpus());
            r.put("memory", n.memoryMb());
            r.put("disksize", n.diskGb());
            r.put("interface", n.mac() + " " + n.ip());
            r.put("ip", n.ip());
            r.put("netmask", "255.255.0.0");
            r.put("gateway", "10.0.0.1");
            if (n.frontend()) {
                r.put("pub_mac", n.pubMac());
                r.put("pub_ip", n.pubIp());
            }
            r.put("host", n.host());
            r.put("vf", n.vf());
            r.putAll(org.cloudmesh.cms.comet.iso.Isos.status(comet(), e, n));
            r.put("active_computeset", n.computeset());
            r.put("uuid", n.uuid());
            ctx().printer(output.format).attributes(r);
            return 0;
        }
    }
}
