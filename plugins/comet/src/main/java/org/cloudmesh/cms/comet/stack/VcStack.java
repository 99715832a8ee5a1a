package org.cloudmesh.cms.comet.stack;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Link;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.stack.Slurm;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.cloudmesh.cms.comet.virt.NodeVms;

/**
 * A comet VC with a software stack ({@code comet cluster setup VC --stack slurm}): its frontend runs slurmctld, and
 * the nodes of each computeset boot the stack image, start slurmd and register; when they stop they leave Slurm
 * again (down, then FUTURE), so users on the frontend see only the nodes their computesets hold.
 *
 * <p>How: every node's disk is a copy-on-write overlay of the stack's image ({@code libvirt.stacks.NAME}); the VC's
 * private network is an L2 segment inside qemu, one loopback UDP link from each compute node to the frontend, which
 * bridges them (its links exist from its boot on, one for every compute node of the VC); the Slurm configuration
 * (every compute node defined {@code State=FUTURE}), the hosts file and the VC's own munge key travel in each node's
 * NoCloud seed as a script its init runs at every boot. cms logs in to no node. The frontend's Slurm is the seam for
 * an elastic VC: a node that registers joins, a node that leaves is hidden.
 *
 * <p>Addresses: a node's private address with 192.168 in place of 10.0 (the frontend 192.168.0.1), /16.
 */
public final class VcStack {
    /** The UDP ports of the VCs' links: below Linux's ephemeral range, apart from the cluster plugin's. */
    static final int FIRST_PORT = 10000;
    static final int LAST_PORT = 19999;
    static final int PREFIX = 16;
    /** The seed file with the stack's set-up script. */
    static final String SEED_FILE = "CMS-STACK";

    private final Comet comet;

    public VcStack(Comet comet) {
        this.comet = comet;
    }

    /** How a node of a cluster with a stack boots: its image, its links and the script in its seed. */
    public record Boot(Endpoint.StackImage image, List<Link> links, Map<String, byte[]> seedFiles) {
    }

    /** How {@code n} boots when its cluster has a stack, else empty. */
    public Optional<Boot> boot(Endpoint e, Node n) {
        Optional<Store.Stack> stack = comet.store().stack(n.cluster());
        if (stack.isEmpty()) return Optional.empty();
        Endpoint.StackImage image = image(e, stack.get().name());
        List<Node> nodes = comet.store().nodes(n.cluster());
        List<Node> computes = nodes.stream().filter(x -> !x.frontend()).toList();
        int base = stack.get().lanPort();
        List<Link> links = new ArrayList<>();
        for (Node c : computes) {
            int nodePort = base + 2 * c.idx();
            if (n.frontend()) links.add(new Link(mac(nodePort + 1), nodePort + 1, nodePort));
            else if (c.name().equals(n.name())) links.add(new Link(mac(nodePort), nodePort, nodePort + 1));
        }
        Node frontend = nodes.stream().filter(Node::frontend).findFirst()
                .orElseThrow(() -> new CmsException("cluster '" + n.cluster() + "' has no frontend"));
        String script = script(n, frontend, computes, base);
        return Optional.of(new Boot(image, links, Map.of(SEED_FILE, script.getBytes(StandardCharsets.UTF_8))));
    }

    /**
     * Gives the cluster the stack: checks the endpoint has its image and runs guests, that nothing of the cluster runs,
     * records the stack with its private network's ports, makes the cluster's munge key and removes the nodes' disks
     * (each is made again, as an overlay of the image, when its node next starts). Then 'comet power on VC' boots the
     * frontend as the controller.
     */
    public Store.Stack setup(Endpoint e, String cluster, String stack) {
        Slurm.requireKnown(stack);
        comet.clusters().cluster(e, cluster);
        image(e, stack);
        java.util.Set<String> hosts = new java.util.TreeSet<>(e.libvirtHosts().keySet());
        if (e.frontendHost() != null) hosts.add(e.frontendHost());
        for (String host : hosts) {
            if (e.domainType(e.uri(host)).equals("test")) {
                throw new CmsException("a software stack needs hypervisors that run guests; host " + host + " of endpoint '"
                        + e.name() + "' is libvirt's test driver");
            }
        }
        comet.reconciler().reconcileQuietly(e, null);
        List<Computeset> active = comet.store().computesets(new Store.CsFilter(null, cluster, CsState.activeStates(), null));
        if (!active.isEmpty()) {
            throw new CmsException("cluster '" + cluster + "' has an active computeset (" + active.get(0).id()
                    + "): terminate it first with 'comet terminate " + active.get(0).id() + "'");
        }
        for (Node n : comet.store().nodes(cluster)) {
            if (n.frontend() && n.host() != null && running(e, n)) {
                throw new CmsException("the frontend " + n.name() + " is running: power it off first with 'comet power off "
                        + cluster + "' (it boots the stack's image as the Slurm controller when it starts again)");
            }
        }
        int ports = 2 * Math.max(1, computes(cluster).size());
        Optional<Store.Stack> before = comet.store().stack(cluster);
        Store.Stack s = comet.store().setStack(cluster, stack, ports, FIRST_PORT, LAST_PORT, Link::portFree);
        Slurm.mungeKey(keyFile(cluster), cluster);
        if (before.isEmpty()) replaceDisks(e, cluster);
        return s;
    }

