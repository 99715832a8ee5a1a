package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.cluster.ClusterBackend;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestCall;
import org.cloudmesh.cms.api.rest.RestException;
import org.cloudmesh.cms.api.rest.RestReply;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.api.util.Names;
import org.pf4j.Extension;

/**
 * The NIST virtual-cluster paths ({@code reference/vc-model.md} §1) over the cluster plugin's clusters and every
 * {@link ClusterBackend}'s (comet's), and the corrected OpenAPI document at {@code /openapi.yaml}. A cluster of a
 * project the caller does not belong to answers 404, exactly as one that does not exist. Cluster names are unique
 * on the server: a PUT that would create a cluster under a name in use (the caller's project's or another's) is
 * checked like any creation and then answers 409 "already exists", the same for both.
 */
@Extension
public final class ClusterRoutes implements RestRoutes {
    static final String OPENAPI = "/org/cloudmesh/cms/cluster/openapi.yaml";

    @Override
    public void routes(RestApi api, Context ctx) {
        Handlers h = new Handlers(new Clusters(ctx));
        api.get("/virtualcluster", h::list);
        api.get("/virtualcluster/{name}", h::get);
        api.put("/virtualcluster/{name}", h::put);
        api.delete("/virtualcluster/{name}", h::delete);
        api.get("/virtualcluster/{name}/{node}", h::getNode);
        api.put("/virtualcluster/{name}/{node}", h::putNode);
        api.delete("/virtualcluster/{name}/{node}", h::deleteNode);
        String doc = openapi();
        api.publicGet("/openapi.yaml", call -> RestReply.text(doc, "application/yaml"));
    }

