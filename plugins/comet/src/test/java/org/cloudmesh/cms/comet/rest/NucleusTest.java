package org.cloudmesh.cms.comet.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.rest.RestCall;
import org.cloudmesh.cms.comet.TestContext;
import org.cloudmesh.cms.comet.store.Computeset;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Nucleus routes called as the server calls them, on a real store: project scoping (404 for what another project
 * owns, exactly as for what does not exist), field checks, project limits, the second factor of console links, the
 * audit targets. No Slurm is reached: every request here is refused before it would be.
 */
class NucleusTest {
    static final String B = Nucleus.BASE;
    final Principal alice = new Principal("alice", Set.of("p1"), false);
    final Principal admin = new Principal("root", Set.of(), true);

    @TempDir
    Path home;
    TestContext cms;
    FakeRest api;

    @BeforeEach
    void server() {
        cms = new TestContext(home);
        cms.importYaml("""
                cloudmesh:
                  comet:
                    active: unit
                    endpoints:
                      unit:
                        slurm: {host: 127.0.0.1, port: 1, user: cmstest, key: /nonexistent, account: acct1}
                        libvirt: {hosts: {c1: "test:///default"}}
                        limits: {max_nodes: 8, max_walltime: 1d}
                    projects:
                      p1:
                        limits: {max_nodes: 2, max_walltime: 1h, max_concurrent_nodes: 3}
                """);
        assertEquals(0, cms.run("cluster", "create", "vca", "--computes", "3", "--project", "p1"), cms.errText());
        assertEquals(0, cms.run("cluster", "create", "vcb", "--computes", "2", "--project", "p2"), cms.errText());
        api = new FakeRest();
        new Nucleus(cms, cms.service()).register(api);
    }

    @AfterEach
    void close() {
        cms.close();
    }

    /** As comet.py uploads: multipart field 'file' (its file name is the ISO's) and header md5. */
    @Test
    void anIsoUploadedAsNucleusClientsSendItIsCheckedAgainstItsMd5() {
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      unit:\n        iso_dir: " + home.resolve("isos") + "\n");
        byte[] iso = new byte[0x9000];
        System.arraycopy("\u0001CD001".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, iso, 0x8000, 6);
        RestCall.FilePart part = new RestCall.FilePart("C:\\isos\\tiny.iso", iso);
        FakeRest.Answer bad = api.call(alice, "POST", B + "/image", part, false, Map.of("md5", "0123456789abcdef0123456789abcdef"));
        assertEquals(400, bad.status());
        assertEquals("md5", bad.map().get("field"));
        assertTrue(bad.message().startsWith("the md5 header (0123456789abcdef0123456789abcdef) does not match the 36864 bytes"), bad.message());
        assertEquals(List.of(), api.call(alice, "GET", B + "/image", null).list(), "nothing stored");

        FakeRest.Answer ok = api.call(alice, "POST", B + "/image", part, false, Map.of("md5", Nucleus.md5(iso).toUpperCase(java.util.Locale.ROOT)));
        assertEquals(201, ok.status(), String.valueOf(ok.body()));
        assertEquals(List.of("public/tiny.iso"), api.call(alice, "GET", B + "/image", null).list());
        assertEquals(400, api.call(alice, "POST", B + "/image", new RestCall.FilePart("", iso), false, Map.of()).status(),
                "a part without a file name needs ?name=");
    }

