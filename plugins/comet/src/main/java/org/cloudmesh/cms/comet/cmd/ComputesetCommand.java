package org.cloudmesh.cms.comet.cmd;

import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

/** {@code comet computeset [ID] [--state S] [--cluster C] [--allocation A]}. */
@Command(name = "computeset", description = {"List computesets (default: the active ones), or show one with its nodes.",
        "States: created, submitted, running, ending, completed, failed, cancelled; 'active' and 'all' select groups.",
        "A pending set's start and end are when Slurm expects them; remaining is in whole minutes, rounded down."},
        subcommands = ExtendCommand.class)
final class ComputesetCommand extends CometCommand.Sub {
    static final List<String> COLUMNS = List.of("id", "cluster", "state", "allocation", "nodes", "hosts", "job",
            "walltime", "start", "end", "remaining", "reason");

    @ParentCommand
    CometCommand parent;
    @Mixin
    OutputOption output;
    @Parameters(index = "0", arity = "0..1", paramLabel = "ID", description = "Only this computeset, in detail.") String id;
    @Option(names = "--state", paramLabel = "S", split = ",", description = "State(s), 'active' (default) or 'all'") List<String> states;
    @Option(names = "--cluster", paramLabel = "C", description = "Only computesets of this cluster") String cluster;
    @Option(names = "--allocation", paramLabel = "A", description = "Only computesets charged to this allocation") String allocation;

    @Override
    CometCommand root() {
        return parent;
    }

    @Override
    public Integer call() {
        if (cluster != null) Names.require("cluster", cluster);
        if (allocation != null) Names.require("allocation", allocation);
        EnumSet<CsState> wanted = EnumSet.noneOf(CsState.class);
        if (states == null || states.isEmpty()) {
            wanted = id != null ? EnumSet.allOf(CsState.class) : active();
        } else {
            for (String s : states) {
                switch (s.trim().toLowerCase(java.util.Locale.ROOT)) {
                    case "all" -> wanted.addAll(EnumSet.allOf(CsState.class));
                    case "active" -> wanted.addAll(active());
                    default -> wanted.add(CsState.parse(s));
                }
            }
        }
        CometService s = svc();
        s.refresh(ctx().err());
        Format f = ctx().format(output.format);
        if (id != null) {
            if (!id.matches("[0-9]{1,18}")) throw new CmsException("invalid computeset id '" + id + "': give a number (see 'comet computeset')");
            Computeset c = s.computeset(Long.parseLong(id));
            Map<String, Node> byName = new java.util.HashMap<>();
            for (Node n : s.nodes(c.cluster())) byName.put(n.name(), n);
            Map<String, Object> row = Views.computeset(c);
            List<Map<String, Object>> nodes = new ArrayList<>();
            for (String name : c.nodes()) {
                Node n = byName.get(name);
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("name", name);
                r.put("state", n == null ? null : c.state().active() ? n.state() : "stopped");
                r.put("type", "VM");
                r.put("mac", n == null ? null : n.mac());
                r.put("cpus", n == null ? null : n.cpus());
                r.put("cluster", c.cluster());
                r.put("host", n != null && c.state().active() ? n.host() : null);
                r.put("memory", n == null ? null : n.memoryMb());
                r.put("vf", n != null && c.state().active() ? n.vf() : null);
                nodes.add(r);
            }
            if (f == Format.TABLE) {
                ctx().printer(f).attributes(row);
                ctx().printer(f).list(List.of("name", "state", "type", "mac", "cpus", "cluster", "host", "memory", "vf"), nodes);
            } else {
                Map<String, Object> obj = new LinkedHashMap<>(row);
                obj.put("computes", nodes);
                if (f == Format.CSV) ctx().printer(f).list(CSV_COLUMNS, csvRows(row, nodes));
                else ctx().printer(f).attributes(obj);
            }
            return 0;
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Computeset c : s.computesets(cluster, wanted, allocation)) {
            rows.add(Views.computeset(c));
        }
        if (rows.isEmpty() && f == Format.TABLE && (states == null || states.isEmpty())) {
            // rather than an empty table: say what was looked for and where the others are
            ctx().out().println("No active computesets" + (cluster != null ? " of " + cluster : "")
                    + (allocation != null ? " charged to " + allocation : "")
                    + "; 'comet computeset --state all' lists the ended ones too.");
            return 0;
        }
        ctx().printer(f).list(COLUMNS, rows);
        return 0;
    }

    /** One computeset as CSV: a row per node, the set's columns first, so a script sees where each node runs. */
    static final List<String> CSV_COLUMNS = List.of("id", "cluster", "state", "allocation", "job", "walltime", "start",
            "end", "reason", "node", "node_state", "host", "mac", "vf", "cpus", "memory");

    static List<Map<String, Object>> csvRows(Map<String, Object> set, List<Map<String, Object>> nodes) {
        List<Map<String, Object>> rows = new ArrayList<>();
        for (Map<String, Object> n : nodes) {
            Map<String, Object> r = new LinkedHashMap<>(set);
            r.put("node", n.get("name"));
            r.put("node_state", n.get("state"));
            r.put("host", n.get("host"));
            r.put("mac", n.get("mac"));
            r.put("vf", n.get("vf"));
            r.put("cpus", n.get("cpus"));
            r.put("memory", n.get("memory"));
            rows.add(r);
        }
        return rows;
    }

    static EnumSet<CsState> active() {
        EnumSet<CsState> s = EnumSet.noneOf(CsState.class);
        for (CsState c : CsState.values()) if (c.active()) s.add(c);
        return s;
    }
}
