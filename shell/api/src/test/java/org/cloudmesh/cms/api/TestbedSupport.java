package org.cloudmesh.cms.api;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import org.cloudmesh.cms.api.ssh.SshTarget;
import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

/**
 * The local testbed (scripts/testbed start) as tests see it: reads {@code $CMS_TESTBED/env} (default
 * {@code /tmp/cms-testbed/env}) and checks that the testbed answers.
 *
 * <pre>
 * &#64;Tag(TestbedSupport.INTEGRATION)
 * class SlurmTest {
 *     &#64;Test void runs() { TestbedSupport tb = TestbedSupport.require(); ... tb.target() ... }
 * }
 * </pre>
 *
 * {@link #require()} skips the calling test with a loud reason when the testbed is not running, and fails it when
 * {@code CI=true} (CI must never pass by skipping). Other modules use it through the cms-api test-jar.
 */
public final class TestbedSupport {
    /** The JUnit tag of every test that needs the testbed. */
    public static final String INTEGRATION = "integration";
    public static final Path DEFAULT_DIR = Path.of("/tmp/cms-testbed");

    private static final Object LOCK = new Object();
    private static TestbedSupport found;
    private static String problem;
    private static boolean warned;

    private final Path dir;
    private final Map<String, String> env;

    private TestbedSupport(Path dir, Map<String, String> env) {
        this.dir = dir;
        this.env = env;
    }

    /**
     * The running testbed. When it is not running: in CI ({@code CI=true}) the test fails, elsewhere it is skipped
     * (aborted) with the reason and the command that starts the testbed.
     */
    public static TestbedSupport require() {
        TestbedSupport tb = locate();
        if (tb != null) {
            return tb;
        }
        String reason = "testbed not running: " + problem + " -- run scripts/testbed start";
        if (inCi()) {
            Assertions.fail(reason + " (CI=true: integration tests must run, not skip)");
        }
        warnOnce(reason);
        Assumptions.abort("SKIPPED (integration): " + reason);
        throw new AssertionError("unreachable");
    }

    /** The running testbed with qemu:///session (started with --qemu); skips or fails as {@link #require()}. */
    public static TestbedSupport requireQemu() {
        TestbedSupport tb = require();
        if (!tb.qemu()) {
            String reason = "the testbed in " + tb.dir + " runs without qemu -- run scripts/testbed start --qemu";
            if (inCi()) {
                Assertions.fail(reason + " (CI=true: .ci/run starts it with --qemu)");
            }
            warnOnce(reason);
            Assumptions.abort("SKIPPED (integration, qemu): " + reason);
        }
        return tb;
    }

    /** Whether the testbed is running, without skipping or failing anything. */
    public static boolean running() {
        return locate() != null;
    }

    /** {@code $CMS_TESTBED}, or /tmp/cms-testbed. */
    public static Path directory() {
        String value = System.getenv("CMS_TESTBED");
        return value == null || value.isBlank() ? DEFAULT_DIR : Path.of(value);
    }

    static boolean inCi() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    private static TestbedSupport locate() {
        synchronized (LOCK) {
            if (found != null || problem != null) {
                return found;
            }
            Path dir = directory();
            Path envFile = dir.resolve("env");
            if (!Files.isRegularFile(envFile)) {
                problem = envFile + " does not exist";
                return null;
            }
            Map<String, String> env;
            try {
                env = parseEnv(Files.readAllLines(envFile, StandardCharsets.UTF_8));
            } catch (IOException e) {
                problem = "cannot read " + envFile + ": " + e.getMessage();
                return null;
            }
            TestbedSupport tb = new TestbedSupport(dir, env);
            for (String key : List.of("SSH_PORT", "SSH_USER", "SSH_KEY", "HOSTS", "LIBVIRT_URI")) {
                if (env.getOrDefault(key, "").isEmpty()) {
                    problem = envFile + " has no " + key;
                    return null;
                }
            }
            if (!answers(tb.sshHost(), tb.sshPort())) {
                problem = "nothing answers on " + tb.sshHost() + ":" + tb.sshPort() + " (sshd of " + dir + ")";
                return null;
            }
            if (!Files.exists(Path.of("/run/libvirt/libvirt-sock"))) {
                problem = "libvirtd is not running (no /run/libvirt/libvirt-sock)";
                return null;
            }
            found = tb;
            return tb;
        }
    }

    private static boolean answers(String host, int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress(host, port), 1000);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static void warnOnce(String reason) {
        synchronized (LOCK) {
            if (!warned) {
                warned = true;
                System.err.println("\n*** SKIPPING integration tests: " + reason + " ***\n");
            }
        }
    }

