package org.cloudmesh.cms.comet.rest;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.comet.iso.Isos;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;

/**
 * The JSON of the Nucleus-compatible API (vc-model.md §2.4) and back: the server writes the store's records with
 * these functions, the remote client reads them back into the same records, so both modes print the same. Fields
 * beyond Nucleus's (uuid, vf, host, job...) are what 'comet cluster' and 'comet computeset' show.
 */
public final class Json {
    private Json() {
    }

    public static Map<String, Object> cluster(Cluster c, List<Node> nodes) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", c.name());
        m.put("project", c.project());
        m.put("description", c.description());
        m.put("owner", c.owner());
        m.put("allocations", c.allocations());
        m.put("endpoint", c.endpoint());
        m.put("created", c.created());
        m.put("id", c.id());
        if (c.stack() != null) m.put("stack", c.stack());
        List<Map<String, Object>> computes = new ArrayList<>();
        for (Node n : nodes) {
            if (n.frontend()) m.put("frontend", node(n));
            else computes.add(node(n));
        }
        m.put("computes", computes);
        return m;
    }

    public static Cluster cluster(Map<String, Object> m) {
        return new Cluster(lng(m.get("id")), str(m.get("name")), str(m.get("endpoint")), str(m.get("project")),
                str(m.get("description")), str(m.get("owner")), strings(m.get("allocations")), lng(m.get("created")),
                str(m.get("stack")));
    }

    /** The nodes of a cluster's JSON: frontend first, then the computes in order. */
    @SuppressWarnings("unchecked")
    public static List<Node> nodes(Map<String, Object> cluster) {
        List<Node> out = new ArrayList<>();
        if (cluster.get("frontend") instanceof Map<?, ?> fe) out.add(node((Map<String, Object>) fe));
        if (cluster.get("computes") instanceof List<?> l) for (Object o : l) out.add(node((Map<String, Object>) o));
        return out;
    }

    public static Map<String, Object> node(Node n) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", n.name());
        m.put("state", n.state());
        m.put("type", "VM");
        m.put("kind", n.kind());
        m.put("cluster", n.cluster());
        m.put("host", n.host());
        m.put("cpus", n.cpus());
        m.put("memory", n.memoryMb());
        m.put("disksize", n.diskGb());
        List<Map<String, Object>> nics = new ArrayList<>();
        if (n.pubMac() != null) nics.add(nic(n.pubMac(), n.pubIp()));
        nics.add(nic(n.mac(), n.ip()));
        m.put("interface", nics);
        m.put("ip", n.ip());
        m.put("mac", n.mac());
        m.put("pub_mac", n.pubMac());
        m.put("pub_ip", n.pubIp());
        m.put("active_computeset", n.computeset());
        m.put(n.frontend() ? "frontend_state" : "compute_state", n.adminState());
        m.put("vf", n.vf());
        m.put("iso", n.iso());
        m.put("iso_pending", n.isoPending());
        m.put("uuid", n.uuid());
        m.put("idx", n.idx());
        return m;
    }

    private static Map<String, Object> nic(String mac, String ip) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("mac", mac);
        m.put("ip", ip);
        return m;
    }

    public static Node node(Map<String, Object> m) {
        String kind = str(m.get("kind"));
        Object admin = m.get(Node.FRONTEND.equals(kind) ? "frontend_state" : "compute_state");
        Object cs = m.get("active_computeset");
        return new Node(str(m.get("cluster")), str(m.get("name")), kind, (int) lng(m.get("idx")), str(m.get("uuid")),
                str(m.get("mac")), str(m.get("pub_mac")), str(m.get("ip")), str(m.get("pub_ip")), (int) lng(m.get("cpus")),
                (int) lng(m.get("memory")), (int) lng(m.get("disksize")), str(m.get("state")), str(admin),
                str(m.get("host")), str(m.get("vf")), str(m.get("iso")), str(m.get("iso_pending")),
                cs == null ? null : lng(cs));
    }

    public static Map<String, Object> computeset(Computeset c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("id", c.id());
        m.put("cluster", c.cluster());
        m.put("account", c.allocation());
        m.put("state", c.state().label());
        m.put("walltime_mins", c.walltimeMins());
        m.put("start_time", c.startTime());
        List<Map<String, Object>> computes = new ArrayList<>();
        for (String n : c.nodes()) computes.add(Map.of("name", n));
        m.put("computes", computes);
        m.put("endpoint", c.endpoint());
        m.put("reservation", c.reservation());
        m.put("job_id", c.jobId());
        m.put("slurm_state", c.slurmState());
        m.put("reason", c.reason());
        m.put("hosts", c.hosts());
        m.put("submit_time", c.submitTime());
        m.put("end_time", c.endTime());
        m.put("created", c.created());
        m.put("expected_start", c.expectedStart());
        return m;
    }

    @SuppressWarnings("unchecked")
    public static Computeset computeset(Map<String, Object> m) {
        List<String> nodes = new ArrayList<>();
        if (m.get("computes") instanceof List<?> l) {
            for (Object o : l) nodes.add(o instanceof Map<?, ?> n ? str(((Map<String, Object>) n).get("name")) : str(o));
        }
        return new Computeset(lng(m.get("id")), str(m.get("cluster")), str(m.get("endpoint")), str(m.get("account")),
                lng(m.get("walltime_mins")), str(m.get("reservation")), str(m.get("job_id")), CsState.parse(str(m.get("state"))),
                str(m.get("slurm_state")), str(m.get("reason")), str(m.get("hosts")), lngOrNull(m.get("submit_time")),
                lngOrNull(m.get("start_time")), lngOrNull(m.get("end_time")), lng(m.get("created")), nodes,
                lngOrNull(m.get("expected_start")));
    }

    /** A Slurm reservation: times are epoch seconds. */
    public static Map<String, Object> reservation(org.cloudmesh.cms.comet.slurm.SlurmClient.Reservation r) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", r.name());
        m.put("nodes", r.nodes());
        m.put("node_count", r.nodeCount());
        m.put("start_time", r.start());
        m.put("end_time", r.end());
        m.put("users", r.users());
        m.put("accounts", r.accounts());
        m.put("state", r.state());
        return m;
    }

    public static org.cloudmesh.cms.comet.slurm.SlurmClient.Reservation reservation(Map<String, Object> m) {
        return new org.cloudmesh.cms.comet.slurm.SlurmClient.Reservation(str(m.get("name")), str(m.get("nodes")),
                (int) lng(m.get("node_count")), lngOrNull(m.get("start_time")), lngOrNull(m.get("end_time")),
                str(m.get("users")), str(m.get("accounts")), str(m.get("state")));
    }

    public static Map<String, Object> iso(Isos.Iso i) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("index", i.index());
        m.put("name", i.name());
        m.put("size", i.size());
        m.put("sha256", i.sha256());
        m.put("uploaded", i.uploaded());
        return m;
    }

    public static Isos.Iso iso(Map<String, Object> m) {
        return new Isos.Iso((int) lng(m.get("index")), str(m.get("name")), str(m.get("sha256")), lng(m.get("size")), null,
                lng(m.get("uploaded")));
    }

    public static Map<String, Object> change(Isos.Change c) {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("node", c.node());
        m.put("iso", c.iso());
        m.put("running", c.running());
        m.put("defined", c.defined());
        return m;
    }

    public static Isos.Change change(Map<String, Object> m) {
        return new Isos.Change(str(m.get("node")), str(m.get("iso")), Boolean.TRUE.equals(m.get("running")),
                Boolean.TRUE.equals(m.get("defined")));
    }

    static String str(Object o) {
        return o == null ? null : String.valueOf(o);
    }

    static long lng(Object o) {
        Long l = lngOrNull(o);
        return l == null ? 0 : l;
    }

    static Long lngOrNull(Object o) {
        if (o == null) return null;
        if (o instanceof Number n) return n.longValue();
        return Long.parseLong(String.valueOf(o).strip());
    }

    static List<String> strings(Object o) {
        List<String> out = new ArrayList<>();
        if (o instanceof List<?> l) for (Object x : l) out.add(String.valueOf(x));
        return out;
    }
}
