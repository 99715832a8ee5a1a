package org.cloudmesh.cms.app.vars;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class VariableStoreTest {
    @TempDir
    Path home;

    private Path file() {
        return home.resolve("variables.yaml");
    }

    private VariableStore store() {
        return new VariableStore(file());
    }

    @Test
    void setGetDeleteClearPersistAcrossInstances() {
        VariableStore a = store();
        a.set("cloud", "aws");
        a.set("msg", "hello world");
        a.set("count", "10");
        VariableStore b = store();
        assertEquals(Optional.of("aws"), b.get("cloud"));
        assertEquals(Optional.of("hello world"), b.get("msg"));
        assertEquals(List.of("cloud", "count", "msg"), new ArrayList<>(b.all().keySet()), "sorted by name");
        assertTrue(b.delete("cloud"));
        assertFalse(b.delete("cloud"), "a second delete finds nothing");
        assertEquals(Optional.empty(), a.get("cloud"), "the other instance sees the delete");
        a.clear();
        assertEquals(Map.of(), b.all());
    }

    @Test
    void aMissingFileIsAnEmptyStoreAndReadingDoesNotCreateIt() {
        VariableStore s = store();
        assertEquals(Optional.empty(), s.get("x"));
        assertEquals(Map.of(), s.all());
        assertEquals(Map.of(), s.defaults());
        assertFalse(Files.exists(file()));
    }

    @Test
    void valuesStayStringsAndTheFileIsPrivateReadableYaml() throws IOException {
        VariableStore s = store();
        s.set("n", "10");
        s.set("flag", "true");
        s.set("empty", "");
        s.set("quote", "it's \"x\": y # z");
        s.set("multi", "line one\nline two");
        s.setDefault("aws", "image", "ubuntu-22.04");
        String text = Files.readString(file());
        assertTrue(text.contains("variables:"), text);
        assertTrue(text.contains("n: '10'"), "numbers are quoted so YAML keeps them strings: " + text);
        assertTrue(text.contains("flag: 'true'"), text);
        assertTrue(text.contains("defaults:\n  aws:\n    image: 'ubuntu-22.04'"), text);
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file())));
        VariableStore t = store();
        assertEquals(Optional.of("10"), t.get("n"));
        assertEquals(Optional.of("true"), t.get("flag"));
        assertEquals(Optional.of(""), t.get("empty"));
        assertEquals(Optional.of("it's \"x\": y # z"), t.get("quote"));
        assertEquals(Optional.of("line one\nline two"), t.get("multi"));
        try (var files = Files.list(home)) {
            assertEquals(List.of("variables.yaml", "variables.yaml.lock"),
                    files.map(p -> p.getFileName().toString()).sorted().toList(), "no temporary file is left");
        }
    }

    @Test
    void handWrittenScalarsAreReadAsWritten() throws IOException {
        Files.writeString(file(), "variables:\n  a: 1.50\n  b: yes\n  c:\n  d: ~\ndefaults:\n  global: {k: 007}\n");
        VariableStore s = store();
        assertEquals(Optional.of("1.50"), s.get("a"), "not resolved to a number");
        assertEquals(Optional.of("yes"), s.get("b"), "not resolved to a boolean");
        assertEquals(Optional.of(""), s.get("c"));
        assertEquals(Optional.of(""), s.get("d"));
        assertEquals(Optional.of("007"), s.getDefault("global", "k"));
    }

    @Test
    void defaultsByContext() {
        VariableStore s = store();
        s.setDefault("global", "cloud", "aws");
        s.setDefault(null, "output", "json");
        s.setDefault("aws", "image", "ubuntu");
        s.setDefault("aws", "flavor", "t2.micro");
        assertEquals(Optional.of("json"), s.getDefault("global", "output"));
        assertEquals(Optional.of("ubuntu"), store().getDefault("aws", "image"));
        assertEquals(Optional.empty(), s.getDefault("azure", "image"));
        assertEquals(List.of("aws", "global"), new ArrayList<>(s.defaults().keySet()));
        assertEquals(List.of("flavor", "image"), new ArrayList<>(s.defaults().get("aws").keySet()));
        assertTrue(s.deleteDefault("aws", "image"));
        assertFalse(s.deleteDefault("aws", "image"));
        assertTrue(s.deleteContext("aws"));
        assertFalse(s.deleteContext("aws"));
        assertTrue(s.deleteDefault("global", "cloud"));
        assertEquals(Map.of("global", Map.of("output", "json")), s.defaults());
        assertEquals(Map.of(), s.all(), "defaults are not variables");
    }

    @Test
    void anEmptiedContextDisappears() {
        VariableStore s = store();
        s.setDefault("aws", "image", "ubuntu");
        assertTrue(s.deleteDefault("aws", "image"));
        assertEquals(Map.of(), s.defaults());
    }

    @Test
    void badNamesAreRefusedAndNothingIsWritten() {
        VariableStore s = store();
        CmsException empty = assertThrows(CmsException.class, () -> s.set("", "x"));
        assertTrue(empty.getMessage().startsWith("the variable name is empty"), empty.getMessage());
        CmsException space = assertThrows(CmsException.class, () -> s.set("my var", "x"));
        assertEquals("invalid variable name 'my var': it contains a space (letters, digits, '_', '.' and '-';"
                + " first a letter or '_')", space.getMessage());
        CmsException digit = assertThrows(CmsException.class, () -> s.set("1x", "x"));
        assertTrue(digit.getMessage().contains("must start with a letter or '_'"), digit.getMessage());
        CmsException slash = assertThrows(CmsException.class, () -> s.set("a/b", "x"));
        assertTrue(slash.getMessage().contains("may hold only letters"), slash.getMessage());
        CmsException dotted = assertThrows(CmsException.class, () -> s.setDefault("aws.east", "image", "x"));
        assertTrue(dotted.getMessage().startsWith("invalid context name 'aws.east'"), dotted.getMessage());
        assertThrows(CmsException.class, () -> s.setDefault("global", "a b", "x"));
        assertFalse(Files.exists(file()), "nothing was written");
        s.set("my_var-1.x", "ok");
        assertEquals(Optional.of("ok"), s.get("my_var-1.x"));
    }

    @Test
    void aCorruptFileNamesTheFileLineAndColumnAndIsNotOverwritten() throws IOException {
        String broken = "variables:\n  a: 1\n  b: [unclosed\n";
        Files.writeString(file(), broken);
        VariableStore s = store();
        CmsException read = assertThrows(CmsException.class, () -> s.get("a"));
        assertTrue(read.getMessage().startsWith("corrupt variables file " + file() + " at line "), read.getMessage());
        assertTrue(read.getMessage().matches(".* at line \\d+, column \\d+: .*"), read.getMessage());
        assertThrows(CmsException.class, () -> s.set("c", "3"));
        assertEquals(broken, Files.readString(file()), "a change does not overwrite a file it cannot read");
    }

    @Test
    void aWrongShapeIsReportedWhereItIs() throws IOException {
        Files.writeString(file(), "variables:\n  a: 1\n  b:\n    - x\n");
        CmsException e = assertThrows(CmsException.class, () -> store().get("a"));
        assertEquals("corrupt variables file " + file() + " at line 4, column 5: a value must be a string, not a"
                + " list or a mapping; fix it in an editor or remove it (it only holds variables and defaults)",
                e.getMessage());
        Files.writeString(file(), "vars:\n  a: 1\n");
        e = assertThrows(CmsException.class, () -> store().all());
        assertTrue(e.getMessage().contains("at line 1, column 1: unexpected section 'vars'"), e.getMessage());
        Files.writeString(file(), "- a\n- b\n");
        e = assertThrows(CmsException.class, () -> store().all());
        assertTrue(e.getMessage().contains("at line 1, column 1: the file must be a mapping"), e.getMessage());
        Files.writeString(file(), "variables:\n  a: 1\n  a: 2\n");
        e = assertThrows(CmsException.class, () -> store().all());
        assertTrue(e.getMessage().contains("at line 3, column 3: variable 'a' appears twice"), e.getMessage());
    }

    @Test
    void anEmptyFileIsAnEmptyStore() throws IOException {
        Files.writeString(file(), "");
        assertEquals(Map.of(), store().all());
        Files.writeString(file(), "# just a comment\nvariables:\ndefaults:\n");
        assertEquals(Map.of(), store().all());
        store().set("a", "1");
        assertEquals(Optional.of("1"), store().get("a"));
    }

    @Test
    void aChangeByAnotherWriterIsSeenByTheNextRead() throws IOException {
        VariableStore s = store();
        s.set("a", "1");
        assertEquals(Optional.of("1"), s.get("a"));
        // an editor rewrites the file in place, same size, same second
        FileTime before = Files.getLastModifiedTime(file());
        Files.writeString(file(), Files.readString(file()).replace("a: '1'", "a: '2'"));
        Files.setLastModifiedTime(file(), FileTime.fromMillis(before.toMillis() + 1000));
        assertEquals(Optional.of("2"), s.get("a"));
    }

    @Test
    void aChangeThatChangesNothingWritesNothing() throws IOException {
        VariableStore s = store();
        s.set("a", "1");
        FileTime old = FileTime.fromMillis(1_000_000_000L);
        Files.setLastModifiedTime(file(), old);
        s.set("a", "1");
        s.delete("nothing");
        assertEquals(old, Files.getLastModifiedTime(file()));
    }

    @Test
    void anUnwritableHomeIsOneClearError() throws IOException {
        Path ro = home.resolve("ro");
        Files.createDirectory(ro);
        Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("r-x------"));
        try {
            if (Files.isWritable(ro)) return; // root ignores permissions
            VariableStore s = new VariableStore(ro.resolve("variables.yaml"));
            CmsException e = assertThrows(CmsException.class, () -> s.set("a", "1"));
            assertTrue(e.getMessage().startsWith("cannot lock " + ro.resolve("variables.yaml.lock")), e.getMessage());
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
        } finally {
            Files.setPosixFilePermissions(ro, PosixFilePermissions.fromString("rwx------"));
        }
    }

    @Test
    void aMissingHomeIsCreatedPrivate() throws IOException {
        Path fresh = home.resolve("new-home");
        new VariableStore(fresh.resolve("variables.yaml")).set("a", "1");
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(fresh)));
        assertEquals(Optional.of("1"), VariableStore.in(fresh).get("a"));
    }

    @Test
    void writeBehindShowsAChangeAtOnceAndWritesItWithinTheDelay() throws Exception {
        VariableStore s = store().writeBehind(Duration.ofMillis(200));
        s.set("a", "1");
        s.setDefault("aws", "image", "ubuntu");
        assertEquals(Optional.of("1"), s.get("a"));
        assertEquals(Optional.of("1"), store().get("a"), "every store of this JVM shares the view");
        assertEquals(Optional.of("ubuntu"), store().getDefault("aws", "image"));
        assertFalse(Files.exists(file()), "not written yet");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!Files.exists(file()) && System.nanoTime() < deadline) Thread.sleep(10);
        String text = Files.readString(file());
        assertTrue(text.contains("a: '1'") && text.contains("image: 'ubuntu'"), text);
    }

    @Test
    void writeBehindMergesOnTheFileAsItIsAtTheTimeOfTheWrite() throws IOException {
        VariableStore behind = store().writeBehind(Duration.ofHours(1));
        behind.set("mine", "1");
        assertTrue(behind.delete("mine"), "a delete sees the pending set");
        behind.set("mine", "2");
        // another process writes meanwhile (simulated by editing the file as a cms process would leave it)
        Files.writeString(file(), "variables:\n  theirs: 'x'\ndefaults: {}\n");
        assertEquals(Optional.of("x"), behind.get("theirs"), "the view is the file plus the pending changes");
        assertEquals(Optional.of("2"), behind.get("mine"));
        behind.flush();
        VariableStore fresh = store();
        assertEquals(Map.of("mine", "2", "theirs", "x"), fresh.all());
        assertTrue(Files.readString(file()).contains("mine: '2'"));
    }

    @Test
    void flushAllWritesWhatEveryStoreOfThisJvmHasPending() throws IOException {
        Path other = home.resolve("other/variables.yaml");
        store().writeBehind(Duration.ofHours(1)).set("x", "1");
        new VariableStore(other).writeBehind(Duration.ofHours(1)).set("y", "2");
        VariableStore.flushAll();
        assertTrue(Files.readString(file()).contains("x: '1'"));
        assertTrue(Files.readString(other).contains("y: '2'"));
    }

    @Test
    void aStrictChangeWritesThePendingChangesFirst() throws IOException {
        store().writeBehind(Duration.ofHours(1)).set("x", "1");
        store().set("y", "2");
        String text = Files.readString(file());
        assertTrue(text.contains("x: '1'") && text.contains("y: '2'"), text);
    }

    @Test
    void aFailedBackgroundWriteIsReportedByTheNextChange() throws Exception {
        VariableStore s = store().writeBehind(Duration.ofMillis(200));
        Files.writeString(file(), "variables: [broken\n");
        try {
            s.set("a", "1");
            fail("a corrupt file is reported at once by the change itself");
        } catch (CmsException e) {
            assertTrue(e.getMessage().startsWith("corrupt variables file"), e.getMessage());
        }
        Files.writeString(file(), "variables:\n  b: '2'\n");
        s.set("a", "1");
        Files.writeString(file(), "variables: [broken\n");
        Thread.sleep(800); // the background write fails on the corrupt file
        CmsException later = assertThrows(CmsException.class, () -> s.set("c", "3"));
        assertTrue(later.getMessage().startsWith("corrupt variables file " + file()), later.getMessage());
        assertEquals("variables: [broken\n", Files.readString(file()), "the file is left for the user to fix");
        Files.writeString(file(), "variables:\n  b: '2'\n");
        s.flush();
        assertEquals(Map.of("a", "1", "b", "2"), store().all(), "the pending change is kept and written later");
    }

    /** Many threads, each with its own store over the same file, as shells in one JVM would be. */
    @Test
    void concurrentThreadsNeverLoseEachOthersWrites() throws Exception {
        int threads = 8;
        int each = 40;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<?>> done = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            String prefix = "t" + t + "_";
            done.add(pool.submit(() -> {
                start.await();
                VariableStore s = store();
                for (int i = 0; i < each; i++) {
                    s.set(prefix + i, "v" + i);
                    if (i % 5 == 0) s.setDefault("ctx" + prefix.replace("_", ""), "k" + i, "v");
                    s.get(prefix + i); // reads interleave with the other writers
                }
                return null;
            }));
        }
        start.countDown();
        for (Future<?> f : done) f.get(60, TimeUnit.SECONDS);
        pool.shutdown();
        Map<String, String> all = store().all();
        assertEquals(threads * each, all.size());
        for (int t = 0; t < threads; t++) {
            for (int i = 0; i < each; i++) assertEquals("v" + i, all.get("t" + t + "_" + i));
            assertEquals(each / 5, store().defaults().get("ctxt" + t).size());
        }
    }

    /**
     * Two real processes plus this one hammering the same file, strict and write-behind mixed: every write of
     * every process survives.
     */
    @Test
    void concurrentProcessesNeverLoseEachOthersWrites() throws Exception {
        int n = 150;
        Path go = home.resolve("go");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        String cp = System.getProperty("java.class.path");
        List<Process> processes = new ArrayList<>();
        for (String prefix : List.of("p", "q")) {
            // p writes each change at once; q writes behind and leaves its last changes to the exit hook
            String delay = prefix.equals("p") ? "0" : "5";
            processes.add(new ProcessBuilder(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-cp", cp,
                    ConcurrentWriter.class.getName(), file().toString(), prefix, String.valueOf(n), go.toString(),
                    delay).redirectErrorStream(true).start());
        }
        List<BufferedReader> outputs = new ArrayList<>();
        for (Process p : processes) {
            BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream()));
            assertEquals("ready", r.readLine());
            outputs.add(r);
        }
        VariableStore mine = store().writeBehind(Duration.ofMillis(2));
        mine.get("warm-up");
        Files.createFile(go);
        for (int i = 0; i < n; i++) {
            mine.set("m" + i, "value " + i);
            if (i % 10 == 0) Thread.sleep(1); // let some merges happen while the others write
        }
        mine.flush();
        for (int k = 0; k < processes.size(); k++) {
            Process p = processes.get(k);
            assertTrue(p.waitFor(120, TimeUnit.SECONDS), "writer finished");
            StringBuilder output = new StringBuilder();
            for (String line; (line = outputs.get(k).readLine()) != null; ) output.append(line).append('\n');
            assertEquals(0, p.exitValue(), output.toString());
        }
        Map<String, String> all = store().all();
        assertEquals(3 * n, all.size(), "variables: " + all.keySet());
        for (String prefix : List.of("p", "q", "m")) {
            for (int i = 0; i < n; i++) assertEquals("value " + i, all.get(prefix + i));
        }
        assertEquals(Optional.of("done"), store().getDefault("p", "p"));
        assertEquals(Optional.of("done"), store().getDefault("q", "q"));
    }
}