    /** Parses {@code KEY='value'} / {@code KEY=value} lines (as scripts/testbed writes them); # starts a comment. */
    public static Map<String, String> parseEnv(List<String> lines) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String raw : lines) {
            String line = raw.strip();
            int eq = line.indexOf('=');
            if (line.isEmpty() || line.startsWith("#") || eq <= 0) {
                continue;
            }
            String key = line.substring(0, eq);
            String value = line.substring(eq + 1);
            if (value.length() >= 2 && (value.startsWith("'") && value.endsWith("'")
                    || value.startsWith("\"") && value.endsWith("\""))) {
                value = value.substring(1, value.length() - 1);
            }
            env.put(key, value);
        }
        return env;
    }

    // ------------------------------------------------------------------------------------------------ accessors

    /** The testbed directory ($CMS_TESTBED). */
    public Path dir() {
        return dir;
    }

    /** A raw value of the env file, or "" when absent. */
    public String get(String key) {
        return env.getOrDefault(key, "");
    }

    public String sshHost() {
        String host = get("SSH_HOST");
        return host.isEmpty() ? "127.0.0.1" : host;
    }

    public int sshPort() {
        return Integer.parseInt(get("SSH_PORT"));
    }

    /** The non-root test user (cmstest) that owns the Slurm account. */
    public String user() {
        return get("SSH_USER");
    }

    /** The test user's private key. */
    public Path sshKey() {
        return Path.of(get("SSH_KEY"));
    }

    /** The sshd's public host key, e.g. {@code ssh-ed25519 AAAA...}. */
    public String hostKey() {
        return get("SSH_HOST_KEY");
    }

    /** The sshd's known_hosts line, e.g. {@code [127.0.0.1]:2222 ssh-ed25519 AAAA...}. */
    public String knownHostsLine() {
        return get("SSH_KNOWN_HOSTS_LINE");
    }

    /** A known_hosts file that pins the sshd's key. */
    public Path knownHosts() {
        return Path.of(get("SSH_KNOWN_HOSTS"));
    }

    /** Where cms logs in to reach Slurm: the test user on the testbed's sshd. */
    public SshTarget target() {
        return new SshTarget(sshHost(), sshPort(), user(), sshKey());
    }

    /** The fake physical hosts (Slurm nodes), c1..cN. */
    public List<String> hosts() {
        return Arrays.asList(get("HOSTS").trim().split("\\s+"));
    }

    /** The Slurm account (allocation) of the test user. */
    public String account() {
        return get("ACCOUNT");
    }

    public String partition() {
        return get("PARTITION");
    }

    public String cluster() {
        return get("CLUSTER");
    }

    public Path slurmConf() {
        return Path.of(get("SLURM_CONF"));
    }

    /** The persistent fake hypervisor every host maps to: test+unix:///default. */
    public String libvirtUri() {
        return get("LIBVIRT_URI");
    }

    /** Whether qemu:///session of the test user is available (started with --qemu). */
    public boolean qemu() {
        return "yes".equals(get("QEMU"));
    }

    /** qemu:///session of the test user, reached over ssh with libvirt's libssh transport and the pinned host key. */
    public String qemuUri() {
        return get("QEMU_URI");
    }

    /**
     * The YAML of a libvirt cloud entry {@code name} (for under {@code cloudmesh.cloud}, indented four spaces) that
     * boots the testbed's guest image as its cloud {@code local} does: real guests under qemu:///session, ssh
     * forwarded on 127.0.0.1, volumes in the session's pool cms-vms. A test's own name keeps its VMs apart.
     */
    public String guestCloud(String name) {
        Path guest = dir.resolve("guest");
        String cmdline;
        try {
            cmdline = java.nio.file.Files.readString(guest.resolve("cmdline")).strip();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("the testbed has no guest image (scripts/testbed start --qemu)", e);
        }
        Path stack = dir.resolve("stack");
        // the Slurm stack image, when the testbed built it (start --qemu does)
        String slurm = java.nio.file.Files.isRegularFile(stack.resolve("root.qcow2"))
                ? "        slurm: {kernel: %s, initrd: %s, cmdline: \"%s\", disk: %s, stacks: [slurm], flavor: tiny}\n".formatted(
                        guest.resolve("vmlinux"), stack.resolve("initrd.gz"), cmdline, stack.resolve("root.qcow2")) : "";
        return """
                    %s:
                      cm: {kind: libvirt}
                      default: {image: cms-guest, flavor: nano, username: root, network: user}
                      credentials: {uri: "%s"}
                      pool: cms-vms
                      images:
                        cms-guest: {kernel: %s, initrd: %s, cmdline: "%s"}
                """.formatted(name, sessionUri(), guest.resolve("vmlinux"), guest.resolve("initrd.gz"), cmdline) + slurm;
    }

    /** Test clean-up: the session's domains {@code names} destroyed and undefined, their volumes deleted. */
    public void removeGuests(List<String> names) {
        try (org.cloudmesh.cms.api.libvirt.LibvirtConnection hv = org.cloudmesh.cms.api.libvirt.LibvirtConnection.open(sessionUri())) {
            for (String n : names) {
                if (hv.exists(n)) {
                    if (hv.state(n).active()) hv.destroy(n);
                    hv.undefine(n);
                }
                hv.deleteVolume("cms-vms", n + "-seed.iso");
                hv.deleteVolume("cms-vms", n + ".qcow2");
            }
        }
    }

    /**
     * The same qemu:///session through its unix socket (root may connect to it): what the testbed's cloud local uses,
     * since libvirt 9.0's libssh transport can hang in a call with a larger answer.
     */
    public String sessionUri() {
        return get("SESSION_URI");
    }

    public Path isoDir() {
        return Path.of(get("ISO_DIR"));
    }

    /** The cloudmesh.yaml fragment (for cms config import). */
    public Path fragment() {
        return Path.of(get("FRAGMENT"));
    }

    @Override
    public String toString() {
        return "testbed " + dir + " (" + user() + "@" + sshHost() + ":" + sshPort() + ", hosts " + hosts() + ")";
    }
}
