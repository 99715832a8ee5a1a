package org.cloudmesh.cms.api.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** The cloudmesh.yaml fragment that start writes describes exactly the running testbed. */
@Tag(TestbedSupport.INTEGRATION)
class FragmentTest {

    @SuppressWarnings("unchecked")
    static Map<String, Object> map(Object o, String path) {
        assertTrue(o instanceof Map, path + " is a map: " + o);
        return (Map<String, Object>) o;
    }

    @Test
    void describesTheLocalCometEndpointAndTheLibvirtClouds() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        Map<String, Object> root;
        try (Reader r = Files.newBufferedReader(tb.fragment())) {
            root = map(new Yaml().load(r), "document");
        }
        assertEquals(Set.of("cloudmesh"), root.keySet());
        Map<String, Object> cloudmesh = map(root.get("cloudmesh"), "cloudmesh");
        Map<String, Object> comet = map(cloudmesh.get("comet"), "cloudmesh.comet");
        assertEquals("local", comet.get("active"));
        Map<String, Object> local = map(map(comet.get("endpoints"), "endpoints").get("local"), "endpoints.local");

        Map<String, Object> slurm = map(local.get("slurm"), "slurm");
        assertEquals(tb.sshHost(), slurm.get("host"));
        assertEquals(tb.sshPort(), slurm.get("port"));
        assertEquals(tb.user(), slurm.get("user"));
        assertEquals(tb.sshKey().toString(), slurm.get("key"));
        assertEquals(tb.hostKey(), slurm.get("host_key"));
        assertTrue(tb.hostKey().startsWith("ssh-ed25519 AAAA"), tb.hostKey());
        assertEquals(tb.partition(), slurm.get("partition"));
        assertEquals(tb.account(), slurm.get("account"));

        Map<String, Object> hosts = map(map(local.get("libvirt"), "libvirt").get("hosts"), "libvirt.hosts");
        assertEquals(tb.hosts(), List.copyOf(hosts.keySet()));
        hosts.values().forEach(uri -> assertEquals(tb.libvirtUri(), uri));

        Map<String, Object> sriov = map(local.get("sriov"), "sriov");
        assertEquals(tb.hosts(), List.copyOf(sriov.keySet()));
        Set<Object> all = new HashSet<>();
        for (Object pool : sriov.values()) {
            List<?> vfs = (List<?>) pool;
            assertEquals(8, vfs.size(), "8 VFs per host");
            for (Object vf : vfs) {
                assertTrue(vf.toString().matches("[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]"), "PCI address " + vf);
                assertTrue(all.add(vf), "VF " + vf + " belongs to one host only");
            }
        }
        assertEquals(tb.isoDir().toString(), local.get("iso_dir"));
        assertTrue(Files.isDirectory(tb.isoDir()));
        assertEquals(Map.of("max_nodes", 16, "max_walltime", "2d"), local.get("limits"));

        Map<String, Object> clouds = map(cloudmesh.get("cloud"), "cloud");
        Map<String, Object> localCloud = map(clouds.get("local"), "cloud.local");
        assertEquals(Map.of("kind", "libvirt", "active", true), localCloud.get("cm"));
        // the test driver: 'local' without qemu, 'fake' beside the real guests of 'local' with it
        Map<String, Object> fake = map(clouds.get(tb.qemu() ? "fake" : "local"), "cloud.fake");
        assertEquals(Map.of("image", "none", "flavor", "small"), fake.get("default"));
        assertEquals(Map.of("uri", tb.libvirtUri()), fake.get("credentials"));
        if (tb.qemu()) {
            // cloud local boots the testbed's guest image under qemu:///session (its socket), reached on forwarded ports
            assertEquals(Map.of("uri", tb.sessionUri()), localCloud.get("credentials"));
            assertTrue(tb.sessionUri().startsWith("qemu+unix:///session?socket=" + tb.dir()), tb.sessionUri());
            assertTrue(tb.qemuUri().startsWith("qemu+libssh://" + tb.user() + "@"), tb.qemuUri());
            assertEquals(Map.of("image", "cms-guest", "flavor", "nano", "username", "root", "network", "user"), localCloud.get("default"));
            assertEquals("cms-vms", localCloud.get("pool"));
            Map<String, Object> image = map(map(localCloud.get("images"), "images").get("cms-guest"), "cms-guest");
            assertTrue(Files.isReadable(Path.of(String.valueOf(image.get("kernel")))), "kernel " + image);
            assertTrue(Files.isReadable(Path.of(String.valueOf(image.get("initrd")))), "initrd " + image);
        } else {
            assertFalse(clouds.containsKey("fake"));
        }
    }
}