    static String openapi() {
        try (InputStream in = ClusterRoutes.class.getResourceAsStream(OPENAPI)) {
            if (in == null) throw new IllegalStateException(OPENAPI + " is missing from the plugin jar");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + OPENAPI, e);
        }
    }

    /** The route handlers, each a plain method (the tests call them with a fake RestCall). */
    static final class Handlers {
        private final Clusters clusters;

        Handlers(Clusters clusters) {
            this.clusters = clusters;
        }

        RestReply list(RestCall call) {
            List<VirtualCluster> out = new ArrayList<>();
            for (VirtualCluster vc : clusters.all(false)) if (call.principal().mayAccess(vc.project())) out.add(vc);
            return RestReply.ok(out);
        }

        RestReply get(RestCall call) {
            return RestReply.ok(visible(call, name(call)));
        }

        /**
         * A new cluster is created on {@code cloud} with as many nodes as {@code nodes} lists (201); on an existing
         * one only {@code description} and {@code owner} change (200): nodes change through the node paths.
         */
        RestReply put(RestCall call) {
            String name = name(call);
            VirtualCluster body = body(call);
            if (body.name() != null && !body.name().equals(name)) {
                throw RestException.badRequest("the body names cluster '" + body.name() + "', the path '" + name + "'", "name");
            }
            Optional<VirtualCluster> existing = find(name);
            Principal p = call.principal();
            // another project's cluster is checked like a free name, up to the point of creating it (names are unique)
            if (existing.isPresent() && p.mayAccess(existing.get().project())) {
                VirtualCluster vc = existing.get();
                if (clusters.store().get(name).isEmpty()) {
                    throw RestException.conflict("cluster '" + name + "' is kept by " + kind(name) + ": change it through its own routes");
                }
                text(body.description(), "description");
                if (body.owner() != null) Names.require("owner", body.owner());
                call.auditTarget(name, null);
                Cluster c = clusters.store().change(name, x -> x.withText(body.owner() != null ? body.owner() : x.owner(),
                        body.description() != null ? body.description() : x.description()));
                return RestReply.ok(Clusters.view(c));
            }
            if (body.cloud() == null || body.cloud().isBlank()) {
                throw RestException.badRequest("a new cluster needs 'cloud': the cloud or comet endpoint to create it on", "cloud");
            }
            if (body.nodes().isEmpty()) {
                throw RestException.badRequest("a new cluster needs 'nodes': one entry per compute node", "nodes");
            }
            String project = body.project();
            if (project == null && !p.admin() && p.projects().size() == 1) project = p.projects().iterator().next();
            if (project == null && !p.admin()) {
                throw RestException.badRequest("give 'project': one of " + String.join(", ", p.projects()), "project");
            }
            if (project != null && !p.mayAccess(project)) {
                throw RestException.badRequest("project '" + project + "' is not one of yours", "project");
            }
            List<String> names = null;
            if (body.nodes().stream().allMatch(n -> n.name() != null)) {
                names = body.nodes().stream().map(Node::name).toList();
            } else if (body.nodes().stream().anyMatch(n -> n.name() != null)) {
                throw RestException.badRequest("name every node or none (cms names them " + name + "-1...)", "nodes");
            }
            text(body.description(), "description");
            call.auditTarget(name, names == null ? null : String.join(",", names));
            if (existing.isPresent()) {
                throw new RestException(409, "cluster '" + name + "' already exists: cluster names are unique on this server,"
                        + " whichever project uses them; choose another", "name");
            }
            VirtualCluster vc = clusters.create(new Clusters.Spec(name, body.cloud(), body.nodes().size(), names, null, null,
                    null, null, project, body.owner() != null ? body.owner() : p.user(), body.description(), true));
            return RestReply.created(vc, "/virtualcluster/" + name);
        }

        RestReply delete(RestCall call) {
            String name = name(call);
            VirtualCluster vc = visible(call, name);
            call.auditTarget(name, null);
            clusters.delete(name);
            return RestReply.ok(vc);
        }

        RestReply getNode(RestCall call) {
            VirtualCluster vc = visible(call, name(call));
            return RestReply.ok(node(vc, call.pathParam("node")));
        }

        /**
         * A new node name boots that node (201). On an existing node (or {@code manager}) a body {@code state} of
         * {@code running} or {@code stopped} starts or stops it (200).
         */
        RestReply putNode(RestCall call) {
            String name = name(call);
            VirtualCluster vc = visible(call, name);
            String nodeName = call.pathParam("node");
            Names.require("node", nodeName);
            Node body = call.body(Node.class);
            if (body != null && body.name() != null && !body.name().equals(nodeName)
                    && !(VirtualCluster.MANAGER.equals(nodeName) && vc.manager() != null && body.name().equals(vc.manager().name()))) {
                throw RestException.badRequest("the body names node '" + body.name() + "', the path '" + nodeName + "'", "name");
            }
            Cluster c = owned(name);
            Optional<Member> existing = member(c, nodeName);
            if (existing.isEmpty()) {
                if (VirtualCluster.MANAGER.equals(nodeName)) throw notFound(name + "/" + nodeName);
                call.auditTarget(name, nodeName);
                VirtualCluster after = clusters.add(name, 1, List.of(nodeName), true);
                return RestReply.created(node(after, nodeName), "/virtualcluster/" + name + "/" + nodeName);
            }
            String state = body == null ? null : body.state();
            if (state == null) return RestReply.ok(node(vc, nodeName));
            if (!Node.RUNNING.equals(state) && !Node.STOPPED.equals(state)) {
                throw RestException.badRequest("state '" + state + "': a node can be set to running or stopped", "state");
            }
            call.auditTarget(name, existing.get().name());
            clusters.power(name, existing.get().name(), Node.RUNNING.equals(state));
            return RestReply.ok(node(clusters.info(name, false), nodeName));
        }

        RestReply deleteNode(RestCall call) {
            String name = name(call);
            VirtualCluster vc = visible(call, name);
            String nodeName = call.pathParam("node");
            Node n = node(vc, nodeName);
            if (vc.manager() != null && (VirtualCluster.MANAGER.equals(nodeName) || n.name().equals(vc.manager().name()))) {
                throw RestException.badRequest("the manager cannot be removed: DELETE /virtualcluster/" + name + " deletes the cluster", "node");
            }
            owned(name);
            call.auditTarget(name, n.name());
            clusters.remove(name, n.name());
            return RestReply.ok(n);
        }

        // ---- helpers

        private Cluster owned(String name) {
            return clusters.store().get(name).orElseThrow(() -> RestException.conflict("cluster '" + name + "' is kept by "
                    + kind(name) + ": change its nodes through its own routes"));
        }

        private static Optional<Member> member(Cluster c, String node) {
            return VirtualCluster.MANAGER.equals(node) ? c.manager() : c.member(node);
        }

        private String kind(String name) {
            return clusters.backendCluster(name).map(e -> e.getKey().kind()).orElse("another service");
        }

        private static String name(RestCall call) {
            String name = call.pathParam("name");
            if (!Names.isValid(name)) throw RestException.badRequest("invalid cluster name: use letters, digits, '.', '_' and '-'", "name");
            return name;
        }

        private static VirtualCluster body(RestCall call) {
            VirtualCluster body = call.body(VirtualCluster.class);
            if (body == null) throw RestException.badRequest("the body must be a Virtualcluster object", null);
            return body;
        }

        private static void text(String value, String field) {
            if (value != null && (value.length() > 1000 || value.chars().anyMatch(c -> c < ' '))) {
                throw RestException.badRequest(field + ": one line of at most 1000 characters", field);
            }
        }

        private Optional<VirtualCluster> find(String name) {
            Optional<Cluster> c = clusters.store().get(name);
            if (c.isPresent()) return Optional.of(Clusters.view(c.get()));
            return clusters.backendCluster(name).map(Map.Entry::getValue);
        }

        /** The cluster if it exists and the caller may see it; 404 either way otherwise (no existence leak). */
        private VirtualCluster visible(RestCall call, String name) {
            VirtualCluster vc = find(name).orElseThrow(() -> notFound(name));
            if (!call.principal().mayAccess(vc.project())) throw notFound(name);
            return vc;
        }

        private static Node node(VirtualCluster vc, String node) {
            if (VirtualCluster.MANAGER.equals(node) && vc.manager() != null) return vc.manager();
            if (vc.manager() != null && vc.manager().name().equals(node)) return vc.manager();
            return vc.nodes().stream().filter(n -> n.name().equals(node)).findFirst()
                    .orElseThrow(() -> notFound(vc.name() + "/" + node));
        }

        private static RestException notFound(String what) {
            return RestException.notFound("no virtual cluster " + what);
        }
    }
}
