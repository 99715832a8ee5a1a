package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.imageio.ImageIO;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.Chromium;
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
    static final String CANVAS = "document.querySelector('#screen canvas')";

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
            double same = 0;
            BufferedImage shown = null;
            BufferedImage truth = null;
            for (int i = 0; i < 20 && same < 0.99; i++) {
                Thread.sleep(500);
                String data = page.eval(CANVAS + ".toDataURL('image/png')").asText();
                shown = ImageIO.read(new ByteArrayInputStream(Base64.getDecoder().decode(data.substring(data.indexOf(',') + 1))));
                truth = hypervisorScreenshot(tb, vm);
                same = sameness(shown, truth);
            }
            Files.write(PICTURES.resolve("page.png"), page.screenshot());
            if (shown != null) ImageIO.write(shown, "png", PICTURES.resolve("canvas.png").toFile());
            if (truth != null) ImageIO.write(truth, "png", PICTURES.resolve("hypervisor.png").toFile());
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

    /** libvirt's screenshot of the domain (virsh screenshot: qemu answers a PNG, or a PPM when older). */
    static BufferedImage hypervisorScreenshot(TestbedSupport tb, String vm) throws IOException, InterruptedException {
        Path f = Files.createTempFile("screen", ".ppm");
        try {
            Process p = new ProcessBuilder("virsh", "-q", "-c", tb.sessionUri(), "screenshot", vm, f.toString())
                    .redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), "virsh screenshot: " + out);
            byte[] b = Files.readAllBytes(f);
            BufferedImage png = ImageIO.read(new ByteArrayInputStream(b));
            return png != null ? png : ppm(b);
        } finally {
            Files.deleteIfExists(f);
        }
    }

    /** A binary PPM (P6, 8 bits a sample). */
    static BufferedImage ppm(byte[] b) {
        int[] at = {0};
        String magic = token(b, at);
        assertEquals("P6", magic, "not a binary PPM");
        int w = Integer.parseInt(token(b, at));
        int h = Integer.parseInt(token(b, at));
        assertEquals("255", token(b, at));
        int p = at[0] + 1;
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++, p += 3) img.setRGB(x, y, (b[p] & 255) << 16 | (b[p + 1] & 255) << 8 | (b[p + 2] & 255));
        }
        return img;
    }

    private static String token(byte[] b, int[] at) {
        while (Character.isWhitespace(b[at[0]])) at[0]++;
        int start = at[0];
        while (!Character.isWhitespace(b[at[0]])) at[0]++;
        return new String(b, start, at[0] - start);
    }

    /** The share of pixels with the same colour (0 when the sizes differ). */
    static double sameness(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return 0;
        long same = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) if ((a.getRGB(x, y) & 0xffffff) == (b.getRGB(x, y) & 0xffffff)) same++;
        }
        return (double) same / ((long) a.getWidth() * a.getHeight());
    }
}
