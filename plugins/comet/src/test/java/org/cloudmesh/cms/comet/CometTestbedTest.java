package org.cloudmesh.cms.comet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.util.Hostlist;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;
import org.cloudmesh.cms.comet.store.Node;
import org.cloudmesh.cms.comet.store.Store;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.libvirt.Connect;
import org.libvirt.StorageVol;
import org.libvirt.Domain;
import org.libvirt.LibvirtException;

/**
 * The VC control plane against the real testbed: Slurm over sshd, libvirtd's shared test hypervisor. Each test
 * uses its own cluster name and cleans up its jobs and domains, whatever happens.
 */
@Tag("integration")
class CometTestbedTest {
    static TestbedSupport tb;
    static SshClient ssh;
    /** A second libvirt connection: what another process sees. */
    static Connect observer;

    @TempDir
    Path home;
    TestContext cms;
    String vc;
    final List<String> jobs = new ArrayList<>();

    @BeforeAll
    static void testbed() throws LibvirtException {
        tb = TestbedSupport.require();
        ssh = new SshClient(tb.knownHosts()); // pins this testbed's sshd key (a fixed file would outlive a testbed)
        observer = new Connect(tb.libvirtUri());
    }

    @AfterAll
    static void close() throws LibvirtException {
        if (ssh != null) ssh.close();
        if (observer != null) observer.close();
    }

    @BeforeEach
    void shell() throws Exception {
        cms = new TestContext(home);
        cms.importFile(tb.fragment());
        vc = "it" + Integer.toString(new Random().nextInt(1 << 30), 36);
    }

    @AfterEach
    void cleanUp() throws Exception {
        // whatever the test did: cancel its jobs, remove its domains
        for (Computeset cs : cms.service().store().computesets(new Store.CsFilter(null, vc, null, null))) {
            if (cs.jobId() != null) jobs.add(cs.jobId());
        }
        for (String j : jobs) remote("scancel " + j);
        for (String name : domains()) {
            Domain d = observer.domainLookupByName(name);
            if (d.isActive() == 1) d.destroy();
            d.undefine();
        }
        cms.close();
    }

    ExecResult remote(String command) {
        return ssh.exec(tb.target(), command, Duration.ofSeconds(30));
    }

    /** Domains of this test's cluster, as another libvirt client sees them. */
    List<String> domains() throws LibvirtException {
        List<String> out = new ArrayList<>();
        for (Domain d : observer.listAllDomains(0)) {
            String n = d.getName();
            if (n.equals(vc) || n.startsWith("vm-" + vc + "-")) out.add(n);
        }
        return out;
    }

    List<String> running() throws LibvirtException {
        List<String> out = new ArrayList<>();
        for (Domain d : observer.listAllDomains(1)) {
            String n = d.getName();
            if (n.equals(vc) || n.startsWith("vm-" + vc + "-")) out.add(n);
        }
        return out;
    }

    void ok(String... words) {
        int rc = cms.run(words);
        assertEquals(0, rc, String.join(" ", words) + " failed:\n" + cms.printed() + cms.errText());
    }

    String fails(String... words) {
        int rc = cms.run(words);
        assertEquals(1, rc, String.join(" ", words) + " should fail:\n" + cms.printed() + cms.errText());
        String all = cms.errText().strip();
        String err = all.substring(all.lastIndexOf('\n') + 1);   // progress lines of --wait come before
        assertTrue(err.startsWith("ERROR: "), all);
        assertFalse(err.contains("\tat "), err);
        return err;
    }

    Computeset only() {
        List<Computeset> sets = cms.service().store().computesets(new Store.CsFilter(null, vc, null, null));
        assertEquals(1, sets.size(), sets.toString());
        return sets.get(0);
    }

    /** squeue's state of a job, "" when squeue no longer lists it. */
    String squeue(String job) {
        ExecResult r = remote("squeue -h -t all -j " + job + " -o %T 2>/dev/null");
        return r.stdout().strip();
    }

