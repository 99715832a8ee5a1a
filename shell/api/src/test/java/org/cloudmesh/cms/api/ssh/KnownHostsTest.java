package org.cloudmesh.cms.api.ssh;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Base64;
import java.util.List;

import org.cloudmesh.cms.api.ssh.KnownHosts.Match;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** known_hosts parsing, matching and trust-on-first-use, on files as OpenSSH writes them. */
class KnownHostsTest {
    // two ed25519 host keys made with ssh-keygen, and their fingerprints as ssh-keygen -l prints them
    static final String KEY1 = "AAAAC3NzaC1lZDI1NTE5AAAAIFRVDHejCUq1J7p1vfKZXCXP/bh2FhDiHoxAvKW5MEBE";
    static final String FP1 = "SHA256:kdzCNFG+H5wA6Iech+z4ctS4c7/3nSiIcDk8dCaaIoY";
    static final String KEY2 = "AAAAC3NzaC1lZDI1NTE5AAAAIJ2Vu4txqfO+rva5aCTtrQmFjbW70MvnBrVkQ7jfdKXg";
    static final String FP2 = "SHA256:SLW9dBUxw3uYJv8FbO9YsodInL/saK4klTLXMcdPNCU";
    /** "[db.example.org]:2222 ssh-ed25519 KEY1" after ssh-keygen -H. */
    static final String HASHED = "|1|JmGcpsTvZUaUeAnEb1yjnqK9HVU=|p94hKNrBHJgmNkNJgyeWAKIqwig= ssh-ed25519 " + KEY1;

    static byte[] key(String base64) {
        return Base64.getDecoder().decode(base64);
    }

    @TempDir
    Path dir;

    @Test
    void hostNamesCarryTheirPortUnlessItIs22() {
        assertEquals("login.example.org", KnownHosts.hostName("login.example.org", 22));
        assertEquals("[127.0.0.1]:2222", KnownHosts.hostName("127.0.0.1", 2222));
        assertEquals("[127.0.0.1]:2222", new SshTarget("127.0.0.1", 2222, "u", Path.of("k")).knownHostsName());
    }

    @Test
    void fingerprintsAndTypesAreThoseOfSshKeygen() {
        assertEquals(FP1, KnownHosts.fingerprint(key(KEY1)));
        assertEquals(FP2, KnownHosts.fingerprint(key(KEY2)));
        assertEquals("ssh-ed25519", KnownHosts.keyType(key(KEY1)));
    }

    @Test
    void parsesPlainMarkedAndCommentedLines() {
        KnownHosts.Entry e = KnownHosts.parse("comet.sdsc.edu,198.202.0.1 ssh-ed25519 " + KEY1 + " root@comet", 3);
        assertEquals(3, e.line());
        assertEquals("comet.sdsc.edu,198.202.0.1", e.hosts());
        assertEquals("ssh-ed25519", e.type());
        assertEquals("root@comet", e.comment());
        assertEquals("", e.marker());
        assertTrue(e.matches("comet.sdsc.edu"));
        assertTrue(e.matches("198.202.0.1"));
        assertTrue(e.matches("COMET.sdsc.edu"), "host names compare case-insensitively");
        assertFalse(e.matches("[comet.sdsc.edu]:2222"), "another port is another host");

        KnownHosts.Entry revoked = KnownHosts.parse("@revoked * ssh-ed25519 " + KEY2, 1);
        assertTrue(revoked.revoked());
        assertTrue(revoked.matches("anything"));

        assertNull(KnownHosts.parse("", 1));
        assertNull(KnownHosts.parse("   # a comment", 1));
        assertNull(KnownHosts.parse("host ssh-ed25519", 1), "too few fields");
        assertNull(KnownHosts.parse("host ssh-ed25519 !!notbase64!!", 1));
        assertNull(KnownHosts.parse("host ssh-rsa " + KEY1, 1), "type field disagrees with the key blob");
    }

    @Test
    void wildcardsNegationsAndHashedNames() {
        KnownHosts.Entry e = KnownHosts.parse("*.sdsc.edu,!bad.sdsc.edu,comet-?? ssh-ed25519 " + KEY1, 1);
        assertTrue(e.matches("login.sdsc.edu"));
        assertFalse(e.matches("bad.sdsc.edu"), "a negated pattern wins");
        assertTrue(e.matches("comet-01"));
        assertFalse(e.matches("comet-001"));
        assertFalse(e.matches("sdsc.edu.evil.org"));

        KnownHosts.Entry hashed = KnownHosts.parse(HASHED, 1);
        assertTrue(hashed.matches("[db.example.org]:2222"));
        assertFalse(hashed.matches("db.example.org"));
        assertFalse(hashed.matches("[db.example.org]:2223"));
    }

