package org.cloudmesh.cms.comet.rest;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.rest.Principal;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.comet.TestContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The computeset routes where Slurm matters: POST answers 201 with the set's Location, PUT shutdown 202. */
@Tag("integration")
class NucleusTestbedTest {
    @TempDir
    Path home;
    TestContext cms;
    SshClient ssh;
    TestbedSupport tb;
    final String vc = "nt" + Integer.toString(new Random().nextInt(1 << 30), 36);

    @AfterEach
    void cleanUp() throws Exception {
        if (tb != null) {
            org.libvirt.Connect c = new org.libvirt.Connect(tb.libvirtUri());
            try {
                for (org.libvirt.Domain d : c.listAllDomains(0)) {
                    if (!d.getName().equals(vc) && !d.getName().startsWith("vm-" + vc + "-")) continue;
                    if (d.isActive() == 1) d.destroy();
                    d.undefine();
                }
            } finally {
                c.close();
            }
        }
        if (ssh != null) {
            for (String line : ssh.exec(tb.target(), "squeue -h -o '%i %j'", Duration.ofSeconds(30)).stdout().split("\n")) {
                String[] f = line.strip().split(" ");
                if (f.length == 2 && f[1].startsWith("cms-" + vc + "-")) ssh.exec(tb.target(), "scancel " + f[0], Duration.ofSeconds(30));
            }
            ssh.close();
        }
        if (cms != null) cms.close();
    }

    @Test
    void startAnswers201WithTheSetAndShutdownTerminatesWith202() throws Exception {
        tb = TestbedSupport.require();
        ssh = new SshClient(tb.knownHosts());
        cms = new TestContext(home);
        cms.importFile(tb.fragment());
        assertEquals(0, cms.run("cluster", "create", vc, "--computes", "2", "--project", "p1"), cms.errText());
        FakeRest api = new FakeRest();
        new Nucleus(cms, cms.service()).register(api);
        Principal alice = new Principal("alice", Set.of("p1"), false);

        FakeRest.Answer a = api.call(alice, "POST", Nucleus.BASE + "/computeset",
                Map.of("cluster", vc, "computes", List.of("vm-" + vc + "-1"), "walltime_mins", "10"));
        assertEquals(201, a.status(), String.valueOf(a.body()));
        Object id = a.map().get("id");
        assertEquals(Nucleus.BASE + "/computeset/" + id, a.location());
        assertEquals(tb.account(), a.map().get("account"));
        assertEquals(10, ((Number) a.map().get("walltime_mins")).intValue());
        assertEquals(List.of(Map.of("name", "vm-" + vc + "-1")), a.map().get("computes"));
        String job = String.valueOf(a.map().get("job_id"));
        assertNotNull(a.map().get("job_id"));
        assertEquals(vc, a.auditCluster());
        assertEquals("vm-" + vc + "-1", a.auditNodes());

        FakeRest.Answer one = api.call(alice, "GET", a.location(), null);
        assertEquals(200, one.status());
        assertEquals(id, one.map().get("id"));
        FakeRest.Answer list = api.call(alice, "GET", Nucleus.BASE + "/computeset?state=active&cluster=" + vc, null);
        assertEquals(1, list.list().size());

        FakeRest.Answer end = api.call(alice, "PUT", Nucleus.BASE + "/computeset/" + id + "/shutdown", null);
        assertEquals(202, end.status(), String.valueOf(end.body()));
        assertEquals("cancelled", end.map().get("state"));
        assertEquals("terminated by alice", end.map().get("reason"));
        String sq = ssh.exec(tb.target(), "squeue -h -t PD,R -j " + job + " -o %T 2>/dev/null", Duration.ofSeconds(30)).stdout().strip();
        assertEquals("", sq, "the Slurm job is gone");
        FakeRest.Answer again = api.call(alice, "PUT", Nucleus.BASE + "/computeset/" + id + "/shutdown", null);
        assertEquals(400, again.status());
        assertEquals("computeset " + id + " is already cancelled: nothing to terminate", again.message());
        assertTrue(api.call(alice, "GET", Nucleus.BASE + "/computeset?state=running", null).list().isEmpty());
    }

    @Test
    void aConsoleLinkNeedsAFreshCodeWorksOnceAndLeadsToTheConsole() throws Exception {
        tb = TestbedSupport.require();
        cms = new TestContext(home);
        cms.importFile(tb.fragment());
        assertEquals(0, cms.run("cluster", "create", vc, "--computes", "1", "--project", "p1"), cms.errText());
        FakeRest api = new FakeRest();
        new Nucleus(cms, cms.service()).register(api);
        Principal alice = new Principal("alice", Set.of("p1"), false);
        String fe = Nucleus.BASE + "/cluster/" + vc + "/frontend";
        assertEquals(202, api.call(alice, "PUT", fe + "/poweron", null).status());

        // the test driver assigns no VNC port: give the frontend a fixed one, as qemu would assign
        org.libvirt.Connect c = new org.libvirt.Connect(tb.libvirtUri());
        try {
            org.libvirt.Domain d = c.domainLookupByName(vc);
            String xml = d.getXMLDesc(2).replaceAll("(?s)<graphics [^>]*?/>|<graphics [^>]*?>.*?</graphics>",
                    "<graphics type='vnc' port='5987' autoport='no' listen='127.0.0.1'/>");
            c.domainDefineXML(xml).free();
            d.destroy();
            d.create();
        } finally {
            c.close();
        }
        assertEquals(401, api.call(alice, "GET", fe + "/console", null).status(), "the API key alone is not enough");
        FakeRest.Answer a = api.call(alice, "GET", fe + "/console", null, true);
        assertEquals(303, a.status(), String.valueOf(a.body()));
        // to the server's web console page, whose link names this frontend of project p1, once
        assertTrue(a.location().matches("/console/[0-9a-f]{48}"), a.location());
        String token = a.location().substring("/console/".length());
        var opened = org.cloudmesh.cms.api.console.ConsoleLinks.open(home, token, java.time.Instant.now());
        assertEquals(null, opened.refusal());
        assertEquals(List.of("comet", vc, "p1", "alice"), List.of(opened.link().kind(), opened.link().scope(),
                opened.link().project(), opened.link().user()));
        assertEquals(null, opened.link().name(), "the frontend");
        assertTrue(org.cloudmesh.cms.api.console.ConsoleLinks.open(home, token, java.time.Instant.now()).refusal() != null, "once only");
        Nucleus nucleus = new Nucleus(cms, cms.service());
        assertTrue(nucleus.consoleTarget(opened.link()).running(), "the link leads to the running frontend");
        // a link made on the management node for a cluster of no project leads there too; another project's does not
        assertEquals(0, cms.run("cluster", "create", vc + "n", "--computes", "1"), cms.errText());
        var none = new org.cloudmesh.cms.api.console.ConsoleLink("comet", vc + "n", null, null, "local:root", java.time.Instant.now().plusSeconds(60));
        CmsException off = assertThrows(CmsException.class, () -> nucleus.consoleTarget(none));
        assertTrue(off.getMessage().contains("is not running"), off.getMessage());
        var other = new org.cloudmesh.cms.api.console.ConsoleLink("comet", vc, null, "p2", "bob", java.time.Instant.now().plusSeconds(60));
        assertEquals("cluster " + vc + " is gone, or no longer of project p2",
                assertThrows(CmsException.class, () -> nucleus.consoleTarget(other)).getMessage());
        assertEquals(0, cms.run("cluster", "delete", vc + "n"), cms.errText());
        assertEquals(202, api.call(alice, "PUT", fe + "/poweroff", null).status());
    }
}