    String sacct(String job) throws InterruptedException {
        String s = "";
        for (int i = 0; i < 50 && s.isEmpty(); i++) {
            s = remote("sacct -n -P -X -j " + job + " --format=State").stdout().strip();
            if (s.isEmpty()) Thread.sleep(200);
        }
        return s;
    }

    @Test
    void mainPathCreateStartPowerTerminateDelete() throws Exception {
        ok("cluster", "create", vc, "--computes", "3", "--cpus", "2", "--memory", "1G");
        assertTrue(cms.printed().contains("compute nodes vm-" + vc + "-[0-2]"), cms.printed());

        ok("start", vc, "vm-" + vc + "-[0-1]", "--walltime", "10m", "--wait");
        assertTrue(cms.printed().startsWith("Request accepted! Check status with:\ncomet cluster " + vc), cms.printed());
        Computeset cs = only();
        jobs.add(cs.jobId());
        assertEquals(CsState.RUNNING, cs.state());
        assertEquals(10, cs.walltimeMins());
        assertNotNull(cs.startTime());

        // Slurm: one job, RUNNING on two fake hosts, named after cluster and computeset, charged to the account
        ExecResult q = remote("squeue -h -j " + cs.jobId() + " -o '%T|%j|%a|%D|%N|%l'");
        String[] f = q.stdout().strip().split("\\|");
        assertEquals("RUNNING", f[0], q.stdout());
        assertEquals(cms.service().computesets().jobName(cs), f[1]);
        assertTrue(f[1].matches("cms-" + vc + "-" + cs.id() + "-[0-9a-f]{8}"), f[1]);
        assertEquals(tb.account(), f[2]);
        assertEquals("2", f[3]);
        List<String> hosts = Hostlist.expand(f[4]);
        assertEquals("10:00", f[5]);
        assertEquals(cs.hosts(), f[4]);

        // libvirt, seen from another connection: both VMs running, each with its VF as a managed PCI hostdev
        assertEquals(List.of("vm-" + vc + "-0", "vm-" + vc + "-1"), running().stream().sorted().toList());
        for (Node n : cms.service().store().nodesOf(cs.id())) {
            assertTrue(hosts.contains(n.host()), n.host());
            assertNotNull(n.vf(), n.name() + " holds a VF");
            String xml = observer.domainLookupByName(n.name()).getXMLDesc(0);
            String[] p = n.vf().split("[:.]");
            assertTrue(xml.contains("<hostdev mode='subsystem' type='pci' managed='yes'>"), xml);
            assertTrue(xml.contains("<address domain='0x" + p[0] + "' bus='0x" + p[1] + "' slot='0x" + p[2]
                    + "' function='0x" + p[3] + "'/>"), xml);
            assertTrue(xml.contains(n.mac()), xml);
            // its disk: a qcow2 volume named by the node's UUID (a rename keeps it) of the node's size
            String disk = tb.dir().resolve("disks").resolve(n.uuid() + ".qcow2").toString();
            assertTrue(xml.contains("<source file='" + disk + "'/>"), xml);
            StorageVol vol = observer.storageVolLookupByPath(disk);
            assertEquals(n.diskGb() * (1L << 30), vol.getInfo().capacity);
            vol.free();
        }

        ok("computeset", "--output", "json");
        assertTrue(cms.printed().contains("\"state\" : \"running\""), cms.printed());
        ok("cluster", vc, "--status");
        assertTrue(cms.printed().contains("| vm-" + vc + "-0 | active"), cms.printed());

        // power: off frees the VF, on takes one again; reboot and reset keep it running
        String n0 = "vm-" + vc + "-0";
        ok("power", "off", vc, n0);
        assertEquals(List.of("vm-" + vc + "-1"), running());
        assertNull(cms.service().store().node(vc, n0).orElseThrow().vf(), "VF freed when the VM stops");
        ok("power", "on", vc, n0);
        assertTrue(running().contains(n0));
        assertNotNull(cms.service().store().node(vc, n0).orElseThrow().vf());
        ok("power", "reboot", vc, String.valueOf(cs.id()));
        ok("power", "reset", vc, n0);
        assertEquals(2, running().size());
        assertTrue(fails("power", "off", vc, String.valueOf(cs.id())).contains("Action NOT SUPPORTED"));
        assertTrue(fails("power", "on", vc, "vm-" + vc + "-2").contains("start the node(s) with 'comet start' first"));
        // the frontend, on its own host, no VF
        ok("power", "on", vc);
        assertTrue(running().contains(vc));
        assertFalse(observer.domainLookupByName(vc).getXMLDesc(0).contains("<hostdev"));
        ok("power", "off", vc);
        assertFalse(running().contains(vc));

        // a second start of the same nodes is refused; delete is refused while the set is active
        assertTrue(fails("start", vc, "vm-" + vc + "-1", "--walltime", "5m").contains("Some nodes are already in active computesets"));
        assertTrue(fails("cluster", "delete", vc).contains("has active computesets"));

        ok("terminate", String.valueOf(cs.id()));
        assertTrue(cms.printed().startsWith("Request Accepted. In the process of terminating the computeset"));
        assertEquals(CsState.CANCELLED, only().state());
        assertNotNull(only().endTime());
        String sq = squeue(cs.jobId());
        assertTrue(sq.isEmpty() || sq.equals("CANCELLED") || sq.equals("COMPLETING"), sq);
        assertTrue(sacct(cs.jobId()).startsWith("CANCELLED"), "sacct keeps the job as cancelled");
        assertEquals(List.of(), running(), "no VM left running");
        assertEquals(List.of(vc), domains(), "compute domains undefined; the frontend stays defined");
        assertTrue(cms.service().store().usedVfs("local").values().stream().allMatch(s -> s.stream().noneMatch(x -> false)));
        for (Node n : cms.service().store().nodes(vc)) assertNull(n.vf(), n.name() + " VF freed");

        List<String> disks = new ArrayList<>();
        for (Node n : cms.service().store().nodes(vc)) disks.add(tb.dir().resolve("disks").resolve(n.uuid() + ".qcow2").toString());
        observer.storageVolLookupByPath(disks.get(0)).free(); // the frontend's disk, made by its power on
        ok("cluster", "delete", vc);
        assertEquals(List.of(), domains());
        assertTrue(cms.service().store().cluster(vc).isEmpty());
        for (String disk : disks) {
            assertThrows(LibvirtException.class, () -> observer.storageVolLookupByPath(disk), disk + " deleted with the cluster");
        }
    }

