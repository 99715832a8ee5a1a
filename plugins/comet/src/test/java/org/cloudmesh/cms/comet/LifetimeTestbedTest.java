package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.comet.lifetime.LifetimeNotice;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The lifetime of a computeset on the testbed's real Slurm, in both modes (this JVM drives Slurm; a real
 * {@code cms server} does): extend (visible in {@code scontrol show job}), refused extensions that change nothing,
 * {@code --begin} (pending with reason BeginTime, then running), reservations (a set runs only on its nodes,
 * administrators only), and the warnings 15 and 5 minutes before the end.
 */
@Tag("integration")
class LifetimeTestbedTest {
    enum Mode { DIRECT, REMOTE }

    static TestbedSupport tb;
    static SshClient ssh;
    static CmsServer server;
    @TempDir
    static Path serverHome;

    @TempDir
    Path home;
    final String vc = "lt" + Integer.toString(new Random().nextInt(1 << 30), 36);
    final List<TestContext> shells = new ArrayList<>();
    /** A direct shell for the test's own Slurm housekeeping (reservations are deleted as the operator). */
    TestContext direct;

    @BeforeAll
    static void up() throws Exception {
        tb = TestbedSupport.require();
        ssh = new SshClient(tb.knownHosts());
        server = CmsServer.start(tb, serverHome, "alice", tb.account());
        server.addOther("bob", tb.account());
        server.addAdmin("root-admin", tb.account());
    }