    @Test
    void verdictsPinnedUnknownChangedRevoked() throws Exception {
        Path file = dir.resolve("known_hosts");
        Files.writeString(file, String.join("\n",
                "# cms known hosts",
                "[127.0.0.1]:2222 ssh-ed25519 " + KEY1,
                HASHED,
                "@revoked * ssh-ed25519 " + KEY2,
                "@cert-authority *.example.org ssh-ed25519 " + KEY2,
                "") + "\n");
        KnownHosts kh = new KnownHosts(file);
        assertEquals(Match.PINNED, kh.check("[127.0.0.1]:2222", key(KEY1)).match());
        assertEquals(Match.PINNED, kh.check("[db.example.org]:2222", key(KEY1)).match());
        assertEquals(Match.UNKNOWN, kh.check("[127.0.0.1]:2299", key(KEY1)).match());
        KnownHosts.Verdict revoked = kh.check("[127.0.0.1]:2222", key(KEY2));
        assertEquals(Match.REVOKED, revoked.match(), "KEY2 is revoked everywhere");
        assertEquals(4, revoked.entry().line());

        Files.writeString(file, "[127.0.0.1]:2222 ssh-ed25519 " + KEY1 + "\n");
        KnownHosts.Verdict changed = kh.check("[127.0.0.1]:2222", key(KEY2));
        assertEquals(Match.CHANGED, changed.match(), "the file was re-read after it changed");
        assertEquals(1, changed.entry().line());
        assertEquals(KEY1, changed.entry().key());
    }

    @Test
    void trustOnFirstUseAppendsOnceWithOwnerOnlyPermissions() throws Exception {
        Path file = dir.resolve("home/known_hosts");
        KnownHosts kh = new KnownHosts(file);
        assertEquals(Match.UNKNOWN, kh.check("[127.0.0.1]:2222", key(KEY1)).match());
        assertFalse(Files.exists(file), "check never writes");

        assertEquals(Match.PINNED, kh.trustOnFirstUse("[127.0.0.1]:2222", key(KEY1)).match());
        assertEquals(Match.PINNED, kh.trustOnFirstUse("[127.0.0.1]:2222", key(KEY1)).match());
        assertEquals(List.of("[127.0.0.1]:2222 ssh-ed25519 " + KEY1), Files.readAllLines(file));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(file)));

        KnownHosts.Verdict other = kh.trustOnFirstUse("[127.0.0.1]:2222", key(KEY2));
        assertEquals(Match.CHANGED, other.match(), "a pinned host never gets a second key by itself");
        assertEquals(1, Files.readAllLines(file).size());

        // a second client on the same file (another cms process) sees the pin
        assertEquals(Match.PINNED, new KnownHosts(file).check("[127.0.0.1]:2222", key(KEY1)).match());
    }

    @Test
    void appendKeepsExistingLinesAndAddsTheMissingNewline() throws Exception {
        Path file = dir.resolve("known_hosts");
        Files.writeString(file, "# keep me\nlogin ssh-ed25519 " + KEY2, StandardCharsets.UTF_8);
        new KnownHosts(file).trustOnFirstUse("[127.0.0.1]:2222", key(KEY1));
        assertEquals(List.of("# keep me", "login ssh-ed25519 " + KEY2, "[127.0.0.1]:2222 ssh-ed25519 " + KEY1),
                Files.readAllLines(file));
    }

    @Test
    void forgettingAKeyWithSshKeygenStyleEditMakesTheHostUnknownAgain() throws Exception {
        Path file = dir.resolve("known_hosts");
        KnownHosts kh = new KnownHosts(file);
        kh.trustOnFirstUse("[127.0.0.1]:2222", key(KEY1));
        Files.writeString(file, "");            // what ssh-keygen -R leaves behind for a single host
        assertEquals(Match.UNKNOWN, kh.check("[127.0.0.1]:2222", key(KEY2)).match());
        assertEquals(Match.PINNED, kh.trustOnFirstUse("[127.0.0.1]:2222", key(KEY2)).match());
    }

    @Test
    void removeCommandIsReadyToPaste() {
        KnownHosts kh = new KnownHosts(Path.of("/home/u/.cloudmesh/known_hosts"));
        assertEquals("ssh-keygen -R '[127.0.0.1]:2222' -f /home/u/.cloudmesh/known_hosts",
                kh.removeCommand("[127.0.0.1]:2222"));
    }

    /** A VM that is gone leaves no pin behind (the next VM on its forwarded port has its own key); others stay. */
    @Test
    void forgetRemovesOneHostsPinsEvenFromManyThreadsAtOnce() throws Exception {
        Path file = dir.resolve("known_hosts");
        Files.writeString(file, "# mine\n@revoked [127.0.0.1]:2201 ssh-ed25519 " + KEY2 + "\n");
        for (int port = 2201; port <= 2208; port++) new KnownHosts(file).trustOnFirstUse(KnownHosts.hostName("127.0.0.1", port), key(KEY1));
        List<Thread> threads = new java.util.ArrayList<>();
        for (int port = 2201; port <= 2204; port++) {
            String host = KnownHosts.hostName("127.0.0.1", port);
            Thread t = new Thread(() -> new KnownHosts(file).forget(host));
            t.start();
            threads.add(t); // one instance each, as vm delete does
        }
        for (Thread t : threads) t.join();
        String left = Files.readString(file);
        assertTrue(left.startsWith("# mine\n@revoked [127.0.0.1]:2201 ssh-ed25519 "), "comments and revocations stay: " + left);
        for (int port = 2201; port <= 2204; port++) assertFalse(left.contains("\n[127.0.0.1]:" + port + " "), left);
        for (int port = 2205; port <= 2208; port++) assertTrue(left.contains("\n[127.0.0.1]:" + port + " ssh-ed25519 " + KEY1), left);
        assertEquals(Match.UNKNOWN, new KnownHosts(file).check("[127.0.0.1]:2202", key(KEY1)).match());
    }
}
