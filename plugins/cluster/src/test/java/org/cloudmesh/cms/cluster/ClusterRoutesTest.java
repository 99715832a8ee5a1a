package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import io.swagger.v3.parser.OpenAPIV3Parser;
import io.swagger.v3.parser.core.models.SwaggerParseResult;
import io.swagger.v3.oas.models.OpenAPI;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.cluster.ClusterBackend;
import org.cloudmesh.cms.api.cluster.Nic;
import org.cloudmesh.cms.api.cluster.Node;
import org.cloudmesh.cms.api.cluster.VirtualCluster;
import org.cloudmesh.cms.api.rest.Principal;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The /virtualcluster routes with a fake request: NIST shapes, project scoping, errors, audit; the OpenAPI document. */
class ClusterRoutesTest {
    static final Principal ALICE = new Principal("alice", Set.of("p1"), false);
    static final Principal BOB = new Principal("bob", Set.of("p2"), false);
    static final Principal ADMIN = new Principal("root", Set.of(), true);

    @TempDir
    Path tmp;
    TestContext shell;
    FakeRest api;
    String cloud;

    /** A comet-like backend with one cluster of project p2. */
    static final class Backend implements ClusterBackend {
        public String kind() {
            return "comet";
        }

        public boolean serves(Context ctx, String c) {
            return false;
        }

        public List<VirtualCluster> list(Context ctx) {
            return List.of(new VirtualCluster("vc9", "comet VC", "bob", "p2", "sdsc",
                    new Node("vc9", "running", 2, "2048MiB", "20GiB", List.of(new Nic("52:54:00:00:00:01", "10.0.0.1"))),
                    List.of(new Node("vm-vc9-0", "stopped", 2, "2048MiB", "20GiB", List.of(new Nic("52:54:00:00:00:02", "10.0.0.2"))))));
        }

        public VirtualCluster create(Context ctx, CreateRequest r) {
            throw new UnsupportedOperationException();
        }

        public void delete(Context ctx, String name) {
            throw new UnsupportedOperationException();
        }

        public void start(Context ctx, String name) {
        }

        public void stop(Context ctx, String name) {
        }
    }

