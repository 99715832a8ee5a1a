package org.cloudmesh.cms.comet.virt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.DomainXml;
import org.cloudmesh.cms.api.libvirt.ForwardedPorts;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.libvirt.NoCloudSeed;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.stack.VcStack;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.Node;

/**
 * A node's VM on libvirt, made to match the store: started with a VF, a disk and (on a hypervisor that runs guests)
 * a seed and a forwarded ssh port; stopped with its VF freed. A domain of the node's name that this store did not
 * define (another cms store, a VM made by hand) is never touched.
 */
public final class NodeVms {
    private static final Pattern UUID_ELEMENT = Pattern.compile("<uuid>\\s*([0-9a-fA-F-]+)\\s*</uuid>");

    private final Comet comet;

    public NodeVms(Comet comet) {
        this.comet = comet;
    }

    // named by the node's UUID, which a rename keeps: the disk stays the node's
    public static String diskPath(Endpoint e, Node n) {
        return Path.of(e.diskDir(), n.uuid() + ".qcow2").toString();
    }

    /** The node's NoCloud seed beside its disk (written at every power on of a guest). */
    public static String seedPath(Endpoint e, Node n) {
        return Path.of(e.diskDir(), n.uuid() + "-seed.iso").toString();
    }

    /**
     * The UUID of a domain that has the node's name on that hypervisor but is not the node (another cms store with
     * a cluster of the same name, or a hand-made VM), else null (no such domain, or it is the node's).
     */
    public static String foreign(Hypervisor h, Node n) {
        String xml;
        try {
            xml = h.xml(n.name());
        } catch (CmsException absent) {
            return null;
        }
        Matcher m = UUID_ELEMENT.matcher(xml);
        return m.find() && n.uuid() != null && !m.group(1).equalsIgnoreCase(n.uuid()) ? m.group(1) : null;
    }

    /** Why a node's domain is left alone: {@code other} is the UUID of the domain of its name on {@code host}. */
    public static String clash(Node n, String host, String other) {
        return "a domain named " + n.name() + " already exists on " + host + " with UUID " + other + ", not this store's "
                + n.uuid() + " (another cms store with a cluster of that name, or a VM made by hand): cms leaves it"
                + " alone; rename the cluster or remove that domain";
    }

    /**
     * Gives the node a VF, (re)defines its domain from the store and starts it. On a hypervisor that runs guests the
     * node also gets a fresh NoCloud seed (its name, the endpoint's authorized keys) and, on a user network, a free
     * forwarded ssh port; what a real host would be given (the VF passed through) is checked against libvirt's schema
     * first. Returns null or why it failed.
     */
    public String powerOn(Endpoint e, Long cs, Node n, String host) {
        int port = 0;
        try {
            String uri = e.uri(host);
            String vf = null;
            if (!n.frontend()) vf = comet.store().allocateVf(e.name(), host, e.pool(host), n.cluster(), n.name(), cs);
            Hypervisor h = comet.libvirt().at(uri);
            String other = foreign(h, n);
            if (other != null) {
                comet.store().freeVf(n.cluster(), n.name());
                return "node " + n.name() + " could not start on " + host + ": " + clash(n, host, other);
            }
            boolean guest = !h.isTestDriver();
            String forward = guest ? e.guests().forwardAddress() : null;
            VcStack.Boot stack = guest ? comet.stacks().boot(e, n).orElse(null) : null;
            if (guest) DomainXml.validate(NodeDomain.passthrough(spec(e, uri, n, vf, forward == null ? 0 : 1, stack)));
            h.ensureDisk(diskPath(e, n), n.diskGb(), stack == null ? null : stack.image().disk());
            if (guest) {
                h.uploadFile(seedPath(e, n), NoCloudSeed.iso(n.uuid(), n.name(), authorizedKeys(e), null,
                        stack == null ? Map.of() : stack.seedFiles()));
            }
            for (int attempt = 1; ; attempt++) {
                if (forward != null) port = ForwardedPorts.choose(forward, portsInUse(h));
                h.define(NodeDomain.build(spec(e, uri, n, vf, port, stack)));
                if (port != 0) ForwardedPorts.release(port); // defined: portsInUse sees it from now on
                try {
                    h.start(n.name());
                    break;
                } catch (CmsException x) {
                    if (port == 0 || attempt == 3 || !ForwardedPorts.clash(x)) throw x;
                }
            }
            comet.store().setState(n.cluster(), n.name(), Hypervisor.ACTIVE);
            comet.store().event(cs, n.cluster(), n.name(), "power-on", host + (vf == null ? "" : " vf " + vf
                    + (guest && e.guests().emulateSriov() ? " (emulated)" : "")));
            return null;
        } catch (CmsException x) {
            if (port != 0) ForwardedPorts.release(port);
            comet.store().freeVf(n.cluster(), n.name());
            return "node " + n.name() + " could not start on " + host + ": " + x.getMessage();
        }
    }

    /**
     * Stops the VMs of a set: graceful shutdown, destroy after the endpoint's shutdown timeout, undefine (the host
     * goes back to Slurm), VFs freed. Best effort per node: a node that cannot be reached is recorded in the history.
     */
    public void stop(Endpoint e, Computeset cs) {
        List<Node> nodes = comet.store().nodesOf(cs.id());
        List<Future<?>> fs = new ArrayList<>();
        for (Node n : nodes) {
            if (n.host() == null) {
                comet.store().freeVf(n.cluster(), n.name());
                continue;
            }
            fs.add(comet.pool().submit(() -> {
                stop(e, cs.id(), n);
                return null;
            }));
        }
        for (Future<?> f : fs) {
            try {
                f.get();
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return;
            } catch (ExecutionException x) {
                // recorded per node in stop
            }
        }
    }

