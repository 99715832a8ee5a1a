package org.cloudmesh.cms.cluster;

import java.nio.file.Path;
import org.cloudmesh.cms.api.CmsException;

/**
 * A cluster as other tools read it: an Ansible INI inventory and an OpenSSH client config, the nodes behind the
 * manager. The manager's host key is checked against cms's pins ($CLOUDMESH_HOME/known_hosts); the nodes' are
 * trusted on first use and pinned beside the cluster's key.
 */
final class Inventory {
    private Inventory() {
    }

    static String ansible(Cluster c, Path home) {
        Member m = manager(c);
        StringBuilder b = new StringBuilder("# cms cluster " + c.name() + " (cloud " + c.cloud() + ")\n[manager]\n");
        b.append(m.name()).append(" ansible_host=").append(m.address()).append(" ansible_port=").append(m.port(c.port()))
                .append(" ansible_user=").append(c.user()).append(" ansible_ssh_private_key_file=").append(c.key())
                .append(" ansible_ssh_common_args='-o UserKnownHostsFile=").append(home.resolve("known_hosts")).append("'\n");
        b.append("\n[nodes]\n");
        for (Member n : c.nodes()) {
            if (n.address() == null) continue;
            b.append(n.name()).append(" ansible_host=").append(n.address());
            if (n.sshPort() != null) b.append(" ansible_port=").append(n.sshPort());
            b.append('\n');
        }
        b.append("\n[nodes:vars]\n")
                .append("ansible_port=").append(c.port()).append('\n')
                .append("ansible_user=").append(c.user()).append('\n')
                .append("ansible_ssh_private_key_file=").append(clusterKey(c, home)).append('\n')
                .append("ansible_ssh_common_args='-o ProxyCommand=\"").append(proxy(c, m, home)).append("\" -o UserKnownHostsFile=")
                .append(nodeKnownHosts(c, home)).append(" -o StrictHostKeyChecking=accept-new'\n");
        b.append("\n[").append(c.name()).append(":children]\nmanager\nnodes\n");
        return b.toString();
    }

    static String sshConfig(Cluster c, Path home) {
        Member m = manager(c);
        StringBuilder b = new StringBuilder("# cms cluster " + c.name() + " (cloud " + c.cloud() + ")\n");
        b.append("Host ").append(m.name()).append('\n')
                .append("  HostName ").append(m.address()).append('\n')
                .append("  Port ").append(m.port(c.port())).append('\n')
                .append("  User ").append(c.user()).append('\n')
                .append("  IdentityFile ").append(c.key()).append('\n')
                .append("  IdentitiesOnly yes\n")
                .append("  UserKnownHostsFile ").append(home.resolve("known_hosts")).append('\n');
        for (Member n : c.nodes()) {
            if (n.address() == null) continue;
            b.append("Host ").append(n.name()).append('\n')
                    .append("  HostName ").append(n.address()).append('\n')
                    .append("  HostKeyAlias ").append(n.name()).append('\n')
                    .append("  Port ").append(n.port(c.port())).append('\n')
                    .append("  User ").append(c.user()).append('\n')
                    .append("  IdentityFile ").append(clusterKey(c, home)).append('\n')
                    .append("  IdentitiesOnly yes\n")
                    .append("  UserKnownHostsFile ").append(nodeKnownHosts(c, home)).append('\n')
                    .append("  StrictHostKeyChecking accept-new\n")
                    .append("  ProxyJump ").append(m.name()).append('\n');
        }
        return b.toString();
    }

    private static Member manager(Cluster c) {
        Member m = c.manager().orElseThrow(() -> new CmsException("cluster '" + c.name() + "' has no manager"));
        if (m.address() == null) {
            throw new CmsException("the manager " + m.name() + " has no address yet (state " + m.state() + "): see 'cluster info "
                    + c.name() + "'");
        }
        return m;
    }

    private static Path clusterKey(Cluster c, Path home) {
        return home.resolve("cluster").resolve(c.name()).resolve("id_ed25519");
    }

    /** Where this machine pins the nodes' host keys (trust on first use), beside the cluster's key. */
    private static Path nodeKnownHosts(Cluster c, Path home) {
        return home.resolve("cluster").resolve(c.name()).resolve("known_hosts");
    }

    /** The manager as a jump host, its key checked against cms's own pins. */
    private static String proxy(Cluster c, Member m, Path home) {
        return "ssh -W %h:%p -p " + m.port(c.port()) + " -i " + c.key() + " -o UserKnownHostsFile=" + home.resolve("known_hosts") + " "
                + c.user() + "@" + m.address();
    }
}