    @Test
    void statsWaitJoinsTheComputesetsToSlurmsOwnSubmitAndStart() throws Exception {
        ok("cluster", "create", vc, "--computes", "2");
        ok("start", vc, "--count", "2", "--walltime", "5m", "--wait");
        Computeset cs = only();
        jobs.add(cs.jobId());
        ok("terminate", String.valueOf(cs.id()));
        String times = "";
        for (int i = 0; i < 50 && !times.matches("\\S+\\|\\S+"); i++) { // slurmdbd may lag a moment
            times = remote("sacct -n -P -X -j " + cs.jobId() + " --format=Submit,Start").stdout().strip();
            if (!times.matches("\\S+\\|\\S+")) Thread.sleep(200);
        }
        String[] t = times.split("\\|");
        long expected = java.time.Duration.between(java.time.LocalDateTime.parse(t[0]), java.time.LocalDateTime.parse(t[1])).toSeconds();

        // the store's own times say 1000 s, so only the join to sacct gives Slurm's figure
        cms.service().store().write(c -> {
            try (var ps = c.prepareStatement("UPDATE computesets SET start_time = submit_time + 1000 WHERE id = ?")) {
                ps.setLong(1, cs.id());
                return ps.executeUpdate();
            }
        });
        ok("stats", "wait", "--cluster", vc, "--output", "json", "--no-slurm");
        assertEquals(1000, ((Number) ((java.util.Map<?, ?>) new org.yaml.snakeyaml.Yaml().load(cms.printed())).get("max")).longValue(),
                cms.printed());
        ok("stats", "wait", "--cluster", vc, "--output", "json");
        java.util.Map<String, Object> got = new org.yaml.snakeyaml.Yaml().load(cms.printed());
        assertEquals(1, got.get("count"), cms.printed());
        assertEquals(0, got.get("not_started"), cms.printed());
        assertEquals(expected, ((Number) got.get("max")).longValue(), "the wait is Slurm's Start - Submit: " + times);
        ok("stats", "wait", "--cluster", vc);
        assertTrue(cms.printed().contains("count"), cms.printed());
    }

