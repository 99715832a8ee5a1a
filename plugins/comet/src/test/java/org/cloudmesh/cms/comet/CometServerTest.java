package org.cloudmesh.cms.comet;

import org.cloudmesh.cms.comet.computeset.StartRequest;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.comet.remote.RemoteService;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Store;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * comet in both modes against the real testbed: direct (this JVM drives Slurm and libvirt) and remote (a real
 * {@code cms server} from the built distribution does, the shell talks to it with signed requests after
 * {@code comet init}). The same commands print the same and fail with the same errors and exit status. Then what
 * only a server faces: another project's cluster, 50 concurrent clients, a SIGKILL.
 */
@Tag("integration")
class CometServerTest {
    enum Mode { DIRECT, REMOTE }

    static TestbedSupport tb;
    static SshClient ssh;
    static Connect observer;
    static CmsServer server;
    @TempDir
    static Path serverHome;

    @TempDir
    Path home;
    final String vc = "sv" + Integer.toString(new Random().nextInt(1 << 30), 36);
    final List<TestContext> shells = new ArrayList<>();
    /** The user of this test's remote shell: a user of its own, whose one-time codes no other test takes. */
    String remoteUser;

    @BeforeAll
    static void up() throws Exception {
        tb = TestbedSupport.require();
        ssh = new SshClient(tb.knownHosts());
        observer = new Connect(tb.libvirtUri());
        server = CmsServer.start(tb, serverHome, "alice", tb.account());
    }

    @AfterAll
    static void down() throws Exception {
        if (server != null) server.close();
        if (ssh != null) ssh.close();
        if (observer != null) observer.close();
    }