    @Test
    void aClusterOfAnotherProjectIsNotFoundLikeOneThatDoesNotExist() {
        FakeRest.Answer list = api.call(alice, "GET", B + "/cluster", null);
        assertEquals(200, list.status());
        assertEquals(1, list.list().size());
        @SuppressWarnings("unchecked")
        Map<String, Object> vca = (Map<String, Object>) list.list().get(0);
        assertEquals("vca", vca.get("name"));
        assertEquals("p1", vca.get("project"));
        assertEquals("vca", ((Map<?, ?>) vca.get("frontend")).get("name"));
        assertEquals(3, ((List<?>) vca.get("computes")).size());

        FakeRest.Answer other = api.call(alice, "GET", B + "/cluster/vcb", null);
        FakeRest.Answer none = api.call(alice, "GET", B + "/cluster/nosuch", null);
        assertEquals(404, other.status());
        assertEquals("unknown cluster 'vcb': see 'comet ll'", other.message());
        assertEquals(404, none.status());
        assertEquals(other.message().replace("vcb", "nosuch"), none.message(), "no existence leak");
        for (String[] r : new String[][] {{"GET", "/cluster/vcb/frontend"}, {"GET", "/cluster/vcb/compute/vm-vcb-0"},
                {"PUT", "/cluster/vcb/frontend/poweron"}, {"PUT", "/cluster/vcb/compute/vm-vcb-0/reboot"},
                {"PUT", "/cluster/vcb/computeset/1/reset"}, {"DELETE", "/cluster/vcb"},
                {"PUT", "/cluster/vcb/frontend/attach_iso?iso_name="}}) {
            FakeRest.Answer a = api.call(alice, r[0], B + r[1], null);
            assertEquals(404, a.status(), r[1]);
            assertEquals("unknown cluster 'vcb': see 'comet ll'", a.message(), r[1]);
        }
        FakeRest.Answer start = api.call(alice, "POST", B + "/computeset", Map.of("cluster", "vcb", "count", "1", "walltime_mins", "10"));
        assertEquals(404, start.status());

        // a computeset of the other project: not listed, and 404 by id (the same answer as an id never used)
        Computeset cs = cms.service().store().createComputeset("vcb", "unit", List.of("vm-vcb-0"), 0, "acct1", 10, null);
        assertEquals(404, api.call(alice, "GET", B + "/computeset/" + cs.id(), null).status());
        assertEquals(api.call(alice, "GET", B + "/computeset/999", null).message().replace("999", String.valueOf(cs.id())),
                api.call(alice, "GET", B + "/computeset/" + cs.id(), null).message());
        assertEquals(404, api.call(alice, "PUT", B + "/computeset/" + cs.id() + "/shutdown", null).status());
        assertEquals(List.of(), api.call(alice, "GET", B + "/computeset?state=all", null).list());

        // an administrator sees both
        assertEquals(2, api.call(admin, "GET", B + "/cluster", null).list().size());
        assertEquals(200, api.call(admin, "GET", B + "/cluster/vcb", null).status());
    }

    /**
     * Names are unique on the server (they name Slurm jobs, libvirt domains and files): a taken name answers the same
     * whether the caller's project or another one holds it; nothing else of another project shows, not even a
     * computeset's cluster. ISOs belong to the uploader's project, are seen only there, and count against its quota.
     */
    @Test
    void anotherProjectsNamesComputesetsAndIsosLeakNothing() throws Exception {
        final Principal bob = new Principal("bob", Set.of("p2"), false);
        Computeset cs = cms.service().store().createComputeset("vcb", "unit", List.of("vm-vcb-0"), 0, "acct1", 10, null);
        FakeRest.Answer other = api.call(alice, "PUT", B + "/cluster/vca/computeset/" + cs.id() + "/reboot", null);
        FakeRest.Answer never = api.call(alice, "PUT", B + "/cluster/vca/computeset/999/reboot", null);
        assertEquals(404, other.status());
        assertEquals("unknown computeset " + cs.id() + ": see 'comet computeset'", other.message());
        assertEquals(never.message().replace("999", String.valueOf(cs.id())), other.message());

        FakeRest.Answer theirs = api.call(alice, "POST", B + "/cluster", Map.of("name", "vcb", "computes", 1));
        FakeRest.Answer mine = api.call(alice, "POST", B + "/cluster", Map.of("name", "vca", "computes", 1));
        assertEquals(409, theirs.status());
        assertEquals("cluster 'vcb' already exists: cluster names are unique on this machine, whichever project uses them; choose another",
                theirs.message());
        assertEquals(mine.message().replace("vca", "vcb"), theirs.message(), "the same for the caller's own cluster");

        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      unit:\n        iso_dir: " + home.resolve("isos") + "\n"
                + "    projects:\n      p1:\n        limits: {max_iso_bytes: 50000}\n");
        byte[] iso = new byte[0x9000];
        System.arraycopy("\u0001CD001".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, iso, 0x8000, 6);
        assertEquals(201, api.call(bob, "POST", B + "/image?name=b.iso", iso).status());
        assertEquals(List.of("public/b.iso"), api.call(bob, "GET", B + "/image", null).list());
        assertEquals(List.of(), api.call(alice, "GET", B + "/image", null).list(), "another project's ISO is not listed");
        FakeRest.Answer attachTheirs = api.call(alice, "PUT", B + "/cluster/vca/frontend/attach_iso?iso_name=public/b.iso", null);
        FakeRest.Answer attachNone = api.call(alice, "PUT", B + "/cluster/vca/frontend/attach_iso?iso_name=public/c.iso", null);
        assertEquals(404, attachTheirs.status());
        assertEquals(attachNone.message().replace("c.iso", "b.iso"), attachTheirs.message());
        assertEquals(404, api.call(alice, "PUT", B + "/cluster/vca/frontend/attach_iso?iso_name=1", null).status(), "nor by number");

