package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.BuiltShell.Result;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.Domain;

/**
 * The user's path through the built distribution (build/cms/bin/cms, made by scripts/build), each command its own
 * process with one CLOUDMESH_HOME, as an administrator would type them; then the same as a piped script.
 */
@Tag("integration")
class CometShellTest {
    @TempDir
    Path home;
    final String vc = "sh" + Integer.toString(new Random().nextInt(1 << 30), 36);
    final List<String> cleanup = new ArrayList<>();

    Result cms(String stdin, String... args) throws Exception {
        BuiltShell.requirePlugin("comet");
        return BuiltShell.run(home.resolve("cms"), stdin, args);
    }

    Result ok(String... args) throws Exception {
        Result r = cms(null, args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r);
        return r;
    }

    @AfterEach
    void cleanUp() throws Exception {
        if (!TestbedSupport.running()) return;
        TestbedSupport tb = TestbedSupport.require();
        try (SshClient ssh = new SshClient(home.resolve("kh"))) {
            // job names are cms-CLUSTER-ID-TAG: cancel every job of this test's cluster
            ssh.exec(tb.target(), "squeue -h -u " + tb.user() + " -o '%i %j' | awk '$2 ~ /^cms-" + vc
                    + "-/ {print $1}' | xargs -r scancel 2>/dev/null; true", Duration.ofSeconds(20));
        }
        Connect c = new Connect(tb.libvirtUri());
        try {
            for (Domain d : c.listAllDomains(0)) {
                String n = d.getName();
                if (!n.equals(vc) && !n.startsWith("vm-" + vc + "-")) continue;
                if (d.isActive() == 1) d.destroy();
                d.undefine();
            }
        } finally {
            c.close();
        }
    }

    @Test
    void administratorPath() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        assertTrue(ok("config", "import", tb.fragment().toString()).out().startsWith("imported"));
        assertEquals("Current active service endpoint is: local\n", ok("comet", "active").out());
        ok("comet", "cluster", "create", vc, "--computes", "2");

        Result start = ok("comet", "start", vc, "vm-" + vc + "-[0-1]", "--walltime", "10m", "--wait");
        assertTrue(start.out().startsWith("Request accepted! Check status with:\ncomet cluster " + vc + "\nor:\ncomet computeset 1\n"), start.toString());
        assertTrue(start.out().contains("Computeset 1 is running: vm-" + vc + "-[0-1] on c"), start.toString());
        assertTrue(start.err().contains("[####################] 2/2 nodes running"), "progress bar: " + start);

        Result ll = ok("comet", "ll", "--output", "csv");
        assertTrue(ll.out().startsWith("name,project,count,nodes,frontend,frontend_state,type,allocations,description\n"), ll.toString());
        assertTrue(ll.out().contains(vc + ",,2,vm-" + vc + "-[0-1]," + vc + ",stopped,VM,cmsproj,"), ll.toString());

        Result cluster = ok("comet", "cluster", vc, "--concise");
        // the frontend's IP as the table shows it, and how to power it on (create defines it powered off)
        assertTrue(cluster.out().startsWith("Cluster: " + vc + "\tFrontend: " + vc + "\tIP: 10.0.0.1\tState: stopped (comet power on "
                + vc + " starts it)\n"), cluster.toString());
        assertTrue(cluster.out().contains("| vm-" + vc + "-0 | active  | 1          | cmsproj    | on          |"), cluster.toString());

        Result sets = ok("comet", "computeset", "1", "--output", "json");
        assertTrue(sets.out().contains("\"state\" : \"running\""), sets.toString());
        assertTrue(sets.out().contains("\"computes\" : ["), sets.toString());

        assertTrue(ok("comet", "power", "reboot", vc, "vm-" + vc + "-1").out().startsWith("Request Accepted. In the process of reboot vm-" + vc + "-1"));
        assertTrue(ok("comet", "node", "info", vc, "vm-" + vc + "-1", "--output", "yaml").out().contains("vf: 0000:"));

        Result bad = cms(null, "comet", "start", vc, "vm-[3-1]");
        assertEquals(1, bad.status());
        assertEquals(1, bad.err().strip().lines().count(), bad.toString());
        assertTrue(bad.err().startsWith("ERROR: invalid hostlist 'vm-[3-1]'"), bad.toString());

        // the same shell reading a script: terminate, look, delete
        Result script = cms("comet terminate 1\ncomet computeset --state all --output csv\ncomet cluster delete " + vc + "\n");
        assertEquals(0, script.status(), script.toString());
        assertTrue(script.out().contains("Request Accepted. In the process of terminating the computeset"), script.toString());
        assertTrue(script.out().contains("\n1," + vc + ",cancelled,cmsproj,vm-" + vc + "-[0-1],"), script.toString());
        assertTrue(script.out().contains("Deleted cluster " + vc), script.toString());
        assertFalse(script.err().contains("Exception"), script.toString());
    }
}