    @Test
    void walltimeExpiryCompletesTheSetAndStopsTheVms() throws Exception {
        ok("cluster", "create", vc, "--computes", "1");
        ok("start", vc, "--count", "1", "--walltime", "10m", "--wait");
        Computeset cs = only();
        jobs.add(cs.jobId());
        assertEquals(1, running().size());
        // the job's time runs out: its end time is moved to 2 s from now (a user may shorten a job; TimeLimit has
        // whole minutes only), and slurmctld ends it with TIMEOUT at its next time-limit check (every 30 s)
        ExecResult r = remote("scontrol update JobId=" + cs.jobId() + " EndTime=now+2");
        assertEquals(0, r.exitStatus(), r.stderr());
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (only().state().active() && System.nanoTime() < deadline) {
            ok("watch", "--rounds", "1");
            if (only().state().active()) Thread.sleep(1000);
        }
        Computeset done = only();
        assertEquals(CsState.COMPLETED, done.state(), done.toString());
        assertEquals("walltime reached", done.reason());
        assertTrue(done.slurmState().startsWith("TIMEOUT"), done.slurmState());
        assertEquals(List.of(), running());
        assertEquals(List.of(), domains());
        assertTrue(cms.service().store().usedVfs("local").getOrDefault("c1", java.util.Set.of()).stream()
                .noneMatch(a -> cms.service().store().nodes(vc).stream().anyMatch(n -> a.equals(n.vf()))));
    }

