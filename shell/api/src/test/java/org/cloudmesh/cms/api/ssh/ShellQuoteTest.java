package org.cloudmesh.cms.api.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledOnOs;
import org.junit.jupiter.api.condition.OS;

class ShellQuoteTest {

    @Test
    void safeWordsStayReadable() {
        assertEquals("squeue", ShellQuote.quote("squeue"));
        assertEquals("/tmp/job-%j.out", ShellQuote.quote("/tmp/job-%j.out"));
        assertEquals("'c[1-3]'", ShellQuote.quote("c[1-3]"), "[ is a glob character: quoted");
    }

    @Test
    void everythingElseIsSingleQuoted() {
        assertEquals("''", ShellQuote.quote(""));
        assertEquals("'a b'", ShellQuote.quote("a b"));
        assertEquals("'$HOME'", ShellQuote.quote("$HOME"));
        assertEquals("'; rm -rf /'", ShellQuote.quote("; rm -rf /"));
        assertEquals("''\\''; rm -rf /'", ShellQuote.quote("'; rm -rf /"));
        assertEquals("'it'\\''s'", ShellQuote.quote("it's"));
        assertEquals("'line1\nline2'", ShellQuote.quote("line1\nline2"));
    }

    @Test
    void commandQuotesEachWord() {
        assertEquals("sbatch -J 'my job' --wrap 'srun hostname'",
                ShellQuote.command("sbatch", "-J", "my job", "--wrap", "srun hostname"));
        assertEquals("echo '`id`'", ShellQuote.command(List.of("echo", "`id`")));
        assertThrows(IllegalArgumentException.class, () -> ShellQuote.command(List.of()));
    }

    @Test
    void nulCannotBePassed() {
        CmsException e = assertThrows(CmsException.class, () -> ShellQuote.quote("a\0b"));
        assertTrue(e.getMessage().contains("NUL"), e.getMessage());
    }

    /** The real proof: a local POSIX shell gets back exactly what went in, and runs nothing of it. */
    @Test
    @EnabledOnOs({OS.LINUX, OS.MAC})
    void aShellEchoesHostileInputBackUnchanged() throws Exception {
        List<String> hostile = List.of("'; rm -rf /", "$(id)", "`id`", "a\"b'c\\d", "x; echo pwned", "*", "~",
                "!!", "line1\nline2", " leading and trailing ", "-n", "", "ünïcödé ✓", "\\'", "$'\\x41'");
        for (String word : hostile) {
            String out = sh("printf '%s' " + ShellQuote.quote(word));
            assertEquals(word, out, "through sh -c: " + ShellQuote.quote(word));
        }
    }

    private static String sh(String command) throws IOException, InterruptedException {
        Process p = new ProcessBuilder("/bin/sh", "-c", command).redirectErrorStream(true).start();
        byte[] out = p.getInputStream().readAllBytes();
        assertTrue(p.waitFor(10, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), "sh -c " + command);
        return new String(out, StandardCharsets.UTF_8);
    }
}
