package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code cluster ssh NAME [NODE]}: log in with the system ssh client. */
@Command(name = "ssh", description = {"Log in to the manager, or through it to NODE.",
        "Uses the system ssh client; the manager's host key is pinned in $CLOUDMESH_HOME/known_hosts."})
final class SshCommand extends ClusterSub {
    @Parameters(index = "0", paramLabel = "NAME", description = "the cluster") String name;
    @Parameters(index = "1", paramLabel = "NODE", arity = "0..1", description = "a node to log in to through the manager (default: the manager)") String node;

    @Override
    public Integer call() throws IOException, InterruptedException {
        Cluster c = clusters().require(name);
        Member m = c.manager().orElseThrow(() -> new CmsException("cluster '" + name + "' has no manager"));
        if (m.address() == null) throw new CmsException("the manager " + m.name() + " has no address (state " + m.state() + ")");
        List<String> argv = new ArrayList<>(List.of("ssh", "-o", "UserKnownHostsFile=" + ctx().home().resolve("known_hosts"),
                "-o", "StrictHostKeyChecking=accept-new", "-p", Integer.toString(m.port(c.port())), "-i", c.key(),
                "-o", "IdentitiesOnly=yes", "-l", c.user()));
        if (node != null && !node.equals(m.name()) && !node.equals(VirtualCluster.MANAGER)) {
            if (c.member(node).isEmpty()) throw new CmsException("cluster '" + name + "' has no node '" + node + "': see 'cluster info " + name + "'");
            argv.addAll(List.of("-t", "--", m.address(), "ssh -t -F ~/" + Remote.dir(name) + "/ssh_config " + ShellQuote.quote(node)));
        } else {
            argv.addAll(List.of("--", m.address()));
        }
        ctx().out().flush();
        return new ProcessBuilder(argv).inheritIO().start().waitFor();
    }
}
