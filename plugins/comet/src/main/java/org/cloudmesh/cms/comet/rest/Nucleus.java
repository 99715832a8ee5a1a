package org.cloudmesh.cms.comet.rest;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleLinks;
import org.cloudmesh.cms.api.console.ConsoleTarget;
import org.cloudmesh.cms.api.libvirt.Graphics;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestCall;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.api.rest.RestReply;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Walltime;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.DirectService;
import org.cloudmesh.cms.comet.Endpoint;
import org.cloudmesh.cms.comet.computeset.StartRequest;
import org.cloudmesh.cms.comet.iso.Isos;
import org.cloudmesh.cms.comet.lifetime.Lifetime;
import org.cloudmesh.cms.comet.power.PowerAction;
import org.cloudmesh.cms.comet.store.Cluster;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;

/**
 * The Nucleus-compatible routes (vc-model.md §2.3), relative to {@value #BASE}:
 * <pre>
 * GET    cluster                                  clusters of the caller's projects (frontend and computes inline)
 * POST   cluster                                  create {name, computes, cpus, memory, disksize, project, allocations, owner, description}
 * GET    cluster/{c}                              one cluster
 * DELETE cluster/{c}                              delete (refused while a computeset is active)
 * GET    cluster/{c}/frontend                     node info of the frontend
 * GET    cluster/{c}/compute/{node}               node info
 * PUT    cluster/{c}/frontend/{action}            poweron, poweroff, reboot, reset, shutdown; attach_iso?iso_name=
 * PUT    cluster/{c}/compute/{nodes}/{action}     the same for compute nodes ({nodes}: a name or a hostlist)
 * PUT    cluster/{c}/computeset/{id}/{action}     reboot, reset, shutdown of the nodes of a computeset
 * POST   cluster/{c}/compute/{old}/rename         {"name": new} (old and new may be hostlists); ?check=true only checks
 * GET    cluster/{c}/frontend/console             303 to a one-time web console page /console/TOKEN (needs a fresh
 *                                                  one-time code; the server's {@code WebConsole} serves it)
 * GET    cluster/{c}/compute/{node}/console       the same for a compute node; ?serial=true (both): a link to the
 *                                                  serial console (the page answers its WebSocket as JSON)
 * GET    computeset?state=S&amp;cluster=C&amp;allocation=A   (state: running by default, as Nucleus; all, active, or a list)
 * POST   computeset                               start {cluster, computes|count, walltime_mins, allocation, reservation,
 *                                                  begin (Slurm's --begin)} → 201
 * GET    computeset/{id}
 * PUT    computeset/{id}/shutdown                 terminate (Nucleus's name) → 202; reboot and reset act on its nodes
 * POST   computeset/{id}/extend                   {"by": DURATION} raises the set's time limit (its cluster's owner or an
 *                                                  administrator; within limits.max_walltime and the project's)
 * GET    reservation                              Slurm's reservations on the server's active endpoint
 * POST   reservation                              {name, nodes, start, duration, accounts} → 201 (administrators)
 * DELETE reservation/{name}                       (administrators)
 * GET    image                                    ISO names as Nucleus ("public/NAME"); ?detail=true: index, size, sha256
 * POST   image?name=NAME                          upload (the body is the ISO image; or, as Nucleus, multipart field
 *                                                  "file" and an md5 header)
 * </pre>
 * A cluster of a project the caller is not in answers 404 exactly like one that does not exist. Errors carry the
 * shell's messages. Per-project limits come from {@code cloudmesh.comet.projects.P.limits}
 * ({@code max_nodes}, {@code max_walltime}, {@code max_concurrent_nodes}).
 */
public final class Nucleus {
    public static final String BASE = "/nucleus/v1";

    private final Context ctx;
    private final Comet comet;
    private final Map<String, Object> projectLocks = new ConcurrentHashMap<>();

    public Nucleus(Context ctx, Comet comet) {
        this.ctx = ctx;
        this.comet = comet;
    }