    @AfterEach
    void cleanUp() throws Exception {
        for (String line : remote("squeue -h -o '%i %j'").split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 2 && f[1].startsWith("cms-" + vc + "-")) remote("scancel " + f[0]);
        }
        for (String name : domains(false)) {
            Domain d = observer.domainLookupByName(name);
            if (d.isActive() == 1) d.destroy();
            d.undefine();
        }
        for (TestContext t : shells) t.close();
        try (var isos = java.nio.file.Files.newDirectoryStream(Path.of(tb.get("ISO_DIR")), vc + "*.iso")) {
            for (Path p : isos) java.nio.file.Files.deleteIfExists(p);
        }
    }

    TestContext shell(Mode m) throws Exception {
        TestContext t;
        if (m == Mode.DIRECT) {
            t = new TestContext(home.resolve("direct"));
            java.nio.file.Files.createDirectories(t.home());
            t.importFile(tb.fragment());
        } else {
            remoteUser = server.enroll();
            t = server.client(home.resolve("remote"), remoteUser);
        }
        shells.add(t);
        return t;
    }

    String remote(String command) {
        return ssh.exec(tb.target(), command, Duration.ofSeconds(30)).stdout();
    }

    /** Slurm jobs of this test's cluster that squeue still lists as pending or running. */
    List<String> liveJobs() {
        List<String> out = new ArrayList<>();
        for (String line : remote("squeue -h -t PD,R,CG -o '%i %j %T'").split("\n")) {
            String[] f = line.strip().split(" ");
            if (f.length == 3 && f[1].startsWith("cms-" + vc + "-") && !f[2].equals("COMPLETING")) out.add(line.strip());
        }
        return out;
    }

    List<String> domains(boolean runningOnly) throws LibvirtException {
        List<String> out = new ArrayList<>();
        for (Domain d : observer.listAllDomains(runningOnly ? 1 : 0)) {
            String n = d.getName();
            if (n.equals(vc) || n.startsWith("vm-" + vc + "-")) out.add(n);
        }
        return out;
    }

    static void ok(TestContext t, String... words) {
        int rc = t.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + t.printed() + t.errText());
    }

    static String fails(TestContext t, String... words) {
        int rc = t.run(words);
        assertEquals(1, rc, String.join(" ", words) + " should fail:\n" + t.printed() + t.errText());
        String all = t.errText().strip();
        String err = all.substring(all.lastIndexOf('\n') + 1);
        assertTrue(err.startsWith("ERROR: "), all);
        assertFalse(all.contains("\tat "), all);
        return err;
    }

    Store serverStore() {
        return Store.open(serverHome.resolve("comet.db"));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void createStartListPowerTerminateDelete(Mode mode) throws Exception {
        TestContext cms = shell(mode);
        ok(cms, "cluster", "create", vc, "--computes", "3");
        assertTrue(cms.printed().contains("compute nodes vm-" + vc + "-[0-2], allocations " + tb.account()), cms.printed());

        ok(cms, "start", vc, "--count", "2", "--walltime", "10m", "--wait");
        String out = cms.printed();
        assertTrue(out.startsWith("Request accepted! Check status with:\ncomet cluster " + vc + "\nor:\ncomet computeset "), out);
        String id = out.split("\n")[3].substring("comet computeset ".length());
        assertTrue(out.contains("walltime 10m, allocation " + tb.account() + ")\nComputeset " + id + " is running: vm-"
                + vc + "-[0-1] on c"), out);
        assertEquals(List.of("vm-" + vc + "-0", "vm-" + vc + "-1"), domains(true).stream().sorted().toList());

        ok(cms, "computeset", "--output", "json");
        assertTrue(cms.printed().contains("\"state\" : \"running\""), cms.printed());
        ok(cms, "computeset", "--cluster", vc, "--output", "csv");
        assertTrue(cms.printed().contains("\n" + id + "," + vc + ",running," + tb.account() + ",vm-" + vc + "-[0-1],c"), cms.printed());
        ok(cms, "cluster", vc, "--status");
        assertTrue(cms.printed().contains("| vm-" + vc + "-0 | active  | " + id), cms.printed());
        ok(cms, "ll");
        assertTrue(cms.printed().contains("| " + vc + " "), cms.printed());

        String n0 = "vm-" + vc + "-0";
        ok(cms, "power", "off", vc, n0);
        assertEquals("Request Accepted. In the process of power off " + n0 + "\n", cms.printed());
        assertEquals(List.of("vm-" + vc + "-1"), domains(true));
        ok(cms, "power", "on", vc, n0);
        assertEquals(2, domains(true).size());
        ok(cms, "power", "reboot", vc, id);
        assertEquals("Request Accepted. In the process of reboot vm-" + vc + "-[0-1]\n", cms.printed());
        assertTrue(fails(cms, "power", "off", vc, id).contains("Action NOT SUPPORTED"));
        assertTrue(fails(cms, "power", "on", vc, "vm-" + vc + "-2").contains("start the node(s) with 'comet start' first"));
        assertTrue(fails(cms, "start", vc, "vm-" + vc + "-1", "--walltime", "5m").contains("Some nodes are already in active computesets"));
        assertTrue(fails(cms, "cluster", "delete", vc).contains("has active computesets"));
        ok(cms, "node", "info", vc, n0);
        assertTrue(cms.printed().contains("| state             | active"), cms.printed());

        ok(cms, "terminate", id);
        assertTrue(cms.printed().startsWith("Request Accepted. In the process of terminating the computeset\n(computeset "
                + id + " cancelled, Slurm job "), cms.printed());
        assertEquals(List.of(), liveJobs(), "no Slurm job left");
        assertEquals(List.of(), domains(true), "no VM left running");
        ok(cms, "computeset", id);
        assertTrue(cms.printed().contains("| state         | cancelled"), cms.printed());
        assertTrue(cms.printed().contains("| reason        | terminated by " + (mode == Mode.REMOTE ? remoteUser : System.getProperty("user.name"))),
                cms.printed());
        ok(cms, "cluster", "delete", vc);
        assertEquals("Deleted cluster " + vc + "\n", cms.printed());
        assertEquals(List.of(), domains(false));
    }

    @ParameterizedTest
    @EnumSource(Mode.class)
    void isoRenameAndConsoleLink(Mode mode) throws Exception {
        TestContext cms = shell(mode);
        ok(cms, "cluster", "create", vc, "--computes", "2");
        byte[] b = new byte[0x9000];
        System.arraycopy("\u0001CD001".getBytes(java.nio.charset.StandardCharsets.US_ASCII), 0, b, 0x8000, 6);
        Path iso = java.nio.file.Files.write(home.resolve("image.iso"), b);
        String name = vc + "-a.iso";
        ok(cms, "iso", "upload", iso.toString(), "--isoname", name);
        assertTrue(cms.printed().startsWith("Uploaded " + name + " (36864 bytes, sha256 "), cms.printed());
        assertTrue(fails(cms, "iso", "upload", iso.toString(), "--isoname", name).contains("already exists"));
        assertTrue(fails(cms, "iso", "upload", home.resolve("none.iso").toString()).contains("no such file"));
        ok(cms, "iso", "list");
        assertTrue(cms.printed().contains(": " + name + "\n"), cms.printed());
        ok(cms, "iso", "attach", name, vc);
        assertEquals(vc + ": ISO " + name + " attached; takes effect when the node is next powered on\n", cms.printed());
        ok(cms, "node", "info", vc);
        assertTrue(cms.printed().contains("| iso               | " + name), cms.printed());
        ok(cms, "iso", "detach", vc);
        assertEquals(vc + ": ISO detached; takes effect when the node is next powered on\n", cms.printed());

        ok(cms, "node", "rename", vc, "vm-" + vc + "-[0-1]", "n-" + vc + "-[0-1]", "--yes");
        assertEquals("vm-" + vc + "-0 -> n-" + vc + "-0\nvm-" + vc + "-1 -> n-" + vc + "-1\nRenamed 2 node(s) of " + vc
                + " (0 libvirt domain(s)).\n", cms.printed());
        ok(cms, "cluster", vc, "--concise");
        assertTrue(cms.printed().contains("| n-" + vc + "-1 "), cms.printed());

        // console links: through the server they need a fresh one-time code, then answer as the shell does
        String[] link = {"console", "--link", vc};
        if (mode == Mode.REMOTE) {
            assertEquals("ERROR: a console link needs a fresh one-time code: give --otp CODE (6 digits from your authenticator)",
                    fails(cms, link));
            link = new String[] {"console", "--link", vc, "--otp", server.codeOf(remoteUser)};
        }
        assertEquals("ERROR: " + vc + " is not running: power it on first ('comet power on')", fails(cms, link));
        assertTrue(fails(cms, "console", vc).contains(mode == Mode.REMOTE ? "the serial console through a server needs a fresh one-time code"
                : vc + " is not running"), cms.errText());
        ok(cms, "cluster", "delete", vc);
    }

    @Test
    void badInputGivesTheSameErrorAndStatusInBothModes() throws Exception {
        TestContext direct = shell(Mode.DIRECT);
        TestContext remote = shell(Mode.REMOTE);
        String a = tb.account();
        String[][] commands = {
            {"cluster", "create", vc, "--computes", "2", "--allocation", "nosuchacct," + a},
            {"start", vc, "vm-[3-1]"},
            {"start", vc, "vm-" + vc + "-[0-1", "--allocation", a},
            {"start", vc, "n[1-200000]"},
            {"start", vc, "--count", "0"},
            {"start", vc, "--count", "x"},
            {"start", vc},
            {"start", vc, "--count", "1", "--walltime", "5x", "--allocation", a},
            {"start", vc, "--count", "1", "--walltime", "-1h", "--allocation", a},
            {"start", vc, "--count", "1", "--walltime", "3d", "--allocation", a},
            {"start", vc, "--count", "17", "--allocation", a},
            {"start", vc, "--count", "1"},
            {"start", vc, "--count", "1", "--allocation", "other"},
            {"start", "no-such", "--count", "1"},
            {"start", vc, "vm-" + vc + "-7", "--allocation", a},
            {"start", "vc1;reboot", "--count", "1"},
            {"start", vc, "--count", "1", "--allocation", a, "--reservation", "$(id)"},
            {"cluster", "create", "a<b>", "--computes", "1"},
            {"cluster", "create", vc, "--computes", "1"},
            {"cluster", "no-such"},
            {"terminate", "999999"},
            {"terminate", "x"},
            {"computeset", "999999"},
            {"node", "info", vc, "vm-x"},
            {"power", "levitate", vc},
            {"power", "on", vc, "vm-" + vc + "-1"},
            {"power", "reboot", vc, "vm-" + vc + "-9"},
            {"iso", "attach", "nosuch.iso", vc},
            {"node", "rename", vc, "vm-" + vc + "-[0-1]", "x", "--yes"},
            {"start", vc, "--count", "1", "--allocation", "nosuchacct", "--walltime", "5m"},
        };
        int ok = 0;
        for (String[] c : commands) {
            int d = direct.run(c);
            String de = direct.errText().strip();
            int r = remote.run(c);
            String re = remote.errText().strip();
            String what = String.join(" ", c);
            assertEquals(d, r, what + "\ndirect: " + de + "\nremote: " + re);
            assertEquals(direct.printed(), remote.printed(), what);
            assertEquals(normal(de), normal(re), what);
            if (d == 0) {
                ok++;
            } else {
                assertEquals(1, d, what);
                assertTrue(de.startsWith("ERROR: ") && !de.contains("\tat "), what + ": " + de);
            }
        }
        assertEquals(1, ok, "only the first command succeeds");
        assertTrue(remote.errText().contains("Slurm refused the computeset: Batch job submission failed: Invalid account"), remote.errText());
    }

    /** Ids differ between the two stores, and the server's ISO list holds other tests' images. */
    static String normal(String err) {
        return err.replaceAll("computeset [0-9]+", "computeset N").replaceAll("ISO list \\(.*\\)$", "ISO list (...)");
    }

    @Test
    void anotherProjectsClusterAnswersLikeOneThatDoesNotExist() throws Exception {
        TestContext alice = shell(Mode.REMOTE);
        ok(alice, "cluster", "create", vc, "--computes", "1");
        ok(alice, "start", vc, "--count", "1", "--walltime", "5m");
        String id = alice.printed().split("\n")[3].substring("comet computeset ".length());

        if (!server.secrets.containsKey("bob")) server.addOther("bob", "otherproj");
        TestContext bob = server.client(home.resolve("bob"), "bob");
        shells.add(bob);
        ok(bob, "ll");
        assertFalse(bob.printed().contains(vc), bob.printed());
        ok(bob, "computeset", "--state", "all");
        assertFalse(bob.printed().contains(vc), bob.printed());
        for (String[] c : new String[][] {{"cluster", vc}, {"node", "info", vc}, {"start", vc, "--count", "1", "--allocation", tb.account()},
                {"power", "on", vc}, {"cluster", "delete", vc}, {"iso", "detach", vc}}) {
            String mine = fails(bob, c);
            String none = fails(bob, String.join("\u0000", c).replace(vc, vc + "x").split("\u0000"));
            assertEquals(none.replace(vc + "x", vc), mine, String.join(" ", c) + ": no existence leak");
            assertTrue(mine.contains("unknown cluster '" + vc + "'"), mine);
        }
        assertEquals("ERROR: unknown computeset " + id + ": see 'comet computeset'", fails(bob, "terminate", id));
        // a wrong password gets no key
        TestContext eve = new TestContext(home.resolve("eve"));
        shells.add(eve);
        java.io.InputStream in = System.in;
        try {
            System.setIn(new java.io.ByteArrayInputStream("not-the-password\n".getBytes()));
            assertTrue(fails(eve, "init", "--url", server.url, "--user", "bob", "--otp", "123456", "--password-stdin")
                    .contains("refused user bob: wrong password or one-time code"), eve.errText());
        } finally {
            System.setIn(in);
        }
        assertTrue(eve.config().get("cloudmesh.comet.endpoints.server").isEmpty(), "nothing stored");
        assertEquals("ERROR: unknown computeset " + id + ": see 'comet computeset'", fails(bob, "computeset", id));
        ok(alice, "terminate", id);
        assertEquals(List.of(), liveJobs());
    }

    @Test
    void fiftyConcurrentClientsLoseNoRecordAndLeaveNoJob() throws Exception {
        TestContext admin = shell(Mode.REMOTE);
        ok(admin, "cluster", "create", vc, "--computes", "50");
        int clients = 50;
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        Set<Long> started = ConcurrentHashMap.newKeySet();
        Set<Long> ended = ConcurrentHashMap.newKeySet();
        List<Future<String>> results = new ArrayList<>();
        try {
            for (int i = 0; i < clients; i++) {
                results.add(pool.submit(() -> {
                    // a client of its own: own service object, own signatures and nonces
                    CometService s = RemoteService.open(admin.config(), "server");
                    Computeset cs = s.start(new StartRequest(vc, null, 1, 5, null, null, null));
                    started.add(cs.id());
                    Computeset done = s.terminate(cs.id());
                    if (done.state() == CsState.CANCELLED) ended.add(cs.id());
                    return null;
                }));
            }
            List<String> errors = new ArrayList<>();
            for (Future<String> f : results) {
                try {
                    f.get();
                } catch (java.util.concurrent.ExecutionException x) {
                    errors.add(String.valueOf(x.getCause()));
                }
            }
            assertEquals(List.of(), errors);
        } finally {
            pool.shutdownNow();
        }
        assertEquals(clients, started.size(), "50 distinct computesets");
        assertEquals(started, ended, "every one terminated");
        try (Store s = serverStore()) {
            List<Computeset> sets = s.computesets(new Store.CsFilter(null, vc, null, null));
            assertEquals(clients, sets.size(), "no record lost, none extra");
            for (Computeset cs : sets) assertEquals(CsState.CANCELLED, cs.state(), cs.toString());
        }
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!liveJobs().isEmpty() && System.nanoTime() < deadline) Thread.sleep(500);
        assertEquals(List.of(), liveJobs(), "no orphaned Slurm job");
        assertEquals(List.of(), domains(true), "no VM left running");
    }

    @Test
    void aServerKilledWithSigkillLosesNothing() throws Exception {
        TestContext cms = shell(Mode.REMOTE);
        ok(cms, "cluster", "create", vc, "--computes", "2");
        ok(cms, "start", vc, "vm-" + vc + "-0", "--walltime", "10m", "--wait");
        String running = cms.printed().split("\n")[3].substring("comet computeset ".length());
        ok(cms, "start", vc, "vm-" + vc + "-1", "--walltime", "10m");
        String submitted = cms.printed().split("\n")[3].substring("comet computeset ".length());

        server.kill9();
        assertTrue(fails(cms, "computeset").contains("cannot reach the cms server at " + server.url), cms.errText());
        ok(cms, "watch", "--rounds", "1");
        assertTrue(cms.errText().contains("WARNING: cannot reach the cms server at " + server.url), cms.errText());
        server.start();

        // the same key still works; both sets and the cluster are there; the loop took up the second set
        ok(cms, "computeset", "--cluster", vc, "--output", "csv");
        assertTrue(cms.printed().contains("\n" + running + "," + vc + ",running,"), cms.printed());
        assertTrue(cms.printed().contains("\n" + submitted + "," + vc + ","), cms.printed());
        ok(cms, "terminate", running);
        ok(cms, "terminate", submitted);
        assertEquals(List.of(), liveJobs(), "no orphaned Slurm job");
        assertEquals(List.of(), domains(true), "no VM left running");
        ok(cms, "cluster", "delete", vc);
    }
}