    /** Removes what a cluster's stack keeps outside the store (its munge key); when the cluster is deleted. */
    public void forget(String cluster) {
        Path dir = keyFile(cluster).getParent();
        try {
            Files.deleteIfExists(dir.resolve("munge.key"));
            Files.deleteIfExists(dir);
        } catch (IOException x) {
            throw new CmsException("cannot remove " + dir + ": " + x.getMessage());
        }
    }

    /** The nodes' old disks go: the next start makes each an overlay of the stack's image. */
    private void replaceDisks(Endpoint e, String cluster) {
        String anyHost = e.libvirtHosts().keySet().stream().sorted().findFirst().orElse(e.frontendHost());
        for (Node n : comet.store().nodes(cluster)) {
            String host = n.host() != null ? n.host() : anyHost;
            if (host == null) continue;
            Hypervisor h = comet.libvirt().at(e.uri(host));
            h.deleteDisk(NodeVms.diskPath(e, n));
        }
    }

    private boolean running(Endpoint e, Node n) {
        String st = comet.libvirt().at(e.uri(n.host())).powerState(n.name());
        return Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st);
    }

    private static Endpoint.StackImage image(Endpoint e, String stack) {
        Endpoint.StackImage image = e.guests().stacks().get(stack);
        if (image == null) {
            throw new CmsException("endpoint '" + e.name() + "' has no image for stack '" + stack + "': name one in comet.endpoints."
                    + e.name() + ".libvirt.stacks." + stack + " (disk, kernel, initrd, cmdline)"
                    + (e.guests().stacks().isEmpty() ? "" : "; it has images for " + String.join(", ", e.guests().stacks().keySet())));
        }
        return image;
    }

    private List<Node> computes(String cluster) {
        return comet.store().nodes(cluster).stream().filter(x -> !x.frontend()).toList();
    }

    /** The set-up script in a node's seed: the VC's Slurm files and munge key, the node's role. */
    private String script(Node n, Node fe, List<Node> computes, int base) {
        String frontend = fe.name();
        String ctlIp = lanIp(fe.ip());
        List<Slurm.NodeLine> lines = new ArrayList<>();
        Map<String, String> hosts = new LinkedHashMap<>();
        hosts.put(ctlIp, frontend);
        List<String> bridge = new ArrayList<>();
        Map<String, String> addresses = new LinkedHashMap<>();
        for (Node c : computes) {
            String ip = lanIp(c.ip());
            int nodePort = base + 2 * c.idx();
            lines.add(new Slurm.NodeLine(c.name(), ip, c.cpus(), c.memoryMb()));
            hosts.put(ip, c.name());
            bridge.add(mac(nodePort + 1));
            addresses.put(mac(nodePort), ip);
        }
        String conf = Slurm.conf("written by cms for comet cluster " + frontend + " (every node boots with it; 'comet cluster setup "
                + frontend + " --stack slurm' records the stack)", frontend, frontend, ctlIp, lines, "FUTURE");
        String lan = Slurm.lanScript("comet cluster " + frontend, bridge, ctlIp, PREFIX, addresses);
        byte[] key;
        try {
            key = Files.readAllBytes(Slurm.mungeKey(keyFile(n.cluster()), n.cluster()));
        } catch (IOException x) {
            throw new CmsException("cannot read the munge key of cluster '" + n.cluster() + "': " + x.getMessage());
        }
        return Slurm.installScript(new Slurm.Files(conf, Slurm.hosts(hosts), lan), key, n.frontend() ? "controller" : "compute",
                ctlIp, !n.frontend(), false);
    }

    /** A node's address on the private network: its recorded 10.0.x.y as 192.168.x.y. */
    static String lanIp(String ip) {
        if (!ip.startsWith("10.0.")) throw new CmsException("node address " + ip + " is not in 10.0.0.0/16");
        return "192.168." + ip.substring(5);
    }

    /** The MAC of a link's end: qemu's locally administered range with the end's UDP port, unique on the machine. */
    static String mac(int port) {
        return String.format("52:54:01:%02x:%02x:00", (port >> 8) & 0xff, port & 0xff);
    }

    private Path keyFile(String cluster) {
        return comet.home().resolve("stacks").resolve(cluster).resolve("munge.key");
    }
}
