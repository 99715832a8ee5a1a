package org.cloudmesh.cms.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.api.rest.RequestSigner;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * End to end through the built distribution: a cluster made with 'cms cluster create' on the testbed's libvirt,
 * read and changed through a real 'cms server' with signed requests, as two users of two projects.
 */
@Tag(TestbedSupport.INTEGRATION)
class ClusterServerTest {
    static final String PASSWORD = "correct-horse-battery";
    final HttpClient http = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void theServerListsAndChangesClustersOfTheCallersProjectOnly() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        BuiltShell.requirePlugin("cluster");
        Path home = tmp.resolve("home");
        String id = java.util.UUID.randomUUID().toString().substring(0, 6);
        String cloud = "lv" + id;
        String c = "s" + id;
        Path key = tmp.resolve("id_ed25519");
        new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key.toString()).start().waitFor();
        for (String kv : new String[] {"cm.kind=libvirt", "credentials.uri=" + tb.libvirtUri(), "default.image=none",
                "default.flavor=tiny", "default.key=" + key}) {
            ok(home, null, "config", "set", "cloudmesh.cloud." + cloud + "." + kv);
        }
        ok(home, null, "cluster", "create", c, "--cloud", cloud, "--count", "2", "--no-setup", "--project", "p1");
        String alice = ok(home, PASSWORD + "\n", "admin", "user", "add", "alice", "--project", "p1", "--password-stdin", "--secret-only").out().strip();
        String bob = ok(home, PASSWORD + "\n", "admin", "user", "add", "bob", "--project", "p2", "--password-stdin", "--secret-only").out().strip();
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        BuiltShell.Result started = ok(home, null, "server", "start", "--port", String.valueOf(port));
        Matcher m = Pattern.compile("running at (http://\\S+) \\(PID ([0-9]+)").matcher(started.out());
        assertTrue(m.find(), started.toString());
        String url = m.group(1);
        long pid = Long.parseLong(m.group(2));
        try (LibvirtConnection hv = LibvirtConnection.open(tb.libvirtUri())) {
            HttpResponse<String> doc = http.send(HttpRequest.newBuilder(URI.create(url + "/openapi.yaml")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, doc.statusCode(), "the document needs no credentials");
            assertTrue(doc.body().startsWith("openapi: \"3.0.3\""), doc.body());
            HttpResponse<String> anonymous = http.send(HttpRequest.newBuilder(URI.create(url + "/virtualcluster")).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(401, anonymous.statusCode());

            String[] a = getKey(url, "alice", alice);
            String[] b = getKey(url, "bob", bob);
            HttpResponse<String> mine = signed(url, a, "GET", "/virtualcluster");
            assertEquals(200, mine.statusCode(), mine.body());
            JsonNode list = new ObjectMapper().readTree(mine.body());
            assertEquals(c, list.get(0).get("name").asText(), mine.body());
            assertEquals(c + "-manager", list.get(0).get("manager").get("name").asText());
            assertEquals("running", list.get(0).get("nodes").get(1).get("state").asText());
            assertFalse(signed(url, b, "GET", "/virtualcluster").body().contains(c), "bob sees none of p1's clusters");
            assertEquals(404, signed(url, b, "GET", "/virtualcluster/" + c).statusCode());
            assertEquals(404, signed(url, b, "DELETE", "/virtualcluster/" + c).statusCode());

            HttpResponse<String> manager = signed(url, a, "DELETE", "/virtualcluster/" + c + "/manager");
            assertEquals(400, manager.statusCode());
            assertEquals("node", new ObjectMapper().readTree(manager.body()).get("field").asText(), manager.body());
            assertEquals(200, signed(url, a, "DELETE", "/virtualcluster/" + c + "/" + c + "-1").statusCode());
            assertFalse(hv.exists(c + "-1"), "the node's VM is terminated");
            BuiltShell.Result info = ok(home, null, "cluster", "info", c, "--output", "csv");
            assertFalse(info.out().contains(c + "-1,"), "the shell sees the server's change: " + info);

            assertEquals(200, signed(url, a, "DELETE", "/virtualcluster/" + c).statusCode());
            for (String n : hv.domains()) assertFalse(n.startsWith(c + "-"), "left on the hypervisor: " + n);
            BuiltShell.Result audit = ok(home, null, "admin", "audit", "--cluster", c, "--output", "csv");
            assertTrue(audit.out().contains("DELETE /virtualcluster/" + c + "/" + c + "-1"), audit.toString());
            assertTrue(audit.out().contains("cluster create " + c), "the shell's command is in the same trail: " + audit);
        } finally {
            BuiltShell.run(home, null, "server", "stop");
            ProcessHandle.of(pid).ifPresent(p -> {
                if (p.isAlive()) p.destroyForcibly();
            });
            BuiltShell.run(home, null, "cluster", "delete", c, "--yes");
        }
    }

    private static BuiltShell.Result ok(Path home, String stdin, String... args) throws Exception {
        BuiltShell.Result r = BuiltShell.run(home, stdin, args);
        assertEquals(0, r.status(), String.join(" ", args) + ": " + r);
        return r;
    }

    private String[] getKey(String url, String user, String secret) throws Exception {
        HttpRequest req = HttpRequest.newBuilder(URI.create(url + "/getkey"))
                .header("Authorization", "Basic " + Base64.getEncoder().encodeToString((user + ":" + PASSWORD).getBytes(StandardCharsets.UTF_8)))
                .header(RequestSigner.OTP, totp(secret)).build();
        HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
        assertEquals(200, r.statusCode(), r.body());
        JsonNode j = new ObjectMapper().readTree(r.body());
        return new String[] {j.get("key_name").asText(), j.get("key").asText()};
    }

    private HttpResponse<String> signed(String url, String[] key, String method, String path) throws Exception {
        HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url + path)).method(method, HttpRequest.BodyPublishers.noBody());
        new RequestSigner(key[0], key[1]).sign(method, path, null).forEach(b::header);
        return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** RFC 6238: SHA-1, 30 s steps, 6 digits. */
    static String totp(String base32) throws Exception {
        String alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
        java.io.ByteArrayOutputStream key = new java.io.ByteArrayOutputStream();
        int buffer = 0;
        int bits = 0;
        for (char ch : base32.toUpperCase().toCharArray()) {
            int v = alphabet.indexOf(ch);
            if (v < 0) continue;
            buffer = (buffer << 5) | v;
            bits += 5;
            if (bits >= 8) {
                key.write((buffer >> (bits - 8)) & 0xff);
                bits -= 8;
            }
        }
        Mac mac = Mac.getInstance("HmacSHA1");
        mac.init(new SecretKeySpec(key.toByteArray(), "HmacSHA1"));
        byte[] h = mac.doFinal(ByteBuffer.allocate(8).putLong(System.currentTimeMillis() / 30_000).array());
        int o = h[h.length - 1] & 15;
        int bin = ((h[o] & 0x7f) << 24) | ((h[o + 1] & 0xff) << 16) | ((h[o + 2] & 0xff) << 8) | (h[o + 3] & 0xff);
        return String.format("%06d", bin % 1_000_000);
    }
}
