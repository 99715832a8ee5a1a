package org.cloudmesh.cms.api.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The testbed's hypervisors: the persistent test+unix:///default and, with --qemu, a real qemu:///session. */
@Tag(TestbedSupport.INTEGRATION)
class LibvirtTestbedTest {

    record Run(int status, String output) {
    }

    @TempDir
    Path home;

    @Test
    void anSriovDomainDefinedInOneConnectionIsRunningForAnotherProcess() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        String name = "cms-sriov-" + UUID.randomUUID().toString().substring(0, 8);
        try (LibvirtConnection lv = LibvirtConnection.open(tb.libvirtUri())) {
            try {
                lv.define(LibvirtConnectionTest.domainXml(name, "3b"));
                lv.start(name);
                assertEquals(DomainState.RUNNING, lv.state(name));

                // another process, another connection: the daemon (held by the keeper) has the domain running
                assertEquals(new Run(0, "running\n\n"), virsh(tb.libvirtUri(), "domstate", name));
                String xml = virsh(tb.libvirtUri(), "dumpxml", name).output();
                assertTrue(xml.contains("<hostdev mode='subsystem' type='pci' managed='yes'>"), xml);
                assertTrue(xml.contains("bus='0x3b' slot='0x00' function='0x1'"), xml);

                lv.destroy(name);
                lv.undefine(name);
                assertFalse(lv.exists(name));
            } finally {
                if (lv.exists(name)) {
                    if (lv.state(name).active()) {
                        lv.destroy(name);
                    }
                    lv.undefine(name);
                }
            }
        }
        Run gone = virsh(tb.libvirtUri(), "domstate", name);
        assertTrue(gone.status() != 0 && gone.output().contains("failed to get domain"), gone.output());
    }

    @Test
    void aDisklessQemuVmStartsAndStopsInTheTestUsersSession() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        String name = "cms-qemu-" + UUID.randomUUID().toString().substring(0, 8);
        String xml = """
                <domain type='qemu'>
                  <name>%s</name>
                  <memory unit='MiB'>64</memory>
                  <vcpu>1</vcpu>
                  <os><type arch='x86_64'>hvm</type></os>
                  <on_poweroff>destroy</on_poweroff>
                  <devices>
                    <disk type='file' device='cdrom'><target dev='hdc' bus='ide'/><readonly/></disk>
                  </devices>
                </domain>
                """.formatted(name);
        // libvirt-java over qemu+libssh, as cms reaches a remote hypervisor: key file and pinned host key in the URI
        try (LibvirtConnection lv = LibvirtConnection.open(tb.qemuUri());
                SshClient ssh = new SshClient(home.resolve("known_hosts"))) {
            try {
                lv.define(xml);
                long start = System.nanoTime();
                lv.start(name);
                System.out.printf("qemu:///session: diskless VM started in %.2f s%n", (System.nanoTime() - start) / 1e9);
                assertEquals(DomainState.RUNNING, lv.state(name));

                // a real qemu process of the test user runs it, and another process sees it running
                String qemu = ssh.exec(tb.target(), "pgrep -u " + tb.user() + " -f " + ShellQuote.quote("guest=" + name + ","),
                        Duration.ofSeconds(20)).stdout().strip();
                assertTrue(qemu.matches("\\d+"), "qemu pid: " + qemu);
                assertEquals(new Run(0, "running\n\n"), virsh(tb.qemuUri(), "domstate", name));

                lv.destroy(name);
                assertEquals(DomainState.SHUTOFF, lv.state(name));
                lv.undefine(name);
                assertFalse(lv.exists(name));
            } finally {
                if (lv.exists(name)) {
                    if (lv.state(name).active()) {
                        lv.destroy(name);
                    }
                    lv.undefine(name);
                }
            }
        }
    }

    /**
     * A comet frontend of a VC of 40 compute nodes: the devices of a guest node (disk, seed, SCSI cdrom, RNG, two
     * forwarded NICs, console and screen) and 40 links (two PCI bridges). qemu refused to start it while libvirt
     * placed the second bridge itself and with it pushed the RNG onto the first forwarded NIC's slot.
     */
    @Test
    void aFrontendWithFortyLinksStarts() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        String name = "cms-links-" + UUID.randomUUID().toString().substring(0, 8);
        int base = 20000 + new java.util.Random().nextInt(10000) * 2;
        while (!org.cloudmesh.cms.api.compute.Link.portFree(base)) base += 100;
        Path vms = tb.dir().resolve("qemu/vms");
        String disk = vms.resolve(name + ".raw").toString();
        String seed = vms.resolve(name + "-seed.raw").toString();
        try (LibvirtConnection lv = LibvirtConnection.open(tb.sessionUri())) {
            try {
                lv.uploadFile(disk, new byte[512]);
                lv.uploadFile(seed, new byte[512]);
                DomainXml.Builder b = DomainXml.domain("qemu", name).memoryMiB(64).vcpus(1).acpi().rng()
                        .disk(disk, "raw", "vda", "virtio", false).seed(seed).scsiCdrom(null).serialConsole().vnc()
                        .forwardedNetwork("52:54:00:aa:00:01", "127.0.0.1", base + 98, 22).isolatedNic("52:54:00:aa:00:02");
                for (int i = 0; i < 40; i++) b.udpLink(String.format("52:54:01:aa:%02x:00", i), base + i, base + 50 + i);
                String xml = b.build();
                DomainXml.validate(xml);
                lv.define(xml);
                lv.start(name);
                assertEquals(DomainState.RUNNING, lv.state(name));
                String live = lv.xml(name);
                assertTrue(live.contains("virtio-net-pci,netdev=cmsnet0,mac=52:54:00:aa:00:01,bus=pci.0,addr=0x10"), live);
                lv.destroy(name);
            } finally {
                if (lv.exists(name)) {
                    if (lv.state(name).active()) lv.destroy(name);
                    lv.undefine(name);
                }
                lv.deleteDisk(disk);
                lv.deleteDisk(seed);
            }
        }
    }

    private static Run virsh(String uri, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("virsh", "-c", uri));
        command.addAll(List.of(args));
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(60, TimeUnit.SECONDS), "virsh finished");
        return new Run(p.exitValue(), out);
    }
}
