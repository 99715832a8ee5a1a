package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.Tmux;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vm console NAME} in a real terminal (tmux) on a real guest: its login prompt, and Ctrl-] to leave. */
@Tag(TestbedSupport.INTEGRATION)
class VmConsoleTest {
    @TempDir
    Path tmp;

    @Test
    void theConsoleShowsTheGuestsLoginPromptAndCtrlBracketLeaves() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        BuiltShell.requirePlugin("vm");
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "g" + id;
        String vm = "con" + id;
        Path home = tmp.resolve("home");
        Path yaml = Files.writeString(tmp.resolve("cloud.yaml"), VmGuestTest.cloudYaml(tb, "u" + id, cloud));
        String session = "cms-console-" + id;
        try {
            assertEquals(0, BuiltShell.run(home, null, "config", "import", yaml.toString()).status());
            BuiltShell.Result boot = BuiltShell.run(home, null, "vm", "boot", "--name", vm, "--cloud", cloud);
            assertEquals(0, boot.status(), boot.toString());
            assertEquals(0, BuiltShell.run(home, null, "vm", "wait", vm, "--interval", "0.5", "--timeout", "120").status());

            try (Tmux term = Tmux.start(session, 120, 30, "env CLOUDMESH_HOME=" + home + " TERM=xterm "
                    + BuiltShell.launcher() + " vm console " + vm + "; echo console-exit=$?; sleep 30")) {
                term.await(s -> s.contains("Escape character is ^]"), "virsh's console banner", Duration.ofSeconds(30));
                term.keys("Enter");
                term.await(s -> s.contains(vm + " login:"), "the guest's own login prompt", Duration.ofSeconds(30));
                term.keys("C-]");
                term.await(s -> s.contains("console-exit=0"), "Ctrl-] leaving the console", Duration.ofSeconds(30));
            }

            BuiltShell.Result off = BuiltShell.run(home, null, "vm", "stop", vm);
            assertEquals(0, off.status(), off.toString());
            BuiltShell.Result none = BuiltShell.run(home, null, "vm", "console", vm);
            assertEquals(1, none.status());
            assertEquals("ERROR: vm " + vm + " is not running (state stopped): it has no console; start it with 'vm start "
                    + vm + "'\n", none.err());
        } finally {
            BuiltShell.run(home, null, "vm", "delete", vm);
            tb.removeGuests(List.of(vm));
        }
    }
}
