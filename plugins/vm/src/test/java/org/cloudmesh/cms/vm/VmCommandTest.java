package org.cloudmesh.cms.vm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.libvirt.LibvirtProvider;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a user sees from vm and key before any cloud is contacted: choosing clouds, names, refusals, dry runs. */
class VmCommandTest {
    static final String YAML = """
            cloudmesh:
              profile: {user: alice}
              cloud:
                local:
                  cm: {kind: libvirt}
                  default: {image: none, flavor: small}
                  credentials: {uri: "test:///default"}
                aws:
                  cm: {kind: aws}
                  default: {image: ami-0abc, flavor: t3.micro}
                  credentials: {EC2_ACCESS_ID: TBD, EC2_SECRET_KEY: TBD}
                noimage:
                  cm: {kind: libvirt}
                  default: {flavor: small}
            """;

    @TempDir
    Path tmp;
    TestContext shell;

    @BeforeEach
    void setUp() throws Exception {
        shell = new TestContext(tmp.resolve("home"), YAML, new LibvirtProvider());
    }

    static void assertError(TestContext.Run r, String fragment) {
        assertEquals(1, r.status(), r.toString());
        assertTrue(r.err().startsWith("ERROR: ") && r.err().strip().lines().count() == 1, "one line: " + r);
        assertTrue(r.err().contains(fragment), "expected '" + fragment + "': " + r);
    }

    @Test
    void withoutACloudBootSaysHowToChooseOne() {
        assertError(shell.cms("vm", "boot"), "no cloud chosen: use 'set cloud=NAME' or --cloud NAME (configured: local, aws, noimage)");
    }

    @Test
    void unknownCloudListsTheConfiguredOnes() {
        shell.vars.put("cloud", "azure");
        assertError(shell.cms("vm", "boot"), "unknown cloud 'azure': configured clouds are local, aws, noimage");
        assertError(shell.cms("vm", "list", "--cloud", "gce"), "unknown cloud 'gce'");
    }

    @Test
    void aKindWithoutItsPluginIsNamed() {
        assertError(shell.cms("vm", "boot", "--cloud", "aws"),
                "cloud 'aws' is of kind 'aws', but no plugin provides that kind (installed kinds: libvirt)");
    }

    @Test
    void dryRunShowsNamesFromTheCounterAndChangesNothing() {
        shell.vars.put("cloud", "local");
        TestContext.Run r = shell.cms("vm", "boot", "--n", "2", "--dryrun");
        assertEquals(0, r.status(), r.toString());
        assertEquals("""
                dryrun: would boot alice-vm-1 on cloud local (kind libvirt): image=none flavor=small key=none secgroup=default username=root
                dryrun: would boot alice-vm-2 on cloud local (kind libvirt): image=none flavor=small key=none secgroup=default username=root
                """, r.out());
        assertTrue(shell.cms("vm", "boot", "--dryrun").out().contains("alice-vm-1 "), "the counter did not move");
        assertFalse(Files.exists(shell.home.resolve("vm/cache.json")));
        assertFalse(shell.vars.containsKey("vm"));
    }

    @Test
    void optionBeatsVariableBeatsCloudDefault() {
        shell.vars.put("cloud", "local");
        shell.vars.put("flavor", "medium");
        String out = shell.cms("vm", "boot", "--name", "web[1-2]", "--image", "/srv/img.qcow2", "--dryrun").out();
        assertTrue(out.contains("would boot web1 on cloud local (kind libvirt): image=/srv/img.qcow2 flavor=medium"), out);
        assertTrue(out.contains("would boot web2 "), out);
    }

