package org.cloudmesh.cms.api.libvirt;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class NoCloudSeedTest {
    @TempDir
    Path tmp;

    static String run(String... argv) throws Exception {
        Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), String.join(" ", argv) + ": " + out);
        return out;
    }

    /** blkid (util-linux) reads the volume as ISO 9660 labelled cidata: what cloud-init and the guest look for. */
    @Test
    void isAnIso9660VolumeLabelledCidata() throws Exception {
        Path iso = tmp.resolve("seed.iso");
        Files.write(iso, NoCloudSeed.iso("i-1", "web1", List.of("ssh-ed25519 AAAAC3Nz me@host")));
        assertEquals("cidata", run("blkid", "-o", "value", "-s", "LABEL", iso.toString()).strip());
        assertEquals("iso9660", run("blkid", "-o", "value", "-s", "TYPE", iso.toString()).strip());
        assertEquals(0, Files.size(iso) % 2048);
    }

    /** The files' bytes as cloud-init reads them (the image is small enough to find them by their text). */
    @Test
    void holdsMetaDataAndCloudConfig() {
        String all = new String(NoCloudSeed.iso("i-1", "web1", List.of("ssh-ed25519 AAAAC3Nz me@host")), StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("META-DATA;1") && all.contains("USER-DATA;1"), "level-1 names");
        assertTrue(all.contains("instance-id: i-1\nlocal-hostname: web1\n"), all);
        assertTrue(all.contains("#cloud-config\nhostname: web1\nssh_authorized_keys:\n  - ssh-ed25519 AAAAC3Nz me@host\n"));
    }

    @Test
    void valuesCannotAddYaml() {
        String all = new String(NoCloudSeed.iso("i\"1\\", "web1", List.of("ssh-ed25519 AAA a: #b")), StandardCharsets.ISO_8859_1);
        assertTrue(all.contains("instance-id: \"i\\\"1\\\\\""), all);
        assertTrue(all.contains("  - \"ssh-ed25519 AAA a: #b\""), all);
        assertThrows(CmsException.class, () -> NoCloudSeed.iso("i", "web1", List.of("ssh-ed25519 AAA\nruncmd: [x]")));
        assertThrows(CmsException.class, () -> NoCloudSeed.iso("i", "bad name", List.of()));
    }
}