    @BeforeEach
    void server() throws Exception {
        cloud = "lb" + UUID.randomUUID().toString().substring(0, 6);
        Path key = tmp.resolve("id_ed25519");
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).start().waitFor();
        shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  cloud:
                    %s:
                      cm: {kind: loopback}
                      default: {image: img, flavor: small, key: %s}
                """.formatted(cloud, key), new LoopbackProvider(), new Backend());
        api = new FakeRest();
        new ClusterRoutes().routes(api, shell);
        assertEquals(0, shell.cms("cluster", "create", "c1", "--cloud", cloud, "--count", "2", "--project", "p1", "--no-setup").status());
    }

    @Test
    void listAndGetShowOnlyTheCallersProjectsInTheNistShape() {
        FakeRest.Answer all = api.call(ADMIN, "GET", "/virtualcluster", null);
        assertEquals(200, all.status());
        assertTrue(all.json().contains("\"name\":\"c1\"") && all.json().contains("\"name\":\"vc9\""), all.json());

        FakeRest.Answer mine = api.call(ALICE, "GET", "/virtualcluster", null);
        assertTrue(mine.json().contains("\"name\":\"c1\"") && !mine.json().contains("vc9"), mine.json());
        FakeRest.Answer bobs = api.call(BOB, "GET", "/virtualcluster", null);
        assertTrue(bobs.json().contains("\"name\":\"vc9\"") && !bobs.json().contains("c1"), bobs.json());

        FakeRest.Answer one = api.call(ALICE, "GET", "/virtualcluster/c1", null);
        assertEquals(200, one.status());
        assertTrue(one.json().startsWith("{\"name\":\"c1\",\"description\":null,\"owner\":"), one.json());
        assertTrue(one.json().contains("\"manager\":{\"name\":\"c1-manager\",\"state\":\"running\",\"ncpu\":1,\"ram\":\"256MiB\","
                + "\"disk\":null,\"nics\":[{\"mac\":null,\"ip\":\"127.0.0.1\"}]}"), one.json());

        FakeRest.Answer hidden = api.call(BOB, "GET", "/virtualcluster/c1", null);
        FakeRest.Answer missing = api.call(BOB, "GET", "/virtualcluster/nosuch", null);
        assertEquals(404, hidden.status());
        assertEquals(404, missing.status());
        assertEquals(missing.json().replace("nosuch", "c1"), hidden.json(), "another project's cluster looks exactly like none");

        assertEquals("c1-manager", ((Node) api.call(ALICE, "GET", "/virtualcluster/c1/manager", null).body()).name());
        assertEquals("c1-2", ((Node) api.call(ALICE, "GET", "/virtualcluster/c1/c1-2", null).body()).name());
        assertEquals(404, api.call(ALICE, "GET", "/virtualcluster/c1/c1-9", null).status());
        assertEquals("stopped", ((Node) api.call(BOB, "GET", "/virtualcluster/vc9/vm-vc9-0", null).body()).state());
        assertEquals(400, api.call(ALICE, "GET", "/virtualcluster/a;b", null).status());
    }

    @Test
    void changesAreCheckedScopedAndAudited() {
        FakeRest.Answer update = api.call(ALICE, "PUT", "/virtualcluster/c1", "{\"description\":\"for the course\"}");
        assertEquals(200, update.status(), update.json());
        assertEquals(List.of("c1"), update.audit());
        assertEquals("for the course", ((VirtualCluster) api.call(ALICE, "GET", "/virtualcluster/c1", null).body()).description());

        FakeRest.Answer otherName = api.call(ALICE, "PUT", "/virtualcluster/c1", "{\"name\":\"c2\"}");
        assertEquals(400, otherName.status());
        assertTrue(otherName.json().contains("\"field\":\"name\""), otherName.json());
        // bob's PUT on alice's c1 answers exactly as on a free name, until the name is taken at creation (names are unique)
        FakeRest.Answer theirs = api.call(BOB, "PUT", "/virtualcluster/c1", "{\"description\":\"x\"}");
        assertEquals(400, theirs.status());
        assertEquals(api.call(BOB, "PUT", "/virtualcluster/free", "{\"description\":\"x\"}").json(), theirs.json());
        FakeRest.Answer taken = api.call(BOB, "PUT", "/virtualcluster/c1", "{\"cloud\":\"" + cloud + "\",\"nodes\":[{}]}");
        assertEquals(409, taken.status(), taken.json());
        assertTrue(taken.json().contains("cluster 'c1' already exists: cluster names are unique on this server, whichever project uses them"), taken.json());
        assertTrue(shell.cms("cluster", "list").out().contains("| c1 "));
        FakeRest.Answer noCloud = api.call(ALICE, "PUT", "/virtualcluster/c2", "{\"nodes\":[{}]}");
        assertEquals(400, noCloud.status());
        assertTrue(noCloud.json().contains("\"field\":\"cloud\""), noCloud.json());
        FakeRest.Answer noNodes = api.call(ALICE, "PUT", "/virtualcluster/c2", "{\"cloud\":\"" + cloud + "\"}");
        assertTrue(noNodes.json().contains("\"field\":\"nodes\""), noNodes.json());
        FakeRest.Answer notMine = api.call(ALICE, "PUT", "/virtualcluster/c2", "{\"cloud\":\"" + cloud + "\",\"project\":\"p2\",\"nodes\":[{}]}");
        assertTrue(notMine.json().contains("\"field\":\"project\""), notMine.json());
        FakeRest.Answer comet = api.call(BOB, "PUT", "/virtualcluster/vc9", "{\"description\":\"x\"}");
        assertEquals(409, comet.status(), comet.json());

        FakeRest.Answer manager = api.call(ALICE, "DELETE", "/virtualcluster/c1/manager", null);
        assertEquals(400, manager.status());
        assertTrue(manager.json().contains("the manager cannot be removed") && manager.json().contains("\"field\":\"node\""), manager.json());
        assertEquals(400, api.call(ALICE, "DELETE", "/virtualcluster/c1/c1-manager", null).status());
        assertEquals(404, api.call(BOB, "DELETE", "/virtualcluster/c1/c1-1", null).status());
        assertEquals(404, api.call(BOB, "DELETE", "/virtualcluster/c1", null).status());
        assertTrue(shell.cms("cluster", "list").out().contains("| c1 "), "nothing changed by refused calls");

        FakeRest.Answer stop = api.call(ALICE, "PUT", "/virtualcluster/c1/c1-1", "{\"state\":\"stopped\"}");
        assertEquals(200, stop.status(), stop.json());
        assertEquals("stopped", ((Node) stop.body()).state());
        assertEquals(400, api.call(ALICE, "PUT", "/virtualcluster/c1/c1-1", "{\"state\":\"exploded\"}").status());

        FakeRest.Answer removed = api.call(ALICE, "DELETE", "/virtualcluster/c1/c1-1", null);
        assertEquals(200, removed.status(), removed.json());
        assertEquals(List.of("c1/c1-1"), removed.audit());
        assertEquals(404, api.call(ALICE, "GET", "/virtualcluster/c1/c1-1", null).status());

        FakeRest.Answer deleted = api.call(ALICE, "DELETE", "/virtualcluster/c1", null);
        assertEquals(200, deleted.status(), deleted.json());
        assertEquals(404, api.call(ALICE, "GET", "/virtualcluster/c1", null).status());
        assertFalse(shell.cms("cluster", "list").out().contains("| c1 "));
    }

    static io.swagger.v3.parser.core.models.ParseOptions resolveFully() {
        io.swagger.v3.parser.core.models.ParseOptions o = new io.swagger.v3.parser.core.models.ParseOptions();
        o.setResolve(true);
        o.setResolveFully(true);
        return o;
    }

    @Test
    void theOpenApiDocumentIsValidDeclaresEveryPathParameterAndIsPublic() {
        FakeRest.Answer doc = api.call(Principal.ANONYMOUS, "GET", "/openapi.yaml", null);
        assertEquals(200, doc.status());
        SwaggerParseResult parsed = new OpenAPIV3Parser().readContents((String) doc.body(), null, resolveFully());
        assertEquals(List.of(), parsed.getMessages() == null ? List.of() : parsed.getMessages(), "the parser's complaints");
        OpenAPI api = parsed.getOpenAPI();
        assertTrue(api.getPaths().keySet().containsAll(Set.of("/virtualcluster", "/virtualcluster/{name}", "/virtualcluster/{name}/{node}",
                "/health", "/whoami", "/getkey", "/openapi.yaml", "/nucleus/v1/cluster", "/nucleus/v1/image")), api.getPaths().keySet().toString());
        // every signed operation names 401 and 503; every operation with a JSON body 413 and 415
        api.getPaths().forEach((path, item) -> item.readOperationsMap().forEach((method, op) -> {
            boolean signed = op.getSecurity() == null;
            if (signed) assertTrue(op.getResponses().keySet().containsAll(Set.of("401", "503")), method + " " + path);
            if (op.getRequestBody() != null && op.getRequestBody().getContent().containsKey("application/json")) {
                assertTrue(op.getResponses().keySet().containsAll(Set.of("413", "415")), method + " " + path);
            }
        }));
        api.getPaths().forEach((path, item) -> item.readOperations().forEach(op -> {
            List<io.swagger.v3.oas.models.parameters.Parameter> all = new java.util.ArrayList<>();
            if (item.getParameters() != null) all.addAll(item.getParameters());
            if (op.getParameters() != null) all.addAll(op.getParameters());
            long declared = all.stream().filter(p -> "path".equals(p.getIn())).map(p -> p.getName()).distinct().count();
            assertEquals(path.chars().filter(c -> c == '{').count(), declared, "path parameters of " + op.getOperationId());
        }));
        io.swagger.v3.oas.models.media.Schema<?> state = (io.swagger.v3.oas.models.media.Schema<?>)
                api.getComponents().getSchemas().get("Node").getProperties().get("state");
        assertEquals(Node.STATES, Set.copyOf(state.getEnum().stream().map(String::valueOf).toList()));
        assertEquals(List.of("code", "message"), api.getComponents().getSchemas().get("Error").getRequired());
        assertTrue(api.getComponents().getSchemas().get("Error").getProperties().containsKey("field"));
    }
}