    @Test
    void cloudOptionIsForOneCommandOnly() {
        shell.vars.put("cloud", "aws");
        TestContext.Run r = shell.cms("vm", "boot", "--cloud", "local", "--dryrun");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().contains("on cloud local"), r.toString());
        assertEquals("aws", shell.vars.get("cloud"));
    }

    @Test
    void missingImageNamesTheThreePlacesToGiveIt() {
        assertError(shell.cms("vm", "boot", "--cloud", "noimage", "--dryrun"),
                "no image for cloud 'noimage': give --image, 'set image=VALUE', or set cloudmesh.cloud.noimage.default.image");
    }

    @Test
    void badNamesAndCountsAreRefused() {
        shell.vars.put("cloud", "local");
        assertError(shell.cms("vm", "boot", "--name", "a;rm -rf /", "--dryrun"), "a;rm -rf /");
        assertError(shell.cms("vm", "boot", "--name", "a[1-2]", "--n", "3", "--dryrun"), "give either several --name NAMES or one --name with --n");
        assertError(shell.cms("vm", "boot", "--n", "0"), "--n 0: give a count from 1 to 1000");
    }

    @Test
    void deleteWithoutNamesNeverMeansEverything() {
        new VmCache(shell.home).put(new Vm("keep-me", "aws", "aws", "i-1", Vm.RUNNING, "ami-0abc", "t3.micro", null, null, "root", null, Map.of()));
        shell.vars.put("cloud", "local");
        assertError(shell.cms("vm", "delete"), "no VM named: give NAMES");
        assertError(shell.cms("vm", "delete", "ghost[1-2]", "--cloud", "local"), "unknown vm ghost[1-2]: nothing done");
        assertTrue(new VmCache(shell.home).get("keep-me").isPresent());
    }

    @Test
    void listShowsTheCacheInEveryFormatWithoutAskingAnyCloud() {
        VmCache cache = new VmCache(shell.home);
        cache.put(new Vm("b1", "aws", "aws", "i-1", Vm.RUNNING, "ami-0abc", "t3.micro", "3.1.2.3", "10.0.0.5", "ubuntu", null, Map.of()));
        TestContext.Run r = shell.cms("vm", "list", "--output", "csv");
        assertEquals("name,cloud,state,image,flavor,public_ip,private_ip,kind\nb1,aws,running,ami-0abc,t3.micro,3.1.2.3,10.0.0.5,aws\n", r.out());
        assertTrue(shell.cms("vm", "list", "--output", "json").out().contains("\"public_ip\" : \"3.1.2.3\""));
    }

    @Test
    void aThousandCachedVmsListQuickly() {
        new VmCache(shell.home).update(m -> {
            for (int i = 0; i < 1000; i++) {
                m.put("n" + i, new Vm("n" + i, "local", "libvirt", "id" + i, Vm.RUNNING, "none", "small", null, "10.0." + i / 250 + "." + i % 250, "root", null, Map.of()));
            }
        });
        for (int i = 0; i < 3; i++) shell.cms("vm", "list"); // warm, as in a running shell
        long t0 = System.nanoTime();
        TestContext.Run r = shell.cms("vm", "list");
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertEquals(1000 + 4, r.out().lines().count());
        assertTrue(ms < 500, "vm list of 1000 cached VMs took " + ms + " ms");
    }

    @Test
    void keyAddRecordsTheOpenSshFingerprint() throws Exception {
        Path pub = tmp.resolve("id.pub");
        // the RFC 8709 test vector key; ssh-keygen -lf prints this fingerprint for it
        Files.writeString(pub, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa805st+WyZijeGLz5FY/L+BM8CE+rEEUExoyS0PTnE test\n");
        TestContext.Run r = shell.cms("key", "add", pub.toString());
        assertEquals(0, r.status(), r.toString());
        String expected = new String(new ProcessBuilder("ssh-keygen", "-lf", pub.toString()).start().getInputStream().readAllBytes()).split(" ")[1];
        assertEquals("key alice " + expected + " " + pub + "\n", r.out());
        assertTrue(shell.cms("key", "list", "--output", "csv").out().contains("alice," + expected + ","));
        Path priv = tmp.resolve("id");
        Files.writeString(priv, "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n-----END OPENSSH PRIVATE KEY-----\n");
        assertError(shell.cms("key", "add", "--name", "oops", priv.toString()), "is not an OpenSSH public key");
        assertFalse(shell.cms("key", "list").out().contains("oops"));
    }
}
