package org.cloudmesh.cms.cluster;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.Printer;
import org.cloudmesh.cms.api.cluster.Nic;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;

/** How the {@code cluster} commands show a cluster: the node table, the NIST object, a state summary. */
final class ClusterViews {
    static final List<String> LIST_COLUMNS = List.of("name", "cloud", "project", "owner", "manager", "nodes", "state");
    static final List<String> NODE_COLUMNS = List.of("name", "role", "state", "ncpu", "ram", "disk", "ip", "mac");

    private ClusterViews() {
    }

    /** "running" when all agree, else counts such as "3 running, 1 failed". */
    static String summary(VirtualCluster vc) {
        Map<String, Integer> n = new LinkedHashMap<>();
        if (vc.manager() != null) n.merge(String.valueOf(vc.manager().state()), 1, Integer::sum);
        for (Node x : vc.nodes()) n.merge(String.valueOf(x.state()), 1, Integer::sum);
        if (n.size() == 1) return n.keySet().iterator().next();
        List<String> parts = new ArrayList<>();
        n.forEach((k, v) -> parts.add(v + " " + k));
        return String.join(", ", parts);
    }

    /** The manager and nodes one row each (table, csv), or the NIST object (json, yaml). */
    @SuppressWarnings("unchecked")
    static void printNodes(Context ctx, VirtualCluster vc, Format option) {
        Printer p = ctx.printer(option);
        if (p.format() == Format.JSON || p.format() == Format.YAML) {
            p.attributes(nist(vc));
            return;
        }
        List<Map<String, ?>> rows = new ArrayList<>();
        if (vc.manager() != null) rows.add(row(vc.manager(), "manager"));
        for (Node n : vc.nodes()) rows.add(row(n, "node"));
        // VMs behind forwarded ports (user-mode networking) say where ssh reaches them
        Map<String, String> ssh = new LinkedHashMap<>();
        new ClusterStore(ctx.home()).get(vc.name()).ifPresent(c -> c.members().forEach(m -> {
            if (m.sshPort() != null && m.publicIp() != null) ssh.put(m.name(), m.publicIp() + ":" + m.sshPort());
        }));
        if (ssh.isEmpty()) {
            p.list(NODE_COLUMNS, rows);
            return;
        }
        for (Map<String, ?> r : rows) ((Map<String, Object>) r).put("ssh", ssh.get(String.valueOf(r.get("name"))));
        List<String> columns = new ArrayList<>(NODE_COLUMNS);
        columns.add("ssh");
        p.list(columns, rows);
    }

    private static Map<String, Object> row(Node n, String role) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("name", n.name());
        r.put("role", role);
        r.put("state", n.state());
        r.put("ncpu", n.ncpu());
        r.put("ram", n.ram());
        r.put("disk", n.disk());
        r.put("ip", n.nics().stream().map(Nic::ip).filter(x -> x != null).toList());
        r.put("mac", n.nics().stream().map(Nic::mac).filter(x -> x != null).findFirst().orElse(null));
        return r;
    }

    /** The NIST Virtualcluster object as a map (JSON/YAML). */
    static Map<String, Object> nist(VirtualCluster vc) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", vc.name());
        m.put("description", vc.description());
        m.put("owner", vc.owner());
        m.put("project", vc.project());
        m.put("cloud", vc.cloud());
        m.put("manager", vc.manager() == null ? null : nist(vc.manager()));
        m.put("nodes", vc.nodes().stream().map(ClusterViews::nist).toList());
        return m;
    }

    static Map<String, Object> nist(Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("state", n.state());
        m.put("ncpu", n.ncpu());
        m.put("ram", n.ram());
        m.put("disk", n.disk());
        List<Map<String, Object>> nics = new ArrayList<>();
        for (Nic x : n.nics()) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("mac", x.mac());
            e.put("ip", x.ip());
            nics.add(e);
        }
        m.put("nics", nics);
        return m;
    }
}