        FakeRest.Answer text = api.call(alice, "POST", B + "/image?name=t.iso", iso, false, Map.of("content-type", "text/plain"));
        assertEquals(415, text.status());
        assertTrue(text.message().startsWith("send the ISO as Content-Type: application/octet-stream"), text.message());
        FakeRest.Answer squat = api.call(alice, "POST", B + "/image?name=b.iso", iso);
        assertEquals(409, squat.status());
        assertEquals("an ISO named 'b.iso' already exists: ISO names are unique on this machine, whichever project uses them; choose another with --isoname", squat.message());
        FakeRest.Answer a = api.call(alice, "POST", B + "/image?name=a.iso", iso);
        assertEquals(201, a.status(), String.valueOf(a.body()));
        assertEquals(1, ((Number) a.map().get("index")).intValue(), "numbered as alice sees the list");
        FakeRest.Answer overQuota = api.call(alice, "POST", B + "/image?name=a2.iso", iso);
        assertEquals(403, overQuota.status());
        assertEquals("project 'p1' has 36864 bytes of ISOs; 36864 more would pass its quota of 50000 bytes"
                + " (cloudmesh.comet.projects.p1.limits.max_iso_bytes): ask an administrator", overQuota.message());
        assertEquals(List.of("public/a.iso"), api.call(alice, "GET", B + "/image", null).list());
        assertEquals(2, api.call(admin, "GET", B + "/image", null).list().size(), "an administrator sees all");

