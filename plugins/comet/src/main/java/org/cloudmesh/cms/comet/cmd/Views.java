package org.cloudmesh.cms.comet.cmd;

import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;

/** Rows of the listings (keys = column names), shared by the commands. */
final class Views {
    static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd HH:mm z").withZone(ZoneId.systemDefault());

    private Views() {
    }

    static String time(Long epoch) {
        return epoch == null ? null : TIME.format(Instant.ofEpochSecond(epoch));
    }

    /** Minutes as Comet showed them: ddd-hh:mm, or hh:mm when under a day. */
    static String duration(long minutes) {
        if (minutes < 0) minutes = 0;
        long d = minutes / 1440;
        long h = minutes / 60 % 24;
        long m = minutes % 60;
        return d > 0 ? String.format("%d-%02d:%02d", d, h, m) : String.format("%02d:%02d", h, m);
    }

    static String hostlist(List<String> names) {
        return names.isEmpty() ? "" : Hostlist.compress(names);
    }

    /** A node row: the FULL view of 'comet cluster' plus host and vf. */
    static Map<String, Object> node(Node n, Map<Long, Computeset> sets, String table) {
        Map<String, Object> r = new LinkedHashMap<>();
        Computeset cs = n.computeset() == null ? null : sets.get(n.computeset());
        r.put("name", n.name());
        r.put("state", n.state());
        r.put("computeset", cs == null ? null : cs.state() == CsState.RUNNING ? String.valueOf(cs.id())
                : cs.id() + "(" + cs.state().label() + ")");
        r.put("allocation", cs == null ? null : cs.allocation());
        r.put("admin_state", n.adminState());
        String macs = n.pubMac() != null ? n.pubMac() + ("table".equals(table) ? "\n" : ";") + n.mac() : n.mac();
        r.put("mac", macs);
        r.put("ip", n.ip());
        r.put("cluster", n.cluster());
        r.put("kind", n.kind());
        r.put("type", "VM");
        r.put("cpus", n.cpus());
        r.put("RAM(M)", n.memoryMb());
        r.put("disk(G)", n.diskGb());
        r.put("host", n.host());
        r.put("vf", n.vf());
        return r;
    }

    static Map<Long, Computeset> byId(List<Computeset> sets) {
        Map<Long, Computeset> m = new HashMap<>();
        for (Computeset c : sets) m.put(c.id(), c);
        return m;
    }

    /** A computeset row. */
    static Map<String, Object> computeset(Computeset c) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("id", c.id());
        r.put("cluster", c.cluster());
        r.put("state", c.state().label());
        r.put("allocation", c.allocation());
        r.put("nodes", hostlist(c.nodes()));
        r.put("count", c.nodes().size());
        r.put("hosts", c.hosts());
        r.put("job", c.jobId());
        r.put("walltime", duration(c.walltimeMins()));
        r.put("walltime_mins", c.walltimeMins());
        r.put("submitted", time(c.submitTime()));
        // a pending set shows when Slurm expects it to start (and so to end)
        Long start = c.startTime() != null ? c.startTime() : c.state() == CsState.SUBMITTED ? c.expectedStart() : null;
        r.put("start", time(start));
        r.put("end", time(c.endTime() != null ? c.endTime() : start != null ? start + c.walltimeMins() * 60 : null));
        long now = System.currentTimeMillis() / 1000;
        Long running = c.startTime() == null ? null : ((c.endTime() != null ? c.endTime() : now) - c.startTime()) / 60;
        r.put("running", running == null ? null : duration(running));
        r.put("remaining", c.startTime() == null || c.state().terminal() ? null : duration(remainingMins(c, now)));
        r.put("reason", c.reason());
        return r;
    }

    /**
     * Whole minutes left before a running set reaches its walltime, rounded down: a 10-minute set started 30 s ago
     * has 9 whole minutes left (00:09), not 10.
     */
    static long remainingMins(Computeset c, long now) {
        return Math.floorDiv(c.walltimeMins() * 60 - (now - c.startTime()), 60);
    }

    static List<String> columns(String... names) {
        return new ArrayList<>(List.of(names));
    }
}
