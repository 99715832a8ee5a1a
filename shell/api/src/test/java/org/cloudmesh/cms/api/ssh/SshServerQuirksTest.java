package org.cloudmesh.cms.api.ssh;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Which ssh servers get one command per session at a time (dropbear's lost-channel bug, 2022.82 to 2024). */
class SshServerQuirksTest {
    @Test
    void dropbearFrom2022_82Through2024TakesOneCommandAtATime() {
        assertTrue(SshClient.takesOneCommandAtATime("SSH-2.0-dropbear_2022.82"));
        assertTrue(SshClient.takesOneCommandAtATime("SSH-2.0-dropbear_2022.83"), "Debian bookworm's, the testbed guest's");
        assertTrue(SshClient.takesOneCommandAtATime("SSH-2.0-dropbear_2024.86"));
    }

    @Test
    void otherServersShareOneSession() {
        assertFalse(SshClient.takesOneCommandAtATime("SSH-2.0-dropbear_2020.81"), "before the regression");
        assertFalse(SshClient.takesOneCommandAtATime("SSH-2.0-dropbear_2025.88"), "after the fix");
        assertFalse(SshClient.takesOneCommandAtATime("SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3"));
        assertFalse(SshClient.takesOneCommandAtATime(null));
    }
}
