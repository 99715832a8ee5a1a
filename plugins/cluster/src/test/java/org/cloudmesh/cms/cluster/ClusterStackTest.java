package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.libvirt.LibvirtProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code cluster create ... --stack slurm} on real guests of the testbed's Slurm stack image: a manager running
 * slurmctld and nodes running slurmd on a private segment of loopback links; {@code srun} across the nodes, a node added
 * and seen idle, a node that never registers named with its slurmd log, a node removed and gone from sinfo.
 */
@Tag(TestbedSupport.INTEGRATION)
class ClusterStackTest {
    @TempDir
    Path tmp;

    private TestContext shell(TestbedSupport tb, String cloud) throws Exception {
        return new TestContext(tmp.resolve("home"), "cloudmesh:\n  profile: {user: u" + cloud + "}\n  cloud:\n" + tb.guestCloud(cloud),
                new LibvirtProvider());
    }

    @Test
    @Timeout(value = 6, unit = TimeUnit.MINUTES) // four guests under TCG, three configurations of Slurm
    void slurmRunsAcrossTheNodesAndFollowsAddAndRemove() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String c = "hpc" + id;
        TestContext shell = shell(tb, "s" + id);
        List<String> vms = List.of(c + "-manager", c + "-1", c + "-2", c + "-3");
        try {
            TestContext.Run create = shell.cms("cluster", "create", c, "--cloud", "s" + id, "--count", "2", "--stack", "slurm");
            assertEquals(0, create.status(), create.toString());
            Cluster rec = new ClusterStore(tmp.resolve("home")).get(c).orElseThrow();
            assertEquals("slurm", rec.image(), "the cloud's image with the slurm stack: " + rec);
            assertEquals(Lan.SPARE + 2, rec.lan().slots().size(), "the manager has a link for every node and spares");
            assertEquals("192.168.77.11", rec.privateAddress(rec.member(c + "-1").orElseThrow()));
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(tmp.resolve("home/cluster/" + c + "/munge.key"))),
                    "the cluster's own munge key is private");

            TestContext.Run srun = shell.cms("cluster", "run", c, "--nodes", "manager", "srun -N2 hostname");
            assertEquals(0, srun.status(), srun.toString());
            assertTrue(srun.out().contains(c + "-manager: " + c + "-1\n") && srun.out().contains(c + "-manager: " + c + "-2\n"),
                    "srun on the manager runs on both nodes: " + srun);
            TestContext.Run hosts = shell.cms("cluster", "run", c, "--nodes", c + "-2", "getent hosts " + c + "-manager; cat /etc/munge/munge.key | sha256sum");
            TestContext.Run mine = shell.cms("cluster", "run", c, "--nodes", "manager", "cat /etc/munge/munge.key | sha256sum");
            assertTrue(hosts.out().contains("192.168.77.1 "), "the nodes know the manager at its private address: " + hosts);
            assertEquals(mine.out().split(": ")[1], hosts.out().lines().reduce((a, b) -> b).orElse("").split(": ")[1] + "\n",
                    "the nodes share the manager's munge key: " + hosts + mine);

            TestContext.Run add = shell.cms("cluster", "add", c, "--count", "1");
            assertEquals(0, add.status(), add.toString());
            TestContext.Run info = shell.cms("cluster", "info", c);
            assertTrue(info.out().matches("(?s).*\\| stack +\\| slurm \\(ok\\) .*\\| slurm +\\| idle " + c + "-\\[1-3\\] .*"), info.toString());

            // a node whose slurmd never registers is named, with its log, after --timeout
            assertEquals(0, shell.cms("cluster", "run", c, "--nodes", c + "-3",
                    "mv /usr/sbin/slurmd /usr/sbin/slurmd.real && printf '#!/bin/sh\\necho slurmd stand-in >>/var/log/slurm/slurmd.log\\n' >/usr/sbin/slurmd && chmod 755 /usr/sbin/slurmd").status());
            TestContext.Run stuck = shell.cms("cluster", "setup", c, "--timeout", "8");
            assertEquals(1, stuck.status(), stuck.toString());
            assertTrue(stuck.err().contains(c + "-3 did not register with Slurm within 8 s") && stuck.err().contains("slurmd stand-in"), stuck.toString());
            assertFalse(stuck.err().contains("Exception"), stuck.toString());

            TestContext.Run remove = shell.cms("cluster", "remove", c, c + "-3");
            assertEquals(0, remove.status(), remove.toString());
            TestContext.Run sinfo = shell.cms("cluster", "run", c, "--nodes", "manager", "sinfo -h -N -o '%N %T'");
            assertEquals(c + "-manager: " + c + "-1 idle\n" + c + "-manager: " + c + "-2 idle\n", sinfo.out(), "the removed node left Slurm: " + sinfo);
            assertTrue(new ClusterStore(tmp.resolve("home")).get(c).orElseThrow().lan().slotOf(c + "-3").isEmpty(), "its slot is free again");

            assertEquals(0, shell.cms("cluster", "delete", c, "--yes").status());
            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                for (String n : vms) assertFalse(hv.exists(n), n + " is gone");
            }
        } finally {
            tb.removeGuests(vms);
        }
    }

    @Test
    void anUnknownStackOrAnImageWithoutSlurmIsRefused() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String c = "bad" + id;
        TestContext shell = shell(tb, "b" + id);
        List<String> vms = List.of(c + "-manager", c + "-1");
        try {
            TestContext.Run unknown = shell.cms("cluster", "create", c, "--cloud", "b" + id, "--count", "1", "--stack", "pbs");
            assertEquals(1, unknown.status(), unknown.toString());
            assertEquals("ERROR: unknown stack 'pbs': the known stacks are slurm\n", unknown.err());
            assertTrue(new ClusterStore(tmp.resolve("home")).get(c).isEmpty(), "nothing recorded");

            TestContext.Run plain = shell.cms("cluster", "create", c, "--cloud", "b" + id, "--count", "1", "--stack", "slurm",
                    "--image", "cms-guest");
            assertEquals(1, plain.status(), plain.toString());
            assertTrue(plain.err().contains("image 'cms-guest' has no Slurm") && plain.err().contains("nothing was configured"), plain.toString());
            TestContext.Run look = shell.cms("cluster", "run", c, "--nodes", "manager," + c + "-1", "test -e /etc/slurm/slurm.conf || echo clean");
            assertTrue(look.out().contains(c + "-manager: clean") && look.out().contains(c + "-1: clean"), "nothing half-configured: " + look);
            Cluster rec = new ClusterStore(tmp.resolve("home")).get(c).orElseThrow();
            assertEquals("ok", rec.setup(), "ssh trust is in place");
            assertTrue(rec.stack().state().contains("has no Slurm"), "the record says why the stack is not: " + rec.stack());
        } finally {
            tb.removeGuests(vms);
        }
    }
}
