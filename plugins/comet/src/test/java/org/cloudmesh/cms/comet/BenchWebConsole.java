package org.cloudmesh.cms.comet;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import org.cloudmesh.cms.api.Chromium;
import org.cloudmesh.cms.api.Screens;

/**
 * For scripts/bench-guests: opens each console link given (one-time links of the same node) in headless Chromium and
 * prints the median time from opening the page to noVNC's first frame, in ns.
 */
public final class BenchWebConsole {
    private BenchWebConsole() {
    }

    public static void main(String[] links) throws Exception {
        Path dir = Files.createTempDirectory("cms-bench-chromium");
        long[] t = new long[links.length];
        try (Chromium browser = Chromium.start(dir)) {
            for (int i = 0; i < links.length; i++) {
                long t0 = System.nanoTime();
                Chromium.Page page = browser.open(links[i]);
                if (!page.await(Screens.CANVAS + " !== null && " + Screens.CANVAS + ".width > 0", Duration.ofSeconds(30))) {
                    throw new IllegalStateException("no screen on " + links[i] + ": " + page.eval("document.body.innerText").asText());
                }
                t[i] = System.nanoTime() - t0;
            }
        }
        Arrays.sort(t);
        System.out.println(t[t.length / 2]);
    }
}
