package org.cloudmesh.cms.cluster;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Link;

/**
 * A cluster's private segment on a cloud without a private network of its own (a libvirt host with user-mode
 * networking): every node has one loopback link ({@link Link}) to the manager, which bridges its ends into one L2
 * segment inside the VMs. The manager is booted with a link for every slot (links cannot be added to a running VM),
 * so nodes added later take free slots. The manager is {@code PREFIX.1}, the node in slot i {@code PREFIX.(10+i)}.
 */
record Lan(String prefix, List<Slot> slots) {
    /** Free slots the manager gets beyond the nodes it starts with, for 'cluster add'. */
    static final int SPARE = 8;
    /** At most this many nodes (addresses PREFIX.11 to PREFIX.210). */
    static final int MAX_SLOTS = 200;
    static final String PREFIX = "192.168.77";
    /** The ports links use: below Linux's ephemeral range, so that no outgoing connection takes one meanwhile. */
    static final int FIRST_PORT = 20000;
    static final int LAST_PORT = 32767;

    /** Slot {@code index}: the manager's end (MAC, UDP port) and the node's, and the node that holds it, or null. */
    record Slot(int index, String managerMac, int managerPort, String nodeMac, int nodePort, String node) {
        Slot holding(String n) {
            return new Slot(index, managerMac, managerPort, nodeMac, nodePort, n);
        }
    }

    Lan {
        slots = List.copyOf(slots);
    }

    String managerIp() {
        return prefix + ".1";
    }

    String ip(Slot s) {
        return prefix + "." + (10 + s.index());
    }

    Optional<Slot> slotOf(String node) {
        return slots.stream().filter(s -> node.equals(s.node())).findFirst();
    }

    Optional<String> ipOf(String node) {
        return slotOf(node).map(this::ip);
    }

    /** The manager's links: one per slot. */
    List<Link> managerLinks() {
        return slots.stream().map(s -> new Link(s.managerMac(), s.managerPort(), s.nodePort())).toList();
    }

    Link nodeLink(String node) {
        Slot s = slotOf(node).orElseThrow(() -> new CmsException("node " + node + " holds no slot of the private network"));
        return new Link(s.nodeMac(), s.nodePort(), s.managerPort());
    }

    /** This segment with a free slot given to each of {@code nodes}; fails, changing nothing, when too few are free. */
    Lan take(List<String> nodes) {
        long free = slots.stream().filter(s -> s.node() == null).count();
        if (free < nodes.size()) {
            throw new CmsException("the private network has " + free + " free slot" + (free == 1 ? "" : "s") + " of " + slots.size()
                    + " (the manager's links are made when it boots): add at most " + free + " node" + (free == 1 ? "" : "s"));
        }
        List<Slot> out = new ArrayList<>(slots);
        int k = 0;
        for (int i = 0; i < out.size() && k < nodes.size(); i++) {
            if (out.get(i).node() == null) out.set(i, out.get(i).holding(nodes.get(k++)));
        }
        return new Lan(prefix, out);
    }

    Lan free(List<String> nodes) {
        return new Lan(prefix, slots.stream().map(s -> s.node() != null && nodes.contains(s.node()) ? s.holding(null) : s).toList());
    }

    /**
     * A new segment with {@code count} slots: two UDP ports a slot, free on 127.0.0.1 now and not held by another
     * cluster's segment ({@code taken}), and random locally administered MACs.
     */
    static Lan plan(int count, Set<Integer> taken) {
        if (count > MAX_SLOTS) throw new CmsException("a private network over loopback links holds at most " + MAX_SLOTS + " nodes");
        Set<Integer> used = new HashSet<>(taken);
        int start = FIRST_PORT + ThreadLocalRandom.current().nextInt(LAST_PORT - FIRST_PORT);
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i <= LAST_PORT - FIRST_PORT && ports.size() < 2 * count; i++) {
            int p = FIRST_PORT + (start - FIRST_PORT + i) % (LAST_PORT - FIRST_PORT + 1);
            if (!used.contains(p) && Link.portFree(p)) {
                ports.add(p);
                used.add(p);
            }
        }
        if (ports.size() < 2 * count) throw new CmsException("no " + 2 * count + " free UDP ports on 127.0.0.1 between " + FIRST_PORT + " and " + LAST_PORT);
        List<Slot> slots = new ArrayList<>();
        for (int i = 0; i < count; i++) slots.add(new Slot(i + 1, mac(), ports.get(2 * i), mac(), ports.get(2 * i + 1), null));
        return new Lan(PREFIX, slots);
    }

    private static String mac() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return String.format("52:54:00:%02x:%02x:%02x", r.nextInt(256), r.nextInt(256), r.nextInt(256));
    }

    /** The ports every segment of {@code clusters} holds. */
    static Set<Integer> ports(Iterable<Cluster> clusters) {
        Set<Integer> out = new HashSet<>();
        for (Cluster c : clusters) {
            if (c.lan() == null) continue;
            for (Slot s : c.lan().slots()) {
                out.add(s.managerPort());
                out.add(s.nodePort());
            }
        }
        return out;
    }

    Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("prefix", prefix);
        List<Map<String, Object>> l = new ArrayList<>();
        for (Slot s : slots) {
            Map<String, Object> x = new LinkedHashMap<>();
            x.put("index", s.index());
            x.put("manager_mac", s.managerMac());
            x.put("manager_port", s.managerPort());
            x.put("node_mac", s.nodeMac());
            x.put("node_port", s.nodePort());
            if (s.node() != null) x.put("node", s.node());
            l.add(x);
        }
        m.put("slots", l);
        return m;
    }

    static Lan fromMap(Object o) {
        if (!(o instanceof Map<?, ?> m)) return null;
        List<Slot> slots = new ArrayList<>();
        if (m.get("slots") instanceof List<?> l) {
            for (Object x : l) {
                if (x instanceof Map<?, ?> s) {
                    slots.add(new Slot(Member.i(s, "index"), Member.s(s, "manager_mac"), Member.i(s, "manager_port"),
                            Member.s(s, "node_mac"), Member.i(s, "node_port"), Member.s(s, "node")));
                }
            }
        }
        return new Lan(Member.s(m, "prefix"), slots);
    }
}