        // what a killed upload leaves behind is removed when the routes start again
        java.nio.file.Files.write(home.resolve(".upload-123.iso"), new byte[10]);
        java.nio.file.Files.write(home.resolve("isos").resolve(".big.iso.456.part"), new byte[10]);
        assertEquals(2, new Nucleus(cms, cms.service()).removeUnfinishedUploads());
        assertTrue(java.nio.file.Files.exists(home.resolve("isos").resolve("a.iso")), "finished ISOs stay");
    }

    @Test
    void startChecksItsFieldsAndTheProjectLimits() {
        long before = cms.service().store().count("computesets");
        FakeRest.Answer a = start(Map.of("cluster", "vca", "count", "3", "walltime_mins", "10"));
        assertEquals(403, a.status());
        assertEquals("3 nodes requested, but project 'p1' allows at most 2 per computeset"
                + " (cloudmesh.comet.projects.p1.limits.max_nodes)", a.message());
        a = start(Map.of("cluster", "vca", "count", "1", "walltime_mins", "120"));
        assertEquals(403, a.status());
        assertTrue(a.message().contains("walltime 2h is longer than project 'p1' allows (1h, "), a.message());
        a = start(Map.of("cluster", "vca", "count", "1", "walltime_mins", "ten"));
        assertEquals(400, a.status());
        assertEquals("walltime_mins", a.map().get("field"));
        a = start(Map.of("cluster", "vca"));
        assertEquals("You have to specify either the count of nodes, or the names of nodes in hostlist format", a.message());
        a = start(Map.of("cluster", "vca", "count", "1", "computes", "vm-vca-0"));
        assertTrue(a.message().startsWith("give either the names of nodes in hostlist format or --count"), a.message());
        a = start(Map.of("cluster", "vca", "computes", "vm-[3-1]"));
        assertEquals(400, a.status());
        assertTrue(a.message().contains("reversed"), a.message());
        a = start(Map.of("cluster", "vca", "count", "0"));
        assertTrue(a.message().contains("greater than zero"), a.message());
        a = start(Map.of("count", "1"));
        assertEquals("cluster", a.map().get("field"));
        a = start(Map.of("cluster", "vca", "count", "1", "reservation", "$(id)"));
        assertTrue(a.message().contains("invalid reservation"), a.message());

        // two nodes already in an active set of p1: two more would pass its 3 concurrent nodes
        cms.service().store().createComputeset("vca", "unit", List.of("vm-vca-0", "vm-vca-1"), 0, "acct1", 10, null);
        a = start(Map.of("cluster", "vca", "count", "2", "walltime_mins", "10"));
        assertEquals(403, a.status());
        assertEquals("project 'p1' has 2 node(s) in active computesets; 2 more would pass its limit of 3"
                + " (cloudmesh.comet.projects.p1.limits.max_concurrent_nodes): terminate a computeset first", a.message());
        assertEquals("vca", a.auditCluster(), "the refusal is audited against the cluster");
        assertEquals(before + 1, cms.service().store().count("computesets"), "no computeset recorded by a refusal");
    }

    FakeRest.Answer start(Map<String, Object> body) {
        return api.call(alice, "POST", B + "/computeset", body);
    }

    @Test
    void consoleLinksNeedAFreshSecondFactor() {
        FakeRest.Answer a = api.call(alice, "GET", B + "/cluster/vca/frontend/console", null);
        assertEquals(401, a.status());
        a = api.call(alice, "GET", B + "/cluster/vca/frontend/console", null, true);
        assertEquals(400, a.status());
        assertEquals("vca is not running: power it on first ('comet power on')", a.message());
        a = api.call(alice, "GET", B + "/cluster/vcb/frontend/console", null, true);
        assertEquals(404, a.status());
        assertEquals(404, api.call(alice, "GET", B + "/console/0123456789abcdef", null).status(), "unknown link");
    }

    @Test
    void createAndDeleteAreScopedToTheCallersProjectsAndAudited() {
        FakeRest.Answer a = api.call(alice, "POST", B + "/cluster", Map.of("name", "vcc", "computes", 2, "project", "p2"));
        assertEquals(403, a.status());
        a = api.call(alice, "POST", B + "/cluster", Map.of("name", "vcc", "computes", "x"));
        assertEquals(400, a.status());
        assertEquals("computes", a.map().get("field"));
        a = api.call(alice, "POST", B + "/cluster", Map.of("name", "a<b>", "computes", 1));
        assertTrue(a.message().contains("invalid cluster name"), a.message());
        a = api.call(alice, "POST", B + "/cluster", Map.of("name", "vcc", "computes", 2));
        assertEquals(201, a.status(), String.valueOf(a.body()));
        assertEquals(B + "/cluster/vcc", a.location());
        assertEquals("p1", a.map().get("project"), "the caller's only project");
        assertEquals(List.of("acct1"), a.map().get("allocations"), "the endpoint's account");
        assertEquals("vcc", a.auditCluster());
        a = api.call(alice, "DELETE", B + "/cluster/vcc", null);
        assertEquals(204, a.status());
        assertEquals("vcc", a.auditCluster());
        assertTrue(cms.service().store().cluster("vcc").isEmpty());
    }

    @Test
    void nodeInfoPowerAndIsoAnswerWithTheShellsMessages() {
        FakeRest.Answer a = api.call(alice, "GET", B + "/cluster/vca/compute/vm-vca-1", null);
        assertEquals(200, a.status());
        assertEquals("vm-vca-1", a.map().get("name"));
        assertEquals("stopped", a.map().get("state"));
        a = api.call(alice, "GET", B + "/cluster/vca/compute/vm-x", null);
        assertEquals("cluster 'vca' has no node 'vm-x': see 'comet cluster vca'", a.message());
        a = api.call(alice, "PUT", B + "/cluster/vca/compute/vm-vca-%5B0-1%5D/poweron", null);
        assertEquals(400, a.status());
        assertEquals("node(s) vm-vca-[0-1] are not in a running computeset: Please start the node(s) with 'comet start' first",
                a.message());
        assertEquals("vm-vca-[0-1]", a.auditNodes());
        a = api.call(alice, "PUT", B + "/cluster/vca/frontend/levitate", null);
        assertEquals(404, a.status());
        a = api.call(alice, "PUT", B + "/cluster/vca/frontend/attach_iso?iso_name=public/none.iso", null);
        assertTrue(a.message().startsWith("The specified index or image name 'none.iso' does not match any from the ISO list"), a.message());
        assertEquals(List.of(), api.call(alice, "GET", B + "/image", null).list());
        a = api.call(alice, "POST", B + "/image?name=x.iso", "not an iso".getBytes());
        assertEquals(400, a.status());
        assertEquals("x.iso is not an ISO 9660 image (no 'CD001' signature at byte 0x8001): upload a .iso file", a.message());
        assertNull(a.location());
    }
}