    @Test
    void aNodeThatCannotStartFailsTheSetCancelsTheJobAndStopsTheOthers() throws Exception {
        // c2..c4 point at a libvirt socket that does not exist: whichever hosts Slurm gives, at most one works
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        libvirt:\n          hosts:\n"
                + "            c2: \"test+unix:///default?socket=/nonexistent/sock\"\n"
                + "            c3: \"test+unix:///default?socket=/nonexistent/sock\"\n"
                + "            c4: \"test+unix:///default?socket=/nonexistent/sock\"\n");
        ok("cluster", "create", vc, "--computes", "2");
        String err = fails("start", vc, "--count", "2", "--walltime", "5m", "--wait");
        Computeset cs = only();
        jobs.add(cs.jobId());
        assertEquals(CsState.FAILED, cs.state(), cs.toString());
        assertTrue(err.contains("could not start on c"), err);
        assertTrue(cs.reason().contains("cannot connect to libvirt"), cs.reason());
        String sq = squeue(cs.jobId());
        assertTrue(sq.isEmpty() || sq.equals("CANCELLED") || sq.equals("COMPLETING"), "job cancelled: " + sq);
        assertEquals(List.of(), running(), "the VM that did start was stopped");
        for (Node n : cms.service().store().nodes(vc)) {
            assertNull(n.vf(), "VF of " + n.name() + " freed");
            assertNull(n.computeset());
        }
    }

    @Test
    void aHostWithoutAStoragePoolForTheDisksFailsTheSetWithTheCommandThatMakesOne() throws Exception {
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        libvirt:\n"
                + "          disk_dir: /nonexistent/disks\n");
        ok("cluster", "create", vc, "--computes", "1");
        String err = fails("start", vc, "--count", "1", "--walltime", "5m", "--wait");
        Computeset cs = only();
        jobs.add(cs.jobId());
        assertEquals(CsState.FAILED, cs.state(), cs.toString());
        assertTrue(err.contains("no storage pool on " + tb.libvirtUri() + " holds /nonexistent/disks"), err);
        assertTrue(err.contains("pool-define-as cms-disks dir --target /nonexistent/disks"), err);
        String sq = squeue(cs.jobId());
        assertTrue(sq.isEmpty() || sq.equals("CANCELLED") || sq.equals("COMPLETING"), "job cancelled: " + sq);
        assertEquals(List.of(), running());
    }

    @Test
    void badInputAndRefusalsChangeNothing() throws Exception {
        ok("cluster", "create", vc, "--computes", "2", "--allocation", "nosuchacct,cmsproj");
        long sets = cms.service().store().count("computesets");
        assertTrue(fails("start", vc, "vm-[3-1]").contains("reversed"));
        assertTrue(fails("start", vc, "vm-" + vc + "-[0-1", "--allocation", "cmsproj").contains("not closed"));
        assertTrue(fails("start", vc, "n[1-200000]").contains("more than 100000 names"));
        assertTrue(fails("start", vc, "--count", "0").contains("greater than zero"));
        assertTrue(fails("start", vc, "--count", "x").contains("Invalid count value"));
        assertTrue(fails("start", vc).contains("either the count of nodes, or the names"));
        for (String w : new String[] {"5x", "0m", "-1h"}) {
            assertTrue(fails("start", vc, "--count", "1", "--walltime", w, "--allocation", "cmsproj").contains("walltime"), w);
        }
        assertTrue(fails("start", vc, "--count", "1", "--walltime", "3d", "--allocation", "cmsproj").contains("limits.max_walltime"));
        assertTrue(fails("start", vc, "--count", "17", "--allocation", "cmsproj").contains("limits.max_nodes"));
        assertTrue(fails("start", vc, "--count", "1").contains("several allocations: choose one with --allocation (cmsproj, nosuchacct)"));
        assertTrue(fails("start", "no-such", "--count", "1").contains("unknown cluster 'no-such'"));
        assertTrue(fails("start", vc, "vm-" + vc + "-7", "--allocation", "cmsproj").contains("has no compute node vm-" + vc + "-7"));
        assertTrue(fails("start", "vc1;reboot", "--count", "1").contains("invalid cluster name"));
        assertTrue(fails("start", vc, "--count", "1", "--allocation", "cmsproj", "--reservation", "$(id)").contains("invalid reservation"));
        assertTrue(fails("cluster", "create", "a<b>", "--computes", "1").contains("invalid cluster name"));
        assertTrue(fails("terminate", "999999").contains("unknown computeset 999999"));
        assertTrue(fails("node", "info", vc, "vm-x").contains("has no node"));
        assertEquals(sets, cms.service().store().count("computesets"), "no computeset recorded");

        // Slurm refuses the account: its reason is quoted, the set is recorded as failed, nothing runs
        String err = fails("start", vc, "--count", "1", "--allocation", "nosuchacct", "--walltime", "5m");
        assertTrue(err.contains("Slurm refused the computeset: Batch job submission failed: Invalid account"), err);
        assertEquals(CsState.FAILED, only().state());
        assertNull(only().jobId());
        assertEquals(List.of(), domains());
    }

    @Test
    void theReplOffersAnAllocationMenu() throws Exception {
        ok("cluster", "create", vc, "--computes", "1", "--allocation", "zzz", "--allocation", "cmsproj");
        cms.answers = new java.util.ArrayDeque<>(List.of("7", "1"));
        ok("start", vc, "--count", "1", "--walltime", "5m");
        assertTrue(cms.printed().startsWith("1: cmsproj\t2: zzz\nPick an allocation by specifying its index: "
                + "Pick an allocation by specifying its index: Request accepted!"), cms.printed());
        assertTrue(cms.errText().contains("'7' is neither an index from 1 to 2 nor an allocation name"), cms.errText());
        assertEquals("cmsproj", only().allocation());
        ok("terminate", String.valueOf(only().id()));
    }

    @Test
    void anExhaustedVfPoolIsAClearErrorBeforeAnythingStarts() throws Exception {
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      local:\n        sriov:\n"
                + "          c1: [\"0000:3b:00.1\"]\n          c2: []\n          c3: []\n          c4: []\n");
        ok("cluster", "create", vc, "--computes", "2");
        String err = fails("start", vc, "--count", "2");
        assertTrue(err.contains("SR-IOV VF pools are exhausted: 2 nodes need a free VF on 2 hosts, only 1 have one"), err);
        assertTrue(err.contains("c1 1/1 free, c2 0/0 free"), err);
        assertEquals(0, cms.service().store().count("computesets"));
    }

    @Test
    void aCrashAfterSbatchIsFoundAndFinishedByTheNextCommand() throws Exception {
        ok("cluster", "create", vc, "--computes", "1");
        // what a cms killed right after sbatch leaves: a "created" set, and a job of its name in Slurm
        Comet comet = cms.service();
        Endpoint e = Endpoint.select(cms.config(), null);
        Computeset cs = comet.store().createComputeset(vc, "local", null, 1, "cmsproj", 5, null);
        String job = comet.slurm(e).submit(new org.cloudmesh.cms.comet.slurm.SlurmClient.Submit(comet.computesets().jobName(cs), "cmsproj",
                5, 1, "debug", null, null, true, List.of(), ".cms/jobs"));
        jobs.add(job);
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        do {
            ok("computeset");
        } while (only().state() != CsState.RUNNING && System.nanoTime() < deadline);
        assertEquals(job, only().jobId(), "the job was adopted");
        assertEquals(CsState.RUNNING, only().state());
        assertEquals(List.of("vm-" + vc + "-0"), running());

        // the domain definition vanishes from the host: the store re-creates it
        Domain d = observer.domainLookupByName("vm-" + vc + "-0");
        d.destroy();
        d.undefine();
        ok("cluster", vc);
        assertEquals(List.of("vm-" + vc + "-0"), running(), "re-created from the store");
        ok("terminate", String.valueOf(cs.id()));
        assertEquals(List.of(), running());
    }

    @Test
    void anUnreachableSlurmHostIsAWarningForListingsAndAnErrorForStart() throws Exception {
        cms.importYaml("cloudmesh:\n  comet:\n    endpoints:\n      down:\n        slurm:\n          host: 127.0.0.1\n"
                + "          port: 1\n          user: cmstest\n          key: " + tb.sshKey() + "\n          account: cmsproj\n"
                + "        libvirt:\n          hosts:\n            c1: \"" + tb.libvirtUri() + "\"\n"
                + "        sriov:\n          c1: [\"0000:3b:00.1\"]\n");
        ok("active", "down");
        assertEquals("Current active service endpoint is: down\n", cms.printed());
        ok("cluster", "create", vc, "--computes", "1");
        String err = fails("start", vc, "--count", "1");
        assertTrue(err.contains("cannot reach the Slurm login host") && err.contains("connection refused"), err);
        Computeset cs = only();
        assertTrue(err.endsWith("computeset " + cs.id() + " was not submitted (nothing changed in Slurm); try again when the host answers"), err);
        assertEquals(CsState.FAILED, cs.state(), "sbatch never ran: the set is closed, its node free");
        assertNull(cms.service().store().node(vc, "vm-" + vc + "-0").orElseThrow().computeset());
        ok("computeset", "--state", "failed", "--output", "csv");
        assertTrue(cms.printed().contains("\n" + cs.id() + "," + vc + ",failed,cmsproj,vm-" + vc + "-0,"), cms.printed());
        assertTrue(cms.printed().contains("not submitted: cannot reach the Slurm login host"), cms.printed());
        ok("active", "local");
        assertTrue(fails("active", "nowhere").contains("does not match any available service endpoints"));
    }
}