    public void register(RestApi api) {
        api.get(BASE + "/cluster", this::clusters);
        api.post(BASE + "/cluster", this::createCluster);
        api.get(BASE + "/cluster/{cluster}", this::cluster);
        api.delete(BASE + "/cluster/{cluster}", this::deleteCluster);
        api.get(BASE + "/cluster/{cluster}/frontend", c -> RestReply.ok(service(c).nodeInfo(name(c), null)));
        api.get(BASE + "/cluster/{cluster}/compute/{node}", c -> RestReply.ok(service(c).nodeInfo(name(c), param(c, "node"))));
        api.put(BASE + "/cluster/{cluster}/frontend/{action}", c -> nodeAction(c, null));
        api.put(BASE + "/cluster/{cluster}/compute/{node}/{action}", c -> nodeAction(c, param(c, "node")));
        api.put(BASE + "/cluster/{cluster}/computeset/{id}/{action}", this::computesetPower);
        api.post(BASE + "/cluster/{cluster}/compute/{node}/rename", this::rename);
        api.get(BASE + "/cluster/{cluster}/frontend/console", c -> console(c, null));
        api.get(BASE + "/cluster/{cluster}/compute/{node}/console", c -> console(c, param(c, "node")));
        api.get(BASE + "/computeset", this::computesets);
        api.post(BASE + "/computeset", this::start);
        api.get(BASE + "/computeset/{id}", c -> RestReply.ok(Json.computeset(visibleSet(c))));
        api.put(BASE + "/computeset/{id}/{action}", this::computesetAction);
        api.post(BASE + "/computeset/{id}/extend", this::extend);
        api.get(BASE + "/reservation", c -> RestReply.ok(reservations(c)));
        api.post(BASE + "/reservation", this::createReservation);
        api.delete(BASE + "/reservation/{name}", this::deleteReservation);
        api.get(BASE + "/image", this::images);
        api.post(BASE + "/image", this::upload);
    }

    // ---- access -----------------------------------------------------------------------------------------------

    /** A path parameter, percent-decoded once more when the server left it encoded (hostlists have brackets). */
    static String param(RestCall c, String name) {
        String v = c.pathParam(name);
        return v != null && v.contains("%") ? URLDecoder.decode(v, StandardCharsets.UTF_8) : v;
    }

    static String name(RestCall c) {
        return param(c, "cluster");
    }

    /** The cluster if the caller may see it; 404 with the shell's message otherwise (no existence leak). */
    Cluster visible(RestCall c, String name) {
        Cluster cl = Names.isValid(name) ? comet.store().cluster(name).orElse(null) : null;
        if (cl == null || !c.principal().mayAccess(cl.project())) {
            throw RestException.notFound("unknown cluster '" + name + "': see 'comet ll'");
        }
        return cl;
    }

    /** The service of the endpoint the cluster lives on, acting for the caller. */
    DirectService service(RestCall c, Cluster cl) {
        return new DirectService(comet, endpoint(cl.endpoint()), c.principal().user(), c.principal().admin());
    }

    DirectService service(RestCall c) {
        return service(c, visible(c, name(c)));
    }

    Endpoint endpoint(String name) {
        return Endpoint.select(ctx.config(), name);
    }

    Computeset visibleSet(RestCall c) {
        String id = c.pathParam("id");
        Computeset cs = id != null && id.matches("[0-9]{1,18}") ? comet.store().computeset(Long.parseLong(id)).orElse(null) : null;
        Cluster cl = cs == null ? null : comet.store().cluster(cs.cluster()).orElse(null);
        if (cs == null || cl == null || !c.principal().mayAccess(cl.project())) {
            throw RestException.notFound("unknown computeset " + id + ": see 'comet computeset'");
        }
        service(c, cl).refresh(null);
        return comet.store().computeset(cs.id()).orElseThrow();
    }

    // ---- clusters ---------------------------------------------------------------------------------------------

    List<Cluster> visibleClusters(RestCall c) {
        List<Cluster> out = new ArrayList<>();
        for (Cluster cl : comet.store().clusters(null)) if (c.principal().mayAccess(cl.project())) out.add(cl);
        return out;
    }

    /** Reconciles the endpoints of these clusters (as every shell listing does). */
    void refresh(RestCall c, List<Cluster> clusters) {
        Set<String> done = new LinkedHashSet<>();
        for (Cluster cl : clusters) if (done.add(cl.endpoint())) service(c, cl).refresh(null);
    }

