package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.libvirt.LibvirtProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A user's session against the testbed: VMs on its shared libvirtd, commands on its sshd. */
@Tag(TestbedSupport.INTEGRATION)
class VmTestbedTest {
    @TempDir
    Path tmp;

    @Test
    void bootListStopStartTerminateDeleteOnTheTestbedHypervisor() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        String cloud = "t" + UUID.randomUUID().toString().substring(0, 6); // our domains only, even on a shared hypervisor
        String user = "u" + cloud;
        TestContext shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  profile: {user: %s}
                  cloud:
                    %s:
                      cm: {kind: libvirt}
                      default: {image: none, flavor: tiny}
                      credentials: {uri: "%s"}
                """.formatted(user, cloud, tb.libvirtUri()), new LibvirtProvider());
        shell.vars.put("cloud", cloud);
        try (LibvirtConnection hv = LibvirtConnection.open(tb.libvirtUri())) {
            TestContext.Run boot = shell.cms("vm", "boot", "--n", "3");
            assertEquals(0, boot.status(), boot.toString());
            List<String> names = List.of(user + "-vm-1", user + "-vm-2", user + "-vm-3");
            for (String n : names) {
                assertTrue(boot.out().contains("| " + n + " | " + cloud + " | running | none "), boot.toString());
                assertEquals("running", hv.state(n).label(), "the hypervisor runs " + n);
            }
            assertEquals(user + "-vm-3", shell.vars.get("vm"), "variable vm is the last VM booted");

            TestContext.Run dup = shell.cms("vm", "boot", "--name", user + "-vm-2");
            assertEquals(1, dup.status());
            assertTrue(dup.err().contains("vm " + user + "-vm-2 already exists"), dup.toString());

            assertEquals(0, shell.cms("vm", "stop").status()); // the variable vm: the last one
            assertEquals("shut off", hv.state(user + "-vm-3").label());
            assertEquals("running", hv.state(user + "-vm-1").label(), "only the named VM stopped");
            TestContext.Run status = shell.cms("vm", "status", user + "-vm-[1-3]", "--output", "csv");
            assertEquals("name,cloud,state\n" + names.get(0) + "," + cloud + ",running\n" + names.get(1) + "," + cloud
                    + ",running\n" + names.get(2) + "," + cloud + ",stopped\n", status.out());
            assertEquals(0, shell.cms("vm", "start").status());
            assertEquals("running", hv.state(user + "-vm-3").label());

            assertEquals(0, shell.cms("vm", "terminate", user + "-vm-1").status());
            assertFalse(hv.exists(user + "-vm-1"), "terminate removes the domain");
            assertTrue(shell.cms("vm", "list").out().contains("| " + user + "-vm-1 | " + cloud + " | terminated "));

            TestContext.Run del = shell.cms("vm", "delete", user + "-vm-[1-3]");
            assertEquals(0, del.status(), del.toString());
            for (String n : names) assertFalse(hv.exists(n), n + " is gone from the hypervisor");
            TestContext.Run list = shell.cms("vm", "list", "--refresh");
            assertFalse(list.out().contains(user + "-vm-"), list.toString());
            TestContext.Run again = shell.cms("vm", "delete");
            assertEquals(1, again.status(), "nothing left to delete: refused, not 'everything'");
        } finally {
            try (LibvirtConnection hv = LibvirtConnection.open(tb.libvirtUri())) {
                for (String n : hv.domains()) {
                    if (n.startsWith(user + "-")) {
                        if (hv.state(n).active()) hv.destroy(n);
                        hv.undefine(n);
                    }
                }
            }
        }
    }

    @Test
    void sshCommandRunsOnEveryVmInParallelWithPinnedHostKeys() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        TestContext shell = new TestContext(tmp.resolve("home"), """
                cloudmesh:
                  cloud:
                    lab:
                      cm: {kind: libvirt}
                      default: {image: none, flavor: tiny, username: %s, ssh_port: %d}
                """.formatted(tb.user(), tb.sshPort()));
        // three VMs as a cloud reports them; all reach the testbed's sshd
        new VmCache(shell.home).update(m -> {
            for (String n : List.of("a1", "a2", "a3")) {
                m.put(n, new Vm(n, "lab", "libvirt", n, Vm.RUNNING, "none", "tiny", tb.sshHost(), null, null, null, Map.of()));
            }
        });
        shell.vars.put("vm", "a1");
        String key = tb.sshKey().toString();

        TestContext.Run r = shell.cms("vm", "ssh", "a[1-3]", "--key", key, "--command", "echo hi from $(whoami)");
        assertEquals(0, r.status(), r.toString());
        for (String n : List.of("a1", "a2", "a3")) assertTrue(r.out().contains(n + ": hi from " + tb.user() + "\n"), r.toString());
        String pinned = Files.readString(shell.home.resolve("known_hosts"));
        assertTrue(pinned.contains("[" + tb.sshHost() + "]:" + tb.sshPort() + " " + tb.hostKey().split(" ")[0]), pinned);

        TestContext.Run worst = shell.cms("vm", "ssh", "a[1-2]", "--key", key, "--command", "echo out; echo err >&2; exit 3");
        assertEquals(3, worst.status(), worst.toString());
        assertTrue(worst.err().contains("a2: err"), worst.toString());

        TestContext.Run many = shell.cms("vm", "ssh", "a[1-2]", "--key", key);
        assertEquals(1, many.status());
        assertTrue(many.err().contains("an interactive shell needs exactly one VM, not 2"), many.toString());
        TestContext.Run negative = shell.cms("vm", "ssh", "a1", "--key", key, "--timeout", "-3", "--command", "true");
        assertEquals(1, negative.status(), negative.toString());
        assertEquals("ERROR: --timeout must be a positive number of seconds\n", negative.err(), negative.toString());

        Path local = tmp.resolve("hello.txt");
        Files.writeString(local, "payload 1\n");
        String remote = "/tmp/cms-vm-put-" + UUID.randomUUID();
        assertEquals(0, shell.cms("vm", "put", local.toString(), remote, "--key", key).status());
        TestContext.Run get = shell.cms("vm", "get", remote, tmp.resolve("back").toString(), "a[1-2]", "--key", key);
        assertEquals(0, get.status(), get.toString());
        assertEquals("payload 1\n", Files.readString(tmp.resolve("back/a2").resolve(Path.of(remote).getFileName())));
        shell.cms("vm", "ssh", "--key", key, "--command", "rm -f " + remote);

        // a changed host key refuses and says how to recover
        Files.writeString(shell.home.resolve("known_hosts"), "[" + tb.sshHost() + "]:" + tb.sshPort()
                + " ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl\n");
        TestContext.Run changed = shell.cms("vm", "ssh", "--key", key, "--command", "true");
        assertEquals(255, changed.status(), changed.toString());
        assertTrue(changed.err().contains("ssh-keygen -R"), changed.toString());
    }
}
