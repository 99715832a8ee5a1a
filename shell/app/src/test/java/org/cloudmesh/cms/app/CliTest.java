package org.cloudmesh.cms.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.nio.file.attribute.PosixFilePermissions;
import org.cloudmesh.cms.api.BuiltShell;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The shell's modes, built-ins and errors, seen from outside: exit status, stdout, stderr, files. */
class CliTest {
    @TempDir
    Path tmp;

    Path home() {
        return tmp.resolve("home");
    }

    BuiltShell.Result cms(String... args) throws Exception {
        return BuiltShell.run(home(), null, args);
    }

    BuiltShell.Result piped(String script, String... args) throws Exception {
        return BuiltShell.run(home(), script, args);
    }

    static void assertOneLineError(BuiltShell.Result r, String fragment) {
        assertEquals(1, r.status(), r.toString());
        String err = r.err().strip();
        assertFalse(err.contains("\n"), "expected one line on stderr: " + r);
        assertTrue(err.contains(fragment), "expected '" + fragment + "' in stderr: " + r);
        assertFalse(err.contains("Exception") || err.contains("\tat "), "no stack trace without --debug: " + r);
    }

    @Test
    void versionNamesCmsAndEachPlugin() throws Exception {
        BuiltShell.Result r = cms("version");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().startsWith("cms 0.1.0 (Java 17"), r.toString());
        assertTrue(r.out().contains("plugin set 0.1.0"), r.toString());
    }

    @Test
    void firstUseCreatesPrivateHomeAndConfig() throws Exception {
        assertEquals(0, cms("config", "get", "cloudmesh.profile.user").status());
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home())));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(home().resolve("cloudmesh.yaml"))));
    }

    @Test
    void unknownCommandSuggestsTheNearestName() throws Exception {
        BuiltShell.Result r = cms("versoin");
        assertOneLineError(r, "unknown command 'versoin'; did you mean: version?");
    }

    @Test
    void unknownOptionMissingArgumentAndBadValueAreOneLineErrors() throws Exception {
        assertOneLineError(cms("banner", "--colour", "x"), "unknown option '--colour'");
        assertOneLineError(cms("config", "get"), "Missing required parameter: 'KEY'");
        assertOneLineError(cms("sleep", "soon"), "'soon' is not a double");
        assertOneLineError(cms("--frobnicate"), "unknown option '--frobnicate'");
    }

    @Test
    void helpListsCommandsAndDescribesOne() throws Exception {
        BuiltShell.Result all = cms("help");
        assertEquals(0, all.status());
        for (String c : new String[] {"config", "echo", "help", "history", "plugin", "quit", "set", "default", "version"}) {
            assertTrue(all.out().contains("  " + c), c + " missing from help: " + all);
        }
        assertFalse(all.out().contains("docs"), "hidden commands stay hidden");
        BuiltShell.Result one = cms("help", "config", "set");
        assertTrue(one.out().contains("Usage: cms config set"), one.toString());
        assertEquals(one.out(), cms("config", "set", "--help").out());
        assertOneLineError(cms("help", "nosuch"), "no command 'nosuch'");
    }

    @Test
    void scriptFileStopsAtFirstFailureNamingFileAndLine() throws Exception {
        Path script = tmp.resolve("setup.cms");
        Files.writeString(script, "# a comment\n\necho one\nnosuch command\necho two\n");
        BuiltShell.Result r = cms(script.toString());
        assertEquals(1, r.status(), r.toString());
        assertEquals("one\n", r.out());
        assertTrue(r.err().startsWith(script + ":4: unknown command 'nosuch'"), r.toString());

        BuiltShell.Result kept = cms("--keep-going", "--file", script.toString());
        assertEquals(1, kept.status());
        assertEquals("one\ntwo\n", kept.out());
    }

    /** 'set timer=on', as in the Python cms: each command's time on stderr, and the shell's Load with the first. */
    @Test
    void timerOnTimesEachCommandOnStderr() throws Exception {
        BuiltShell.Result off = cms("echo", "quiet");
        assertEquals("", off.err(), off.toString());
        assertEquals(0, cms("set", "timer=on").status());
        BuiltShell.Result one = cms("echo", "hi");
        assertEquals("hi\n", one.out(), one.toString());
        assertTrue(one.err().matches("# Timer: \\d+\\.\\d{3}s Load: \\d+\\.\\d{3}s echo hi\n"), one.toString());
        BuiltShell.Result two = piped("echo a\necho b\n");
        assertEquals("a\nb\n", two.out(), two.toString());
        List<String> lines = two.err().lines().toList();
        assertEquals(2, lines.size(), two.toString());
        assertTrue(lines.get(0).matches("# Timer: \\d+\\.\\d{3}s Load: \\d+\\.\\d{3}s echo a"), two.toString());
        assertTrue(lines.get(1).matches("# Timer: \\d+\\.\\d{3}s echo b"), two.toString());
        assertEquals(0, cms("set", "timer=off").status());
        assertEquals("", cms("echo", "quiet").err());
    }

    @Test
    void pipedInputHasNoBannerNoPromptAndEchoShowsCommands() throws Exception {
        BuiltShell.Result r = piped("echo hello\n# skipped\n\necho world\n");
        assertEquals(0, r.status(), r.toString());
        assertEquals("hello\nworld\n", r.out());
        assertEquals("", r.err());
        BuiltShell.Result e = piped("echo hello\n", "--echo");
        assertEquals("cms> echo hello\nhello\n", e.out());
    }

    @Test
    void quitEndsAScriptQuietly() throws Exception {
        BuiltShell.Result r = piped("echo a\nquit\necho b\n");
        assertEquals(0, r.status(), r.toString());
        assertEquals("a\n", r.out());
        assertEquals("", r.err());
        assertEquals(0, cms("exit").status());
    }

    @Test
    void oneShotStatusIsTheCommands() throws Exception {
        assertEquals(0, cms("shell", "true").status());
        assertEquals(3, cms("shell", "exit 3").status());
        BuiltShell.Result bang = piped("!echo from sh\n");
        assertEquals("from sh\n", bang.out());
    }

    @Test
    void variablesAreSubstitutedAndUnsetOnesStopTheScript() throws Exception {
        BuiltShell.Result r = piped("set greeting=\"hello world\"\necho $greeting and ${greeting}!\necho '$greeting' \\$5\necho $nosuch\necho after\n");
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.out().contains("hello world and hello world!\n$greeting $5\n"), r.toString());
        assertFalse(r.out().contains("after"), r.toString());
        assertTrue(r.err().contains("stdin:4:") && r.err().contains("nosuch"), r.toString());
    }

    @Test
    void unbalancedQuoteIsRejected() throws Exception {
        BuiltShell.Result r = piped("echo \"oops\n");
        assertOneLineError(r, "unbalanced double quote");
    }

    @Test
    void badVariableNamesChangeNothing() throws Exception {
        assertEquals(1, cms("set", "=x").status());
        assertEquals(1, cms("set", "a b=x").status());
        assertFalse(Files.exists(home().resolve("variables.yaml")) && Files.readString(home().resolve("variables.yaml")).contains("x"));
    }

    @Test
    void malformedConfigNamesFileLineAndColumn() throws Exception {
        Files.createDirectories(home());
        Path cfg = home().resolve("cloudmesh.yaml");
        Files.writeString(cfg, "cloudmesh:\n  profile:\n    user: [alice\n");
        Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-------"));
        BuiltShell.Result r = cms("config", "get", "cloudmesh.profile.user");
        assertOneLineError(r, cfg + ":4:1");
    }

    @Test
    void configReadableByOthersIsRefusedWithTheFix() throws Exception {
        cms("config", "list");
        Path cfg = home().resolve("cloudmesh.yaml");
        Files.setPosixFilePermissions(cfg, PosixFilePermissions.fromString("rw-r--r--"));
        BuiltShell.Result r = cms("config", "list");
        assertOneLineError(r, "chmod 600 " + cfg);
    }

    @Test
    void configSetKeepsCommentsAndOrderAndMasksSecrets() throws Exception {
        assertEquals(0, cms("config", "set", "cloudmesh.profile.user=alice").status());
        assertEquals(0, cms("config", "set", "cloudmesh.cloud.aws.credentials.EC2_SECRET_KEY=s3cr3t").status());
        String text = Files.readString(home().resolve("cloudmesh.yaml"));
        assertTrue(text.startsWith("# cloudmesh.yaml: the configuration of cms."), text);
        assertTrue(text.contains("user: alice"), text);
        assertTrue(text.contains("# your user name"), text);
        assertTrue(text.indexOf("profile:") < text.indexOf("comet:"), text);
        assertEquals("alice\n", cms("config", "get", "cloudmesh.profile.user").out());
        BuiltShell.Result list = cms("config", "list");
        assertTrue(list.out().contains("cloudmesh.cloud.aws.credentials.EC2_SECRET_KEY = ********"), list.toString());
        assertFalse(list.out().contains("s3cr3t"));
        assertFalse(cms("config", "get", "cloudmesh.cloud.aws").out().contains("s3cr3t"));
    }

    @Test
    void configImportMergesAFragment() throws Exception {
        Path frag = tmp.resolve("frag.yaml");
        Files.writeString(frag, "cloudmesh:\n  cloud:\n    local:\n      cm: {kind: libvirt}\n      default: {image: none}\n      credentials: {uri: 'test:///default'}\n");
        BuiltShell.Result r = cms("config", "import", frag.toString());
        assertEquals(0, r.status(), r.toString());
        assertEquals("libvirt\n", cms("config", "get", "cloudmesh.cloud.local.cm.kind").out());
        assertEquals(0, cms("config", "check").status());
        assertTrue(Files.readString(home().resolve("cloudmesh.yaml")).contains("# Comet-style virtual clusters"));
    }

    @Test
    void unwritableHomeIsAClearError() throws Exception {
        Path ro = tmp.resolve("ro");
        Files.createDirectories(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-x------"));
        // root ignores permission bits, so also try a home below a plain file
        Path blocked = tmp.resolve("file");
        Files.writeString(blocked, "x");
        BuiltShell.Result r = BuiltShell.run(blocked.resolve("home"), null, "version");
        assertOneLineError(r, "cannot create " + blocked.resolve("home"));
    }
}
