package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.libvirt.ForwardedPorts;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.libvirt.LibvirtProvider;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A new user's session on cloud {@code local} of the testbed: real guests of the testbed's image, booted by qemu under
 * the test user's qemu:///session and reached through ssh ports forwarded on 127.0.0.1.
 */
@Tag(TestbedSupport.INTEGRATION)
class VmGuestTest {
    @TempDir
    Path tmp;

    /** A cloud like the testbed's {@code local}, under its own name so that tests never see each other's VMs. */
    static String cloudYaml(TestbedSupport tb, String user, String cloud) {
        Path guest = tb.dir().resolve("guest");
        return "cloudmesh:\n  profile: {user: " + user + "}\n  cloud:\n" + tb.guestCloud(cloud)
                + "        broken: {kernel: /nonexistent/vmlinuz, initrd: " + guest.resolve("initrd.gz") + "}\n";
    }

    static String onTestbed(TestbedSupport tb, String command) {
        try (SshClient ssh = new SshClient(tb.knownHosts())) {
            return ssh.exec(tb.target(), command, Duration.ofSeconds(30)).stdout();
        }
    }

    @Test
    void bootSshPutGetStopStartAndDeleteARealGuest() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "g" + id;
        String vm = "web" + id;
        TestContext shell = new TestContext(tmp.resolve("home"), cloudYaml(tb, "u" + id, cloud), new LibvirtProvider());
        shell.vars.put("cloud", cloud);
        try {
            // a new user has no key: boot makes one and says so
            TestContext.Run boot = shell.cms("vm", "boot", "--name", vm);
            assertEquals(0, boot.status(), boot.toString());
            assertTrue(boot.err().contains("made ssh key u" + id), boot.toString());
            assertTrue(Files.isRegularFile(shell.home.resolve("keys/u" + id)), "the key lives under $CLOUDMESH_HOME/keys");
            Matcher ssh = Pattern.compile("\\| (127\\.0\\.0\\.1):(\\d+) +\\| (52:54:00:[0-9a-f:]{8}) ").matcher(boot.out());
            assertTrue(ssh.find(), "the listing shows the forwarded ssh address and the MAC: " + boot);
            int port = Integer.parseInt(ssh.group(2));

            // right after the boot, as a user types it: vm ssh waits until the guest answers
            TestContext.Run hostname = shell.cms("vm", "ssh", "--command", "hostname", "--timeout", "120");
            assertEquals(0, hostname.status(), hostname.toString());
            assertEquals(vm + ": " + vm + "\n", hostname.out(), "the guest took its name from the NoCloud seed");

            TestContext.Run wait = shell.cms("vm", "wait", "--timeout", "120", "--interval", "0.5");
            assertEquals(0, wait.status(), wait.toString());
            assertTrue(wait.out().contains(vm + " is available for ssh at 127.0.0.1:" + port), wait.toString());

            Path file = tmp.resolve("hello.txt");
            Files.writeString(file, "hello " + id + "\n");
            assertEquals(0, shell.cms("vm", "put", file.toString(), "/tmp/hello.txt").status());
            assertEquals(vm + ": hello " + id + "\n", shell.cms("vm", "ssh", "--command", "cat /tmp/hello.txt").out());
            Path back = tmp.resolve("back.txt");
            TestContext.Run get = shell.cms("vm", "get", "/tmp/hello.txt", back.toString());
            assertEquals(0, get.status(), get.toString());
            assertEquals("hello " + id + "\n", Files.readString(back));

            TestContext.Run info = shell.cms("vm", "info", vm, "--refresh");
            assertTrue(info.out().contains("127.0.0.1:" + port) && info.out().contains(ssh.group(3)), info.toString());

            // stop asks the guest (ACPI power button); it powers itself off well before the forced-off timeout
            long t0 = System.nanoTime();
            TestContext.Run stop = shell.cms("vm", "stop");
            assertEquals(0, stop.status(), stop.toString());
            assertTrue(stop.out().contains("| " + vm + " | " + cloud + " | stopped"), stop.toString());
            assertTrue((System.nanoTime() - t0) / 1e9 < 15, "the guest obeyed the power button");

            // another program took the VM's port while it was off: the VM starts on another one, its key pinned there
            int newPort;
            try (java.net.ServerSocket taken = new java.net.ServerSocket(port, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
                TestContext.Run start = shell.cms("vm", "start");
                assertEquals(0, start.status(), start.toString());
                assertEquals(0, shell.cms("vm", "wait", "--timeout", "120", "--interval", "0.5").status());
                Matcher moved = Pattern.compile("127\\.0\\.0\\.1:(\\d+)").matcher(shell.cms("vm", "info", vm).out());
                assertTrue(moved.find());
                newPort = Integer.parseInt(moved.group(1));
                assertTrue(newPort != port, "a new port, not the taken " + port);
                assertEquals(vm + ": " + vm + "\n", shell.cms("vm", "ssh", "--command", "hostname").out(),
                        "the same host key (seeded by cms) on the new port, pinned there");
            }
            port = newPort;

            // qemu killed under the running VM: cms does not call it running
            String pid = onTestbed(tb, "pgrep -u " + tb.user() + " -f " + ShellQuote.quote("guest=" + vm + ",")).strip();
            assertTrue(pid.matches("\\d+"), "qemu pid: " + pid);
            onTestbed(tb, "kill -9 " + pid);
            long deadline = System.nanoTime() + 10_000_000_000L;
            String status;
            do {
                Thread.sleep(200);
                status = shell.cms("vm", "status", "--output", "csv").out();
            } while (status.contains(",running") && System.nanoTime() < deadline);
            assertEquals("name,cloud,state\n" + vm + "," + cloud + ",stopped\n", status);
            assertTrue(shell.cms("vm", "list").out().contains("| " + vm + " | " + cloud + " | stopped"));

            TestContext.Run delete = shell.cms("vm", "delete", vm);
            assertEquals(0, delete.status(), delete.toString());
            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                assertFalse(hv.exists(vm), "the domain is gone");
            }
            String left = onTestbed(tb, "ls " + tb.dir().resolve("qemu/vms"));
            assertFalse(left.contains(vm), "the seed and overlay went with the VM: " + left);
            assertTrue(ForwardedPorts.free("127.0.0.1", port), "the port is free again");
            assertFalse(Files.readString(shell.home.resolve("known_hosts")).contains("[127.0.0.1]:" + port + " "),
                    "the VM's pinned host key went with it");
        } finally {
            tb.removeGuests(List.of(vm));
        }
    }

    @Test
    void badImagesAndSilentGuestsAreOneClearLineAndLeaveNothing() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "g" + id;
        TestContext shell = new TestContext(tmp.resolve("home"), cloudYaml(tb, "u" + id, cloud), new LibvirtProvider());
        shell.vars.put("cloud", cloud);
        try {
            assertEquals(0, shell.cms("key", "gen").status());
            TestContext.Run broken = shell.cms("vm", "boot", "--name", "b" + id, "--image", "broken");
            assertEquals(1, broken.status());
            assertEquals("ERROR: cloud '" + cloud + "': image 'broken': kernel /nonexistent/vmlinuz not found\n", broken.err());
            TestContext.Run noFile = shell.cms("vm", "boot", "--name", "c" + id, "--image", "/nonexistent/disk.qcow2");
            assertEquals(1, noFile.status());
            assertTrue(noFile.err().contains("disk image /nonexistent/disk.qcow2 not found"), noFile.toString());

            // a disk image: the VM gets a copy-on-write overlay backed by it. This one holds no system, so its guest
            // never answers ssh: the timeout names the VM, what was tried and where to look
            String base = "base" + id + ".qcow2";
            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                String basePath = hv.createVolume("cms-vms", org.cloudmesh.cms.api.libvirt.DomainXml.volume(base, 1));
                TestContext.Run mute = shell.cms("vm", "boot", "--name", "m" + id, "--image", basePath);
                assertEquals(0, mute.status(), mute.toString());
                String overlay = onTestbed(tb, "qemu-img info -U " + tb.dir().resolve("qemu/vms/m" + id + ".qcow2"));
                assertTrue(overlay.contains("backing file: " + basePath) && overlay.contains("file format: qcow2"), overlay);
            }
            TestContext.Run wait = shell.cms("vm", "wait", "m" + id, "--timeout", "3", "--interval", "0.5");
            assertEquals(1, wait.status());
            assertTrue(wait.err().matches("(?s).*ERROR: vm m" + id + " unavailable after timeout of 3 s \\(state running, no ssh answer at"
                    + " 127\\.0\\.0\\.1:\\d+\\): look at its console with 'vm console m" + id + "'\n"), wait.toString());
            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                hv.deleteVolume("cms-vms", "m" + id + "-seed.iso"); // a volume already gone does not stop the delete
            }
            TestContext.Run gone = shell.cms("vm", "delete", "m" + id);
            assertEquals(0, gone.status(), gone.toString());

            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                for (String n : List.of("b", "c", "m")) assertFalse(hv.exists(n + id), "nothing defined for " + n + id);
            }
            String left = onTestbed(tb, "ls " + tb.dir().resolve("qemu/vms"));
            for (String n : List.of("b", "c", "m")) assertFalse(left.contains(n + id), "no volume of " + n + id + " left: " + left);
        } finally {
            tb.removeGuests(List.of("b" + id, "c" + id, "m" + id));
            try (LibvirtConnection hv = LibvirtConnection.open(tb.sessionUri())) {
                hv.deleteVolume("cms-vms", "base" + id + ".qcow2");
            }
        }
    }

}
