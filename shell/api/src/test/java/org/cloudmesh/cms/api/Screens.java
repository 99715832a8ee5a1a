package org.cloudmesh.cms.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;

/** Pictures of a guest's screen for web console tests: libvirt's own screenshot, and how alike two pictures are. */
public final class Screens {
    /** noVNC's canvas on the console page. */
    public static final String CANVAS = "document.querySelector('#screen canvas')";

    private Screens() {
    }

    /**
     * Grabs the page's canvas until it matches libvirt's screenshot of {@code domain} in 99% of its pixels (up to
     * 10 s), keeps the last pictures in {@code dir} (page.png, canvas.png, hypervisor.png) and returns the share of
     * equal pixels.
     */
    public static double canvasMatches(Chromium.Page page, String uri, String domain, Path dir) throws Exception {
        double same = 0;
        BufferedImage shown = null;
        BufferedImage truth = null;
        for (int i = 0; i < 20 && same < 0.99; i++) {
            Thread.sleep(500);
            String data = page.eval(CANVAS + ".toDataURL('image/png')").asText();
            shown = ImageIO.read(new ByteArrayInputStream(java.util.Base64.getDecoder().decode(data.substring(data.indexOf(',') + 1))));
            truth = hypervisor(uri, domain);
            same = sameness(shown, truth);
        }
        Files.createDirectories(dir);
        Files.write(dir.resolve("page.png"), page.screenshot());
        if (shown != null) ImageIO.write(shown, "png", dir.resolve("canvas.png").toFile());
        if (truth != null) ImageIO.write(truth, "png", dir.resolve("hypervisor.png").toFile());
        return same;
    }

    /** libvirt's screenshot of the domain (virsh screenshot: qemu answers a PNG, or a PPM when older). */
    public static BufferedImage hypervisor(String uri, String domain) throws IOException, InterruptedException {
        Path f = Files.createTempFile("screen", ".ppm");
        try {
            Process p = new ProcessBuilder("virsh", "-q", "-c", uri, "screenshot", domain, f.toString())
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
    public static double sameness(BufferedImage a, BufferedImage b) {
        if (a.getWidth() != b.getWidth() || a.getHeight() != b.getHeight()) return 0;
        long same = 0;
        for (int y = 0; y < a.getHeight(); y++) {
            for (int x = 0; x < a.getWidth(); x++) if ((a.getRGB(x, y) & 0xffffff) == (b.getRGB(x, y) & 0xffffff)) same++;
        }
        return (double) same / ((long) a.getWidth() * a.getHeight());
    }
}
