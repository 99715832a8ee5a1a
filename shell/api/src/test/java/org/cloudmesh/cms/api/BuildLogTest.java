package org.cloudmesh.cms.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The log of a build (scripts/build, scripts/test) read where no terminal is: plain text. Debian's Maven 3.8 writes
 * a colour reset (ESC[0m) even in batch mode, which a log file shows as stray "[0m"; the project's .mvn/jvm.config
 * (-Djansi.noreset=true) keeps it out.
 */
class BuildLogTest {
    @Test
    void aBatchBuildLogHasNoEscapeCodes() throws Exception {
        Path top = Path.of("").toAbsolutePath();
        while (top != null && !Files.isDirectory(top.resolve(".mvn"))) top = top.getParent();
        assertTrue(top != null, ".mvn not found above " + Path.of("").toAbsolutePath());
        Process p = new ProcessBuilder("mvn", "-B", "-o", "-N", "validate").directory(top.toFile())
                .redirectErrorStream(true).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        String log = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(120, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), log);
        assertTrue(log.contains("BUILD SUCCESS"), log);
        assertFalse(log.contains("\u001b"), "escape codes in: " + log.replace("\u001b", "<ESC>"));
    }
}