    @AfterAll
    static void down() throws Exception {
        if (server != null) server.close();
        if (ssh != null) ssh.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String line : remote("squeue -h -o '%i %j'").split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2 && f[1].startsWith("cms-" + vc + "-")) remote("scancel " + f[0]);
        }
        for (String line : remote("scontrol -o show reservation").split("\n")) {
            if (line.startsWith("ReservationName=" + vc)) {
                String name = line.substring("ReservationName=".length(), line.indexOf(' '));
                direct().run("reservation", "delete", name);
            }
        }
        for (TestContext t : shells) t.close();
    }

    TestContext direct() throws Exception {
        if (direct == null) {
            direct = new TestContext(home.resolve("direct"));
            Files.createDirectories(direct.home());
            direct.importFile(tb.fragment());
            shells.add(direct);
        }
        return direct;
    }

    TestContext shell(Mode m) throws Exception {
        if (m == Mode.DIRECT) return direct();
        TestContext t = server.client(home.resolve("remote"));
        shells.add(t);
        return t;
    }

    TestContext as(String user) throws Exception {
        TestContext t = server.client(home.resolve(user), user);
        shells.add(t);
        return t;
    }

    String remote(String command) {
        return ssh.exec(tb.target(), command, Duration.ofSeconds(30)).stdout();
    }

    String timeLimit(String job) {
        for (String w : remote("scontrol show job " + job).split("\\s+")) if (w.startsWith("TimeLimit=")) return w.substring(10);
        return null;
    }

    static void ok(TestContext t, String... words) {
        int rc = t.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + t.printed() + t.errText());
    }

    static String fails(TestContext t, String... words) {
        int rc = t.run(words);
        assertEquals(1, rc, String.join(" ", words) + " should fail:\n" + t.printed() + t.errText());
        String all = t.errText().strip();
        assertFalse(all.contains("\tat "), all);
        assertEquals(1, all.lines().count(), "one line: " + all);
        assertTrue(all.startsWith("ERROR: "), all);
        return all;
    }

    static void has(String message, String part) {
        assertTrue(message.contains(part), "'" + part + "' not in: " + message);
    }

    /** Starts a set and returns its id (the fourth line of the answer). */
    static long start(TestContext t, String... options) {
        List<String> words = new ArrayList<>(List.of("start"));
        words.addAll(List.of(options));
        ok(t, words.toArray(String[]::new));
        return Long.parseLong(t.printed().split("\n")[3].substring("comet computeset ".length()));
    }

    static Computeset waitFor(TestContext t, long id, CsState state, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        Computeset cs;
        while ((cs = t.comet.backend(null).computeset(id)).state() != state && System.nanoTime() < deadline) {
            t.comet.backend(null).refresh(null);
            Thread.sleep(300);
        }
        assertEquals(state, cs.state(), "computeset " + id + ": " + cs);
        return cs;
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void extendRefusalsAndWarnings(Mode mode) throws Exception {
        TestContext cms = shell(mode);
        ok(cms, "cluster", "create", vc, "--computes", "1");
        long id = start(cms, vc, "--count", "1", "--walltime", "10m");
        Computeset cs = waitFor(cms, id, CsState.RUNNING, Duration.ofSeconds(90));
        assertEquals("00:10:00", timeLimit(cs.jobId()));

        ok(cms, "computeset", "extend", String.valueOf(id), "--by", "5m");
        assertTrue(cms.printed().startsWith("computeset " + id + " extended by 5m: walltime 00:15, ends "), cms.printed());
        assertEquals("00:15:00", timeLimit(cs.jobId()), "the extension is Slurm's");
        while (System.currentTimeMillis() / 1000 < cs.startTime() + 1) Thread.sleep(100);
        ok(cms, "computeset", "--output", "csv");
        // remaining is rounded down (started seconds ago: 14 whole minutes left), and a running set shows no reason
        assertTrue(cms.printed().contains("," + cs.jobId() + ",00:15,") && cms.printed().contains(",00:14,\n"), cms.printed());

        // refused: nothing changes in Slurm
        has(fails(cms, "computeset", "extend", String.valueOf(id), "--by", "2d"), "limits.max_walltime");
        has(fails(cms, "computeset", "extend", String.valueOf(id), "--by", "5x"), "walltime '5x': ");
        has(fails(cms, "computeset", "extend", "999999", "--by", "5m"), "unknown computeset 999999");
        if (mode == Mode.REMOTE) {
            has(fails(as("bob"), "computeset", "extend", String.valueOf(id), "--by", "5m"), "only its owner or an administrator");
        }
        assertEquals("00:15:00", timeLimit(cs.jobId()));

        // the warnings: once within 15 minutes of the end, once more within 5, with the set's real start time
        LifetimeNotice notice = new LifetimeNotice();
        cs = cms.comet.backend(null).computeset(id);
        long end = cs.startTime() + 15 * 60;
        List<String> at14 = notice.due(cms.comet.backend(null), end - 14 * 60 - 30);
        assertEquals(1, at14.size(), at14.toString());
        assertTrue(at14.get(0).startsWith("computeset " + id + " (cluster " + vc + ") ends in 14 min, at ")
                && at14.get(0).endsWith(": extend it with 'comet computeset extend " + id + " --by 1h'"), at14.get(0));
        assertEquals(List.of(), notice.due(cms.comet.backend(null), end - 13 * 60));
        List<String> at4 = notice.due(cms.comet.backend(null), end - 4 * 60 - 10);
        assertTrue(at4.size() == 1 && at4.get(0).contains(" ends in 4 min, "), at4.toString());
        assertEquals(List.of(), notice.due(cms.comet.backend(null), end - 3 * 60));

        ok(cms, "terminate", String.valueOf(id));
        has(fails(cms, "computeset", "extend", String.valueOf(id), "--by", "5m"),
                "computeset " + id + " is cancelled: only a running or pending computeset can be extended");
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void beginAndReservation(Mode mode) throws Exception {
        TestContext cms = shell(mode);
        ok(cms, "cluster", "create", vc, "--computes", "2");
        has(fails(cms, "start", vc, "--count", "1", "--begin", "soon"), "use Slurm's time grammar");
        assertEquals("", remote("squeue -h -n cms-" + vc + "-1 -o %i").strip(), "nothing submitted");

        long before = System.currentTimeMillis() / 1000;
        long id = start(cms, vc, "--count", "1", "--walltime", "5m", "--begin", "now+5seconds");
        ok(cms, "computeset", String.valueOf(id));
        assertTrue(cms.printed().contains("| state         | submitted") && cms.printed().contains("| reason        | BeginTime"),
                cms.printed());
        Computeset cs = waitFor(cms, id, CsState.RUNNING, Duration.ofSeconds(90));
        assertTrue(cs.startTime() >= before + 5, "started on time, not before: " + cs);
        ok(cms, "computeset", String.valueOf(id));
        assertFalse(cms.printed().contains("BeginTime"), "no stale reason: " + cms.printed());
        ok(cms, "terminate", String.valueOf(id));

        // reservations: administrators only; a set in one runs on its nodes, and must fit its nodes and window
        String r = vc + "-r";
        TestContext admin = mode == Mode.REMOTE ? as("root-admin") : cms;
        if (mode == Mode.REMOTE) {
            has(fails(cms, "reservation", "create", r, "--nodes", "1", "--start", "now", "--duration", "10m"),
                "only an administrator may create reservations");
        }
        has(fails(admin, "reservation", "create", vc + ";id", "--nodes", "1", "--start", "now", "--duration", "10m"),
                "invalid reservation name");
        ok(admin, "reservation", "create", r, "--nodes", "1", "--start", "now", "--duration", "10m");
        has(fails(admin, "reservation", "create", r, "--nodes", "1", "--start", "now", "--duration", "10m"),
                "Slurm refused reservation " + r + ": ");   // Duplicate reservation name, or nodes busy on a shared testbed
        // Slurm either grants fewer nodes (cms deletes that reservation again) or refuses at once, as it decides
        String partial = fails(admin, "reservation", "create", vc + "-r2", "--nodes", "4", "--start", "now", "--duration", "10m");
        assertTrue(partial.contains("nodes from now (the others are busy or reserved): nothing was reserved")
                || partial.contains("Slurm refused reservation " + vc + "-r2: Requested nodes are busy"), partial);
        assertFalse(remote("scontrol -o show reservation").contains("ReservationName=" + vc + "-r2 "));
        ok(cms, "reservation", "list");
        String listed = cms.printed().lines().filter(l -> l.contains("| " + r + " ")).findFirst().orElse("");
        assertTrue(listed.contains(tb.account()), cms.printed());
        String nodes = listed.split("\\|")[2].strip();

        has(fails(cms, "start", vc, "--count", "2", "--walltime", "5m", "--reservation", r), "holds only 1");
        has(fails(cms, "start", vc, "--count", "1", "--walltime", "20m", "--reservation", r), "after reservation " + r + " ends");
        has(fails(cms, "start", vc, "--count", "1", "--walltime", "5m", "--reservation", r, "--begin", "now+1hour"),
                "before the computeset would start");
        long in = start(cms, vc, "--count", "1", "--walltime", "5m", "--reservation", r);
        cs = waitFor(cms, in, CsState.RUNNING, Duration.ofSeconds(90));
        assertEquals(Hostlist.expand(nodes), Hostlist.expand(cs.hosts()), "runs on the reservation's node");
        ok(cms, "terminate", String.valueOf(in));
        ok(admin, "reservation", "delete", r);
        assertFalse(remote("scontrol -o show reservation").contains("ReservationName=" + r + " "));
    }
}
