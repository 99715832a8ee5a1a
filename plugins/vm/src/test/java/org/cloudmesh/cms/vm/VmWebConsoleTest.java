package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.Chromium;
import org.cloudmesh.cms.api.Screens;
import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code vm console NAME --link} in a real browser: headless Chromium opens the link of a real guest of the testbed,
 * served by a real {@code cms server}; the noVNC canvas shows what the hypervisor's own screenshot of the domain
 * shows; the link opens once; the session ends when the VM stops. The pictures are kept in target/webconsole.
 */
@Tag(TestbedSupport.INTEGRATION)
class VmWebConsoleTest {
    static final Path PICTURES = Path.of("target/webconsole");
    static final String CANVAS = Screens.CANVAS;

    @TempDir
    Path tmp;

    @Test
    void theLinkShowsTheGuestsScreenOnceAndEndsWhenTheVmStops() throws Exception {
        TestbedSupport tb = TestbedSupport.requireQemu();
        BuiltShell.requirePlugin("vm");
        String id = UUID.randomUUID().toString().substring(0, 6);
        String cloud = "w" + id;
        String vm = "scr" + id;
        Path home = tmp.resolve("home");
        Path yaml = Files.writeString(tmp.resolve("cloud.yaml"), VmGuestTest.cloudYaml(tb, "u" + id, cloud));
        assertEquals(0, BuiltShell.run(home, null, "config", "import", yaml.toString()).status());
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        Files.createDirectories(PICTURES);
        try (Chromium browser = Chromium.start(tmp.resolve("chromium"))) {
            BuiltShell.Result boot = run(home, "vm", "boot", "--name", vm, "--cloud", cloud);
            assertEquals(0, boot.status(), boot.toString());
            // without a server there is nobody to serve the page: one line says what to do
            BuiltShell.Result refused = run(home, "vm", "console", vm, "--link");
            assertEquals(1, refused.status(), refused.toString());
            assertEquals("ERROR: the web console is served by 'cms server': start it on this machine ('cms server start'),"
                    + " then ask again\n", refused.err());
            BuiltShell.Result server = run(home, "server", "start", "--port", String.valueOf(port));
            assertEquals(0, server.status(), server.toString());

            BuiltShell.Result link = run(home, "vm", "console", vm, "--link");
            assertEquals(0, link.status(), link.toString());
            Matcher m = Pattern.compile("Console URL: (http://127\\.0\\.0\\.1:" + port + "/console/[0-9a-f]{48}) \\(works once").matcher(link.out());
            assertTrue(m.find(), link.toString());
            String url = m.group(1);

            long t0 = System.nanoTime();
            Chromium.Page page = browser.open(url);
            assertTrue(page.await(CANVAS + " !== null && " + CANVAS + ".width > 0", Duration.ofSeconds(30)),
                    "no screen on the page: " + page.eval("document.body.innerText").asText());
            long firstFrameMillis = (System.nanoTime() - t0) / 1_000_000;
            assertEquals("connected", page.eval("document.getElementById('status').dataset.state").asText());

            // the canvas shows the guest's screen: the same picture as libvirt's own screenshot of the domain
            double same = Screens.canvasMatches(page, tb.sessionUri(), vm, PICTURES);
            assertTrue(same >= 0.99, "the canvas matches the hypervisor's screenshot in " + (int) (same * 100)
                    + "% of its pixels (pictures in " + PICTURES.toAbsolutePath() + ")");
            System.out.println("web console: first frame " + firstFrameMillis + " ms after opening the link");

            // a second opening is refused with a plain page, and nothing is proxied
            Chromium.Page again = browser.open(url);
            assertTrue(again.await("document.getElementById('refusal') !== null", Duration.ofSeconds(10)));
            assertEquals("this console link was used already: a link opens once; ask for a new one",
                    again.eval("document.getElementById('refusal').textContent").asText());

            // the session ends when the VM stops
            assertEquals(0, run(home, "vm", "stop", vm).status());
            assertTrue(page.await("document.getElementById('status').dataset.state === 'ended'", Duration.ofSeconds(15)),
                    "the page still shows a session: " + page.eval("document.getElementById('status').textContent").asText());
            BuiltShell.Result off = BuiltShell.run(home, null, "vm", "console", vm, "--link");
            assertEquals(1, off.status());
            assertTrue(off.err().contains("is not running"), off.toString());
        } finally {
            BuiltShell.run(home, null, "server", "stop");
            BuiltShell.run(home, null, "vm", "delete", vm);
            tb.removeGuests(List.of(vm));
        }
    }

    private static BuiltShell.Result run(Path home, String... args) throws Exception {
        return BuiltShell.run(home, null, args);
    }
}
