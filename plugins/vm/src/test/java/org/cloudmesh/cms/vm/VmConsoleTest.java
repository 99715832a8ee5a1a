package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code vm console NAME} in a real terminal (tmux) on a real guest: its login prompt, and Ctrl-] to leave. */
@Tag(TestbedSupport.INTEGRATION)
class VmConsoleTest {
    @TempDir
    Path tmp;
    String session;

    @Test
    void theConsoleShowsTheGuestsLoginPromptAndCtrlBracketLeaves() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        BuiltShell.requirePlugin("vm");
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "g" + id;
        String vm = "con" + id;
        Path home = tmp.resolve("home");
        Path yaml = Files.writeString(tmp.resolve("cloud.yaml"), VmGuestTest.cloudYaml(tb, "u" + id, cloud));
        session = "cms-console-" + id;
        try {
            assertEquals(0, BuiltShell.run(home, null, "config", "import", yaml.toString()).status());
            BuiltShell.Result boot = BuiltShell.run(home, null, "vm", "boot", "--name", vm, "--cloud", cloud);
            assertEquals(0, boot.status(), boot.toString());
            assertEquals(0, BuiltShell.run(home, null, "vm", "wait", vm, "--interval", "0.5", "--timeout", "120").status());

            tmux("new-session", "-d", "-s", session, "-x", "120", "-y", "30", "env CLOUDMESH_HOME=" + home + " TERM=xterm "
                    + BuiltShell.launcher() + " vm console " + vm + "; echo console-exit=$?; sleep 30");
            waitFor(s -> s.contains("Escape character is ^]"), "virsh's console banner");
            tmux("send-keys", "-t", session, "Enter");
            waitFor(s -> s.contains(vm + " login:"), "the guest's own login prompt");
            tmux("send-keys", "-t", session, "C-]");
            waitFor(s -> s.contains("console-exit=0"), "Ctrl-] leaving the console");

            BuiltShell.Result off = BuiltShell.run(home, null, "vm", "stop", vm);
            assertEquals(0, off.status(), off.toString());
            BuiltShell.Result none = BuiltShell.run(home, null, "vm", "console", vm);
            assertEquals(1, none.status());
            assertEquals("ERROR: vm " + vm + " is not running (state stopped): it has no console; start it with 'vm start "
                    + vm + "'\n", none.err());
        } finally {
            tmux("kill-server");
            BuiltShell.run(home, null, "vm", "delete", vm);
            tb.removeGuests(List.of(vm));
        }
    }

    private void waitFor(Predicate<String> ok, String what) throws Exception {
        long deadline = System.currentTimeMillis() + 30_000;
        String s = "";
        while (System.currentTimeMillis() < deadline) {
            s = tmux("capture-pane", "-p", "-t", session);
            if (ok.test(s)) return;
            Thread.sleep(200);
        }
        fail("waited 30 s for " + what + "; the screen shows:\n" + s);
    }

    private String tmux(String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("tmux", "-L", session));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int rc = p.waitFor();
        if (rc != 0 && !args[0].equals("kill-server")) fail("tmux " + String.join(" ", args) + " failed: " + out);
        return out;
    }
}