    RestReply clusters(RestCall c) {
        List<Cluster> all = visibleClusters(c);
        refresh(c, all);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Cluster cl : all) out.add(Json.cluster(cl, comet.store().nodes(cl.name())));
        return RestReply.ok(out);
    }

    RestReply cluster(RestCall c) {
        Cluster cl = visible(c, name(c));
        service(c, cl).refresh(null);
        return RestReply.ok(Json.cluster(cl, comet.store().nodes(cl.name())));
    }

    @SuppressWarnings("unchecked")
    RestReply createCluster(RestCall c) {
        Map<String, Object> b = c.body(Map.class);
        String name = text(b, "name", true);
        String project = text(b, "project", false);
        if (project == null && !c.principal().admin()) {
            if (c.principal().projects().size() != 1) {
                throw RestException.badRequest("name the project of the cluster: one of " + c.principal().projects(), "project");
            }
            project = c.principal().projects().iterator().next();
        }
        if (!c.principal().admin() && !c.principal().mayAccess(project)) {
            throw new RestException(403, "you are not a member of project '" + project + "'", "project");
        }
        List<String> allocations = new ArrayList<>();
        Object a = b.get("allocations");
        if (a instanceof List<?> l) for (Object x : l) allocations.add(String.valueOf(x));
        else if (a != null) for (String x : String.valueOf(a).split(",")) allocations.add(x);
        CometService.ClusterRequest r = new CometService.ClusterRequest(name, number(b, "computes", null),
                number(b, "cpus", 2), number(b, "memory", 2048), number(b, "disksize", 20), project, allocations,
                text(b, "owner", false) == null ? c.principal().user() : text(b, "owner", false), text(b, "description", false));
        Endpoint e = endpoint(null);
        c.auditTarget(name, null);
        if (Names.isValid(name) && comet.store().cluster(name).isPresent()) throw taken("cluster", name);
        Cluster cl = new DirectService(comet, e, c.principal().user(), c.principal().admin()).createCluster(r);
        return RestReply.created(Json.cluster(cl, comet.store().nodes(cl.name())), BASE + "/cluster/" + cl.name());
    }

    RestReply deleteCluster(RestCall c) {
        Cluster cl = visible(c, name(c));
        c.auditTarget(cl.name(), null);
        service(c, cl).deleteCluster(cl.name());
        return RestReply.noContent();
    }

    /**
     * A name in use, whoever's it is: names are unique on this server (they name Slurm jobs, libvirt domains and
     * files in iso_dir), so the answer is the same for the caller's own cluster or ISO and another project's.
     */
    static RestException taken(String what, String name) {
        return new RestException(409, "ISO".equals(what) ? Isos.exists(name) : Store.clusterExists(name), "name");
    }

    // ---- power, ISO, rename, console --------------------------------------------------------------------------

    static PowerAction action(String a) {
        return switch (a == null ? "" : a.toLowerCase(Locale.ROOT)) {
            case "poweron", "on" -> PowerAction.ON;
            case "poweroff", "off" -> PowerAction.OFF;
            case "reboot" -> PowerAction.REBOOT;
            case "reset" -> PowerAction.RESET;
            case "shutdown" -> PowerAction.SHUTDOWN;
            default -> throw RestException.notFound("unknown action '" + a
                    + "': use poweron, poweroff, reboot, reset, shutdown or attach_iso");
        };
    }

    RestReply nodeAction(RestCall c, String nodes) {
        Cluster cl = visible(c, name(c));
        if (nodes != null) Hostlist.expand(nodes);
        String a = c.pathParam("action");
        if ("attach_iso".equals(a)) return attachIso(c, cl, nodes);
        PowerAction action = action(a);
        c.auditTarget(cl.name(), nodes);
        List<String> done = service(c, cl).power(cl.name(), action, nodes);
        return power(cl, action, done);
    }

    private static RestReply power(Cluster cl, PowerAction action, List<String> done) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("action", action.label());
        body.put("nodes", done);
        return RestReply.accepted(body, BASE + "/cluster/" + cl.name());
    }

    RestReply computesetPower(RestCall c) {
        Cluster cl = visible(c, name(c));
        String id = c.pathParam("id");
        if (id == null || !id.matches("[0-9]{1,18}")) throw RestException.badRequest("invalid computeset id '" + id + "'", "id");
        // a set of another cluster (maybe another project's) answers like one that does not exist
        if (comet.store().computeset(Long.parseLong(id)).filter(cs -> cs.cluster().equals(cl.name())).isEmpty()) {
            throw RestException.notFound("unknown computeset " + id + ": see 'comet computeset'");
        }
        PowerAction action = action(c.pathParam("action"));
        c.auditTarget(cl.name(), "computeset " + id);
        return power(cl, action, service(c, cl).power(cl.name(), action, id));
    }

    RestReply attachIso(RestCall c, Cluster cl, String nodes) {
        String iso = c.query("iso_name").map(String::strip).orElse("");
        if (iso.startsWith("public/")) iso = iso.substring("public/".length());
        if (!iso.isEmpty()) iso = visibleIso(c, iso).name();
        c.auditTarget(cl.name(), nodes);
        List<Map<String, Object>> out = new ArrayList<>();
        for (Isos.Change ch : service(c, cl).attachIso(iso.isEmpty() ? null : iso, cl.name(), nodes)) out.add(Json.change(ch));
        return RestReply.ok(out);
    }

    @SuppressWarnings("unchecked")
    RestReply rename(RestCall c) {
        Cluster cl = visible(c, name(c));
        String old = param(c, "node");
        String now = text(c.body(Map.class), "name", true);
        DirectService s = service(c, cl);
        if (c.query("check").map(Boolean::parseBoolean).orElse(false)) return RestReply.ok(s.renamePlan(cl.name(), old, now));
        c.auditTarget(cl.name(), old + " -> " + now);
        return RestReply.ok(s.rename(cl.name(), old, now));
    }

    /** Console links of kind SERIAL lead to a node's serial console (for 'comet console' in remote mode), not its screen. */
    public static final String SERIAL = "comet-serial";

    RestReply console(RestCall c, String node) {
        Cluster cl = visible(c, name(c));
        DirectService s = service(c, cl);
        c.requireFreshSecondFactor();
        boolean serial = c.query("serial").map("true"::equals).orElse(false);
        if (serial) s.running(cl.name(), node); // says now when the node is off
        else s.graphicsUrl(cl.name(), node);    // ... or has no display
        c.auditTarget(cl.name(), node == null ? cl.name() : node);
        ConsoleLink link = new ConsoleLink(serial ? SERIAL : "comet", cl.name(), node, cl.project(), c.principal().user(),
                Instant.now().plus(ConsoleLinks.TTL));
        return RestReply.seeOther("/console/" + ConsoleLinks.issue(ctx.home(), link));
    }

    /** The serial console a link of kind {@link #SERIAL} names: the same rules as {@link #consoleTarget}. */
    ConsoleTarget serialTarget(ConsoleLink link) {
        Node n = linked(link);
        String uri = endpoint(comet.store().cluster(link.scope()).orElseThrow().endpoint()).uri(n.host());
        Hypervisor h = comet.libvirt().at(uri);
        return ConsoleTarget.of(() -> org.cloudmesh.cms.comet.console.ConsoleSession.open(comet.libvirt().connection(uri), n.name(), false)
                .stream(), () -> Hypervisor.ACTIVE.equals(h.powerState(n.name())));
    }

    /** The running node a console link names; the cluster must still be the link's project's. */
    private Node linked(ConsoleLink link) {
        Cluster cl = Names.isValid(link.scope()) ? comet.store().cluster(link.scope()).orElse(null) : null;
        // a link names the cluster's project when it was made (none for a cluster without one, on the management node)
        if (cl == null || !java.util.Objects.equals(link.project(), cl.project())) {
            throw new CmsException("cluster " + link.scope() + " is gone, or no longer of " + (link.project() == null
                    ? "no project" : "project " + link.project()));
        }
        return new DirectService(comet, endpoint(cl.endpoint()), link.user(), false).running(cl.name(), link.name());
    }

    /**
     * The display a comet console link names, when it is opened: the cluster must still be the link's project's,
     * the node must run; the display is reached on the node's host (through ssh for a qemu+ssh hypervisor).
     */
    ConsoleTarget consoleTarget(ConsoleLink link) {
        Node n = linked(link);
        String uri = endpoint(comet.store().cluster(link.scope()).orElseThrow().endpoint()).uri(n.host());
        Hypervisor h = comet.libvirt().at(uri);
        Graphics g = Graphics.of(h.xml(n.name()), n.name(), uri);
        return ConsoleTarget.of(() -> g.connect(uri, ctx.home().resolve("known_hosts")),
                () -> Hypervisor.ACTIVE.equals(h.powerState(n.name())));
    }

    // ---- computesets ------------------------------------------------------------------------------------------

    RestReply computesets(RestCall c) {
        EnumSet<CsState> states = states(c.query("state").orElse("running"));
        String cluster = c.query("cluster").orElse(null);
        String allocation = c.query("allocation").orElse(null);
        if (allocation != null) Names.require("allocation", allocation);
        List<Cluster> seen = cluster == null ? visibleClusters(c) : List.of(visible(c, cluster));
        refresh(c, seen);
        Set<String> names = new java.util.HashSet<>();
        for (Cluster cl : seen) names.add(cl.name());
        List<Map<String, Object>> out = new ArrayList<>();
        for (Computeset cs : comet.store().computesets(new Store.CsFilter(null, cluster, states, allocation))) {
            if (names.contains(cs.cluster())) out.add(Json.computeset(cs));
        }
        return RestReply.ok(out);
    }

    static EnumSet<CsState> states(String list) {
        EnumSet<CsState> wanted = EnumSet.noneOf(CsState.class);
        for (String s : list.split(",")) {
            switch (s.strip().toLowerCase(Locale.ROOT)) {
                case "all" -> wanted.addAll(EnumSet.allOf(CsState.class));
                case "active" -> {
                    for (CsState x : CsState.values()) if (x.active()) wanted.add(x);
                }
                default -> wanted.add(CsState.parse(s));
            }
        }
        return wanted;
    }

    @SuppressWarnings("unchecked")
    RestReply start(RestCall c) {
        Map<String, Object> b = c.body(Map.class);
        Cluster cl = visible(c, text(b, "cluster", true));
        // a list stays a list (as the remote client sends it); a string is a hostlist (as Nucleus clients send it)
        List<String> nodes = null;
        Object computes = b.get("computes");
        if (computes instanceof List<?> l) {
            nodes = new ArrayList<>();
            for (Object o : l) nodes.add(o instanceof Map<?, ?> m ? String.valueOf(m.get("name")) : String.valueOf(o));
            if (nodes.isEmpty()) nodes = null;
        } else if (computes != null) {
            nodes = Hostlist.expand(String.valueOf(computes));
        }
        String count = b.get("count") == null ? null : String.valueOf(b.get("count"));
        String wall = b.get("walltime_mins") == null ? null : String.valueOf(b.get("walltime_mins")).strip();
        long minutes;
        if (wall == null) {
            minutes = StartRequest.DEFAULT_WALLTIME_MINS;
        } else if (!wall.matches("[0-9]{1,9}")) {
            throw RestException.badRequest("walltime_mins '" + wall + "': give a whole number of minutes", "walltime_mins");
        } else {
            minutes = Walltime.minutes(Walltime.parse(wall + "m"));
        }
        StartRequest r = StartRequest.of(cl.name(), nodes, count, minutes, text(b, "allocation", false),
                text(b, "reservation", false), text(b, "begin", false));
        DirectService s = service(c, cl);
        int n = r.size();
        c.auditTarget(cl.name(), r.nodes() == null ? n + " node(s)" : Hostlist.compress(r.nodes()));
        Computeset cs;
        if (limited(cl)) {
            // one start at a time in a project with a concurrent-nodes limit: two cannot both pass it
            synchronized (projectLocks.computeIfAbsent(cl.project(), k -> new Object())) {
                checkLimits(cl, n, minutes);
                cs = s.start(r);
            }
        } else {
            checkLimits(cl, n, minutes);
            cs = s.start(r);
        }
        c.auditTarget(cl.name(), Hostlist.compress(cs.nodes()));
        return RestReply.created(Json.computeset(cs), BASE + "/computeset/" + cs.id());
    }

    boolean limited(Cluster cl) {
        return cl.project() != null
                && ctx.config().get("cloudmesh.comet.projects." + cl.project() + ".limits.max_concurrent_nodes").isPresent();
    }

    /** The project's limits: {@code cloudmesh.comet.projects.P.limits.{max_nodes, max_walltime, max_concurrent_nodes}}. */
    void checkLimits(Cluster cl, int n, long minutes) {
        if (cl.project() == null) return;
        String at = "cloudmesh.comet.projects." + cl.project() + ".limits";
        Map<String, Object> limits = ctx.config().getMap(at);
        if (limits.isEmpty()) return;
        Long maxNodes = limit(limits, "max_nodes", at);
        if (maxNodes != null && n > maxNodes) {
            throw new RestException(403, n + " nodes requested, but project '" + cl.project() + "' allows at most " + maxNodes
                    + " per computeset (" + at + ".max_nodes)", null);
        }
        checkWalltime(cl, minutes, "walltime");
        Long maxConcurrent = limit(limits, "max_concurrent_nodes", at);
        if (maxConcurrent != null) {
            Map<String, String> projectOf = new HashMap<>();
            for (Cluster x : comet.store().clusters(null)) projectOf.put(x.name(), String.valueOf(x.project()));
            long used = 0;
            for (Computeset cs : comet.store().computesets(new Store.CsFilter(null, null, CsState.activeStates(), null))) {
                if (cl.project().equals(projectOf.get(cs.cluster()))) used += cs.nodes().size();
            }
            if (used + n > maxConcurrent) {
                throw new RestException(403, "project '" + cl.project() + "' has " + used + " node(s) in active computesets; "
                        + n + " more would pass its limit of " + maxConcurrent + " (" + at + ".max_concurrent_nodes):"
                        + " terminate a computeset first", null);
            }
        }
    }

    /**
     * The project's limits.max_walltime: 403 naming it when {@code minutes} passes it. {@code what} starts the
     * message ("walltime", or "extending computeset 7 by 1h: walltime").
     */
    void checkWalltime(Cluster cl, long minutes, String what) {
        if (cl.project() == null) return;
        String at = "cloudmesh.comet.projects." + cl.project() + ".limits";
        Object w = ctx.config().getMap(at).get("max_walltime");
        if (w == null) return;
        Duration max = Walltime.parse(String.valueOf(w));
        if (Duration.ofMinutes(minutes).compareTo(max) > 0) {
            throw new RestException(403, what + " " + Walltime.format(Duration.ofMinutes(minutes)) + " is longer than project '"
                    + cl.project() + "' allows (" + Walltime.format(max) + ", " + at + ".max_walltime)", null);
        }
    }

    private static Long limit(Map<String, Object> limits, String key, String at) {
        Object v = limits.get(key);
        if (v == null) return null;
        try {
            return Long.parseLong(String.valueOf(v).strip());
        } catch (NumberFormatException x) {
            throw new CmsException(at + "." + key + " must be a number, not '" + v + "'");
        }
    }

    /** Nucleus: PUT computeset/{id}/shutdown terminates; reboot and reset act on the set's nodes. */
    RestReply computesetAction(RestCall c) {
        Computeset cs = visibleSet(c);
        Cluster cl = visible(c, cs.cluster());
        String a = c.pathParam("action");
        c.auditTarget(cl.name(), Hostlist.compress(cs.nodes()));
        if ("shutdown".equals(a) || "terminate".equals(a)) {
            Computeset done = service(c, cl).terminate(cs.id());
            return RestReply.accepted(Json.computeset(done), BASE + "/computeset/" + cs.id());
        }
        PowerAction action = action(a);
        return power(cl, action, service(c, cl).power(cl.name(), action, String.valueOf(cs.id())));
    }

    // ---- lifetime ---------------------------------------------------------------------------------------------

    /** Extends a computeset: its cluster's owner or an administrator (403 otherwise), within the project's walltime. */
    @SuppressWarnings("unchecked")
    RestReply extend(RestCall c) {
        Computeset cs = visibleSet(c);
        Cluster cl = visible(c, cs.cluster());
        c.auditTarget(cl.name(), "computeset " + cs.id());
        String by = text(c.body(Map.class), "by", true);
        Duration d = Walltime.parse(by);
        try {
            Lifetime.requireOwner(cl, cs, c.principal().user(), c.principal().admin());
        } catch (CmsException x) {
            throw new RestException(403, x.getMessage(), null);
        }
        checkWalltime(cl, Lifetime.newWalltime(cs, d), "extending computeset " + cs.id() + " by " + Walltime.format(d) + ": walltime");
        return RestReply.ok(Json.computeset(service(c, cl).extend(cs.id(), d)));
    }

    /** The service of the server's active endpoint (reservations are the endpoint's, not a cluster's). */
    DirectService activeEndpoint(RestCall c) {
        return new DirectService(comet, Endpoint.select(ctx.config(), null), c.principal().user(), c.principal().admin());
    }

    List<Map<String, Object>> reservations(RestCall c) {
        List<Map<String, Object>> out = new ArrayList<>();
        for (var r : activeEndpoint(c).reservations()) out.add(Json.reservation(r));
        return out;
    }

    void requireAdmin(RestCall c, String what) {
        if (!c.principal().admin()) throw new RestException(403, "only an administrator may " + what, null);
    }

    @SuppressWarnings("unchecked")
    RestReply createReservation(RestCall c) {
        Map<String, Object> b = c.body(Map.class);
        String name = text(b, "name", true);
        c.auditTarget(null, "reservation " + name);
        requireAdmin(c, "create reservations");
        List<String> accounts = new ArrayList<>();
        Object a = b.get("accounts");
        if (a instanceof List<?> l) for (Object x : l) accounts.add(String.valueOf(x));
        else if (a != null) for (String x : String.valueOf(a).split(",")) accounts.add(x);
        activeEndpoint(c).createReservation(new Lifetime.ReservationRequest(name, number(b, "nodes", null),
                text(b, "start", true), Walltime.parse(text(b, "duration", true)), accounts));
        return RestReply.created(Map.of("name", name), BASE + "/reservation");
    }

    RestReply deleteReservation(RestCall c) {
        String name = param(c, "name");
        c.auditTarget(null, "reservation " + name);
        requireAdmin(c, "delete reservations");
        activeEndpoint(c).deleteReservation(name);
        return RestReply.ok(Map.of("name", name));
    }

    // ---- images -----------------------------------------------------------------------------------------------

    static String md5(byte[] data) {
        try {
            return java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("MD5").digest(data));
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    RestReply images(RestCall c) {
        boolean detail = c.query("detail").map(Boolean::parseBoolean).orElse(false);
        List<Object> out = new ArrayList<>();
        for (Isos.Iso i : visibleIsos(c)) out.add(detail ? Json.iso(i) : "public/" + i.name());
        return RestReply.ok(out);
    }

    /**
     * The ISOs the caller sees, numbered from 1 as they see them: their projects' and the shared ones (registered
     * from the shell); an administrator sees all.
     */
    List<Isos.Iso> visibleIsos(RestCall c) {
        Map<String, String> owners = Isos.projects(comet.store());
        List<Isos.Iso> out = new ArrayList<>();
        for (Isos.Iso i : Isos.list(comet.store())) {
            String p = owners.get(i.name());
            if (p == null || c.principal().mayAccess(p)) {
                out.add(new Isos.Iso(out.size() + 1, i.name(), i.sha256(), i.size(), i.path(), i.uploaded()));
            }
        }
        return out;
    }

    /** An ISO the caller sees, by name or number; another project's answers exactly like a missing one. */
    Isos.Iso visibleIso(RestCall c, String nameOrIndex) {
        List<Isos.Iso> all = visibleIsos(c);
        if (nameOrIndex.matches("[0-9]{1,9}")) {
            int i = Integer.parseInt(nameOrIndex);
            if (i >= 1 && i <= all.size()) return all.get(i - 1);
        } else {
            for (Isos.Iso iso : all) if (iso.name().equals(nameOrIndex)) return iso;
        }
        throw RestException.notFound("The specified index or image name '" + nameOrIndex + "' does not match any from the ISO list ("
                + (all.isEmpty() ? "empty: upload one with 'comet iso upload PATH'" : "1-" + all.size() + ": see 'comet iso list'") + ")");
    }

    /** {@code cloudmesh.comet.projects.P.limits.max_iso_bytes}: what a project's uploaded ISOs may add up to. */
    public static final long DEFAULT_ISO_QUOTA = 8L << 30;

    long isoQuota(String project) {
        String at = "cloudmesh.comet.projects." + project + ".limits.max_iso_bytes";
        Optional<String> v = ctx.config().getString(at);
        if (v.isEmpty()) return DEFAULT_ISO_QUOTA;
        try {
            return Long.parseLong(v.get().strip());
        } catch (NumberFormatException x) {
            throw new CmsException(at + " must be a number of bytes, not '" + v.get() + "'");
        }
    }

    /** The project an upload belongs to: ?project=, else the caller's only project; an administrator's may be shared. */
    String uploadProject(RestCall c) {
        Optional<String> asked = c.query("project").map(String::strip).filter(p -> !p.isEmpty());
        if (asked.isPresent()) {
            Names.require("project", asked.get());
            if (!c.principal().mayAccess(asked.get())) {
                throw new RestException(403, "you are not a member of project '" + asked.get() + "'", "project");
            }
            return asked.get();
        }
        if (c.principal().projects().size() == 1) return c.principal().projects().iterator().next();
        if (c.principal().admin()) return null;
        throw RestException.badRequest("name the project the ISO belongs to: ?project=P, one of " + c.principal().projects(), "project");
    }

    /** The content types an ISO upload may come as (none at all is taken as the first). */
    static final Set<String> UPLOAD_TYPES = Set.of("application/octet-stream", "multipart/form-data", "application/x-iso9660-image");

    /**
     * The image as the body with {@code ?name=NAME.iso}, or as Nucleus clients send it: a multipart field
     * {@code file} (its file name is the ISO name unless ?name= says otherwise) and an {@code md5} header.
     */
    RestReply upload(RestCall c) {
        String type = c.header("Content-Type").map(t -> t.toLowerCase(Locale.ROOT).split(";")[0].strip()).orElse("");
        if (!type.isEmpty() && !UPLOAD_TYPES.contains(type)) {
            throw new RestException(415, "send the ISO as Content-Type: application/octet-stream, or as multipart/form-data field"
                    + " 'file' (it came as " + (type.length() > 60 ? type.substring(0, 60) + "..." : type) + ")", null);
        }
        Optional<RestCall.FilePart> part = c.file("file");
        String name = c.query("name").or(() -> part.map(p -> p.fileName() == null ? null : p.fileName().replaceAll(".*[/\\\\]", "")))
                .filter(n -> !n.isBlank())
                .orElseThrow(() -> RestException.badRequest("name the image: ?name=NAME.iso, or send it as multipart field 'file'", "name"));
        if (name.startsWith("public/")) name = name.substring("public/".length());
        Names.require("ISO", name);
        String project = uploadProject(c);
        Endpoint e = endpoint(null);
        if (!Isos.nameFree(comet.store(), e, name)) throw taken("ISO", name);
        byte[] body = part.map(RestCall.FilePart::content).orElseGet(c::bodyBytes);
        if (project != null) {
            long quota = isoQuota(project);
            long used = 0;
            Map<String, String> owners = Isos.projects(comet.store());
            for (Isos.Iso i : Isos.list(comet.store())) if (project.equals(owners.get(i.name()))) used += i.size();
            if (used + body.length > quota) {
                throw new RestException(403, "project '" + project + "' has " + used + " bytes of ISOs; " + body.length + " more would pass its quota of "
                        + quota + " bytes (cloudmesh.comet.projects." + project + ".limits.max_iso_bytes): ask an administrator", null);
            }
        }
        Optional<String> md5 = c.header("md5");
        if (md5.isPresent() && !md5.get().strip().equalsIgnoreCase(md5(body))) {
            throw RestException.badRequest("the md5 header (" + md5.get().strip() + ") does not match the " + body.length
                    + " bytes received (" + md5(body) + "): the upload was damaged, send it again", "md5");
        }
        Path tmp = null;
        try {
            tmp = Files.createTempFile(ctx.home(), ".upload-", ".iso");
            Files.write(tmp, body);
            c.auditTarget(null, name);
            Isos.Iso iso;
            try {
                iso = Isos.upload(comet.store(), e, tmp, name, project);
            } catch (CmsException x) {
                if (!Isos.nameFree(comet.store(), e, name)) throw taken("ISO", name); // taken meanwhile
                // the message names the file: the client's name, not the server's temp file
                throw new CmsException(x.getMessage().replace(tmp.toString(), name), x);
            }
            String uploaded = name;
            int index = visibleIsos(c).stream().filter(i -> i.name().equals(uploaded)).mapToInt(Isos.Iso::index).findFirst().orElse(iso.index());
            return RestReply.created(Json.iso(new Isos.Iso(index, iso.name(), iso.sha256(), iso.size(), iso.path(), iso.uploaded())), BASE + "/image");
        } catch (IOException x) {
            throw new CmsException("cannot store the upload: " + x.getMessage(), x);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // a temp file in the server's home
                }
            }
        }
    }

    /**
     * Removes what uploads cut off by a kill left behind: {@code .upload-*.iso} in $CLOUDMESH_HOME and
     * {@code .NAME.*.part} in each endpoint's iso_dir. @return how many files
     */
    public int removeUnfinishedUploads() {
        int n = 0;
        try (var files = Files.newDirectoryStream(ctx.home(), ".upload-*.iso")) {
            for (Path f : files) if (Files.deleteIfExists(f)) n++;
        } catch (IOException x) {
            // best effort: the next start tries again
        }
        for (String name : ctx.config().getMap("cloudmesh.comet.endpoints").keySet()) {
            try {
                n += Isos.removeUnfinished(endpoint(name));
            } catch (CmsException x) {
                // a remote or incomplete endpoint has no iso_dir here
            }
        }
        return n;
    }

    // ---- body fields ------------------------------------------------------------------------------------------

    static String text(Map<String, Object> b, String field, boolean required) {
        Object v = b == null ? null : b.get(field);
        if (v == null || String.valueOf(v).isBlank()) {
            if (required) throw RestException.badRequest("'" + field + "' is missing", field);
            return null;
        }
        if (v instanceof Map || v instanceof List) throw RestException.badRequest("'" + field + "' must be a string", field);
        return String.valueOf(v).strip();
    }

    static int number(Map<String, Object> b, String field, Integer dflt) {
        String v = text(b, field, dflt == null);
        if (v == null) return dflt;
        if (!v.matches("-?[0-9]{1,9}")) throw RestException.badRequest("'" + field + "' must be a whole number, not '" + v + "'", field);
        return Integer.parseInt(v);
    }

    // ---- the reconciliation loop ------------------------------------------------------------------------------

    /** {@code cloudmesh.comet.server.reconcile_interval} (default 2s). */
    Duration reconcileInterval() {
        String v = ctx.config().getString("cloudmesh.comet.server.reconcile_interval").orElse("2s").strip();
        if (v.matches("[0-9]+s?")) return Duration.ofSeconds(Math.max(1, Long.parseLong(v.replace("s", ""))));
        return Walltime.parse(v);
    }

    /** One round over every endpoint that has clusters; an endpoint that fails does not stop the others. */
    void reconcileAll() {
        Set<String> endpoints = new LinkedHashSet<>();
        try {
            for (Cluster cl : comet.store().clusters(null)) endpoints.add(cl.endpoint());
        } catch (RuntimeException x) {
            return;
        }
        for (String e : endpoints) {
            try {
                comet.reconciler().reconcile(endpoint(e));
            } catch (RuntimeException x) {
                // Slurm or libvirt unreachable: the next round tries again
            }
        }
    }
}