    private void stop(Endpoint e, Long cs, Node n) {
        try {
            Hypervisor h = comet.libvirt().at(e.uri(n.host()));
            String other = foreign(h, n);
            if (other != null) {
                // the name is taken by a domain this store did not define: leave it alone
                comet.store().setState(n.cluster(), n.name(), Hypervisor.STOPPED);
                comet.store().event(cs, n.cluster(), n.name(), "stop-skipped", clash(n, n.host(), other));
                return;
            }
            String st = h.powerState(n.name());
            if (Hypervisor.ACTIVE.equals(st) || Hypervisor.PAUSED.equals(st) || Hypervisor.STOPPING.equals(st)) {
                try {
                    h.shutdown(n.name());
                } catch (CmsException ignored) {
                    // a guest that refuses is destroyed below
                }
                if (!awaitOff(h, n.name(), e.shutdownTimeout())) {
                    if (Thread.currentThread().isInterrupted()) throw new InterruptedException();
                    h.destroy(n.name());
                }
            }
            if (!Hypervisor.UNDEFINED.equals(h.powerState(n.name()))) h.undefine(n.name());
            comet.store().setState(n.cluster(), n.name(), Hypervisor.STOPPED);
            comet.store().event(cs, n.cluster(), n.name(), "power-off", n.host());
        } catch (CmsException x) {
            comet.store().event(cs, n.cluster(), n.name(), "stop-failed", x.getMessage());
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
        } finally {
            comet.store().freeVf(n.cluster(), n.name());
        }
    }

    /** Waits until the domain is off (or gone); false when it still runs after {@code timeout}. */
    public static boolean awaitOff(Hypervisor h, String name, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            String st = h.powerState(name);
            if (Hypervisor.STOPPED.equals(st) || Hypervisor.UNDEFINED.equals(st)) return true;
            if (System.nanoTime() > deadline) return false;
            try {
                Thread.sleep(100);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
    }

    /**
     * Where a placed node answers ssh: its forwarded {@code ADDRESS:PORT} on a user network (from its domain), else its
     * recorded IP on port 22; null when it has no host or its domain is gone.
     */
    public String sshAddress(Endpoint e, Node n) {
        if (n.host() == null) return null;
        try {
            Hypervisor h = comet.libvirt().at(e.uri(n.host()));
            if (h.isTestDriver()) return null;
            String forwarded = NodeDomain.sshAddress(h.xml(n.name()));
            return forwarded != null ? forwarded : n.ip() + ":22";
        } catch (CmsException gone) {
            return null;
        }
    }

    /**
     * The node's domain; {@code port} is its forwarded ssh port on a user network of a hypervisor that runs guests,
     * {@code stack} how it boots when its cluster has a software stack (else null).
     */
    static NodeDomain.Spec spec(Endpoint e, String uri, Node n, String vf, int port, VcStack.Boot stack) {
        String iso = n.iso() == null || e.isoDir() == null ? null : Path.of(e.isoDir(), n.iso()).toString();
        NodeDomain.Guest guest = null;
        if (!e.domainType(uri).equals("test")) {
            Endpoint.Guests g = e.guests();
            guest = stack == null
                    ? new NodeDomain.Guest(n.cluster(), g.kernel(), g.initrd(), g.cmdline(), seedPath(e, n), g.forwardAddress(),
                            port, n.ip(), g.emulateSriov())
                    : new NodeDomain.Guest(n.cluster(), stack.image().kernel(), stack.image().initrd(), stack.image().cmdline(),
                            seedPath(e, n), g.forwardAddress(), port, n.ip(), g.emulateSriov(), stack.links());
        }
        return new NodeDomain.Spec(e.domainType(uri), n.name(), n.uuid(), n.cpus(), n.memoryMb(), diskPath(e, n), iso,
                e.network(), n.mac(), n.pubMac(), vf, guest);
    }

    /** The ssh ports that the nodes defined on a hypervisor forward. */
    private static Set<Integer> portsInUse(Hypervisor h) {
        Set<Integer> ports = new HashSet<>();
        for (Hypervisor.Described d : h.describe()) {
            String a = NodeDomain.sshAddress(d.xml());
            if (a != null) ports.add(Integer.parseInt(a.substring(a.lastIndexOf(':') + 1)));
        }
        return ports;
    }

    /** The public keys of the endpoint's libvirt.authorized_keys file, for the nodes' seeds. */
    private static List<String> authorizedKeys(Endpoint e) {
        String file = e.guests().authorizedKeys();
        if (file == null) return List.of();
        try {
            List<String> keys = new ArrayList<>();
            for (String line : java.nio.file.Files.readAllLines(Path.of(file))) {
                if (!line.isBlank() && !line.strip().startsWith("#")) keys.add(line.strip());
            }
            return keys;
        } catch (java.io.IOException x) {
            throw new CmsException("comet.endpoints." + e.name() + ".libvirt.authorized_keys: cannot read " + file + ": " + x.getMessage());
        }
    }
}
