package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;

/**
 * Work on a cluster's machines, always through its manager: cms logs in to the manager (pinned host key, the user's
 * key) and the manager reaches the nodes with the cluster's own key and ssh config in {@code ~/.cms/cluster/NAME}
 * (host keys trusted on first use and pinned there, connections multiplexed). One remote command fans out to every
 * node in parallel and brings back each node's exit status, stdout and stderr. Every word that reaches a shell is
 * quoted with {@link ShellQuote#quote}; node and cluster names are validated names.
 */
final class Remote implements AutoCloseable {
    /** What one node did. {@code status} 255 with an ssh error means the node could not be reached. */
    record Result(String node, int status, byte[] stdout, String stderr) {
        String out() {
            return new String(stdout, StandardCharsets.UTF_8);
        }

        boolean unreachable() {
            return status == 255 && stderr.strip().startsWith("ssh:");
        }
    }

    /** At most this many nodes are reached at once from the manager (in waves beyond it). */
    static final int FAN_OUT = 64;

    private final Cluster cluster;
    private final SshClient ssh;
    private final SshTarget manager;

    Remote(Path home, Cluster cluster) {
        this.cluster = cluster;
        Member m = cluster.manager().orElseThrow(() -> new CmsException("cluster '" + cluster.name() + "' has no manager"));
        String ip = m.address();
        if (ip == null) {
            throw new CmsException("the manager " + m.name() + " of cluster '" + cluster.name() + "' has no address (state "
                    + m.state() + "): start it with 'cluster start " + cluster.name() + "'");
        }
        if (cluster.key() == null) throw new CmsException("cluster '" + cluster.name() + "' records no ssh key for its manager");
        this.manager = new SshTarget(ip, m.port(cluster.port()), cluster.user(), Path.of(cluster.key()));
        this.ssh = new SshClient(home.resolve("known_hosts"));
    }

    /** The cluster's directory on the manager, relative to the login user's home. */
    static String dir(String cluster) {
        return ".cms/cluster/" + cluster;
    }

    ExecResult exec(String command, Duration timeout) {
        return ssh.exec(manager, command, timeout);
    }

    /**
     * Puts the ssh config, hosts file and cluster key on the manager (mode 0600 in a 0700 directory). The two text
     * files travel base64-encoded on the command line, not on standard input: dropbear (small images, the testbed's
     * guest) was seen to lose an end-of-file sent right after a command started, and the command then never ended.
     */
    void install(Path key, String sshConfig, String hosts) {
        String d = dir(cluster.name());
        idempotent("umask 077 && mkdir -p " + d + " && chmod 700 " + d).requireOk("creating ~/" + d + " on the manager");
        ssh.put(manager, key, d + "/id_ed25519");
        idempotent("umask 077 && " + writeCommand(sshConfig, d + "/ssh_config") + " && chmod 600 " + d + "/id_ed25519 && "
                + writeCommand(hosts, d + "/hosts")).requireOk("writing the ssh config and hosts file on the manager");
    }

    /**
     * Runs a command that may safely run twice, again (up to three times) when the server ends it without an exit
     * status or it does not end within 20 s: a small guest's dropbear, just booted and busy, was seen to do both.
     */
    private ExecResult idempotent(String command) {
        for (int attempt = 1; ; attempt++) {
            try {
                ExecResult r = ssh.exec(manager, command, Duration.ofSeconds(20));
                if (r.exitStatus() != -1 || attempt == 3) return r;
            } catch (CmsException e) {
                if (attempt == 3 || !e.getMessage().contains("did not finish within")) throw e;
            }
        }
    }

    /**
     * A shell command that replaces {@code path} (relative to home, a plain path) with {@code text}, atomically. Each
     * run writes its own temporary file: a retried attempt may overlap one the server has not finished.
     */
    private static String writeCommand(String text, String path) {
        String b64 = Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
        return "{ t=$(mktemp " + path + ".XXXXXX) && printf %s " + ShellQuote.quote(b64) + " | base64 -d > \"$t\" && mv -f \"$t\" "
                + path + "; }";
    }

    /** Copies a local file to the manager (a staging path relative to the login user's home) and returns that path. */
    String stage(Path local) {
        String path = dir(cluster.name()) + "/put-" + java.util.UUID.randomUUID();
        ssh.put(manager, local, path);
        return path;
    }

    /**
     * Runs {@code command} (a shell command line) on each of {@code nodes} at once: the manager runs it itself when
     * the node is the manager, else through ssh to the node; {@code stdinFile} (a path on the manager, relative to
     * home) feeds each one's standard input, or none.
     */
    Map<String, Result> fanOut(List<String> nodes, String command, String stdinFile, Duration timeout) {
        String mgr = cluster.manager().map(Member::name).orElse("");
        String d = dir(cluster.name());
        StringBuilder s = new StringBuilder();
        s.append("c=\"$HOME\"/").append(d).append("/ssh_config\n");
        s.append("t=$(mktemp -d) || exit 111\n");
        s.append("on() { if [ \"$1\" = ").append(ShellQuote.quote(mgr)).append(" ]; then sh -c \"$2\"; else ssh -F \"$c\" -- \"$1\" \"$2\"; fi; }\n");
        String in = stdinFile == null ? "/dev/null" : "\"$HOME\"/" + ShellQuote.quote(stdinFile);
        // With input, each node reads exactly the file's size and the command then gets its end of input from head:
        // an end-of-file sent through ssh to a busy small guest's dropbear was seen to get lost, and cat waited forever.
        String run = ShellQuote.quote(command);
        if (stdinFile != null) {
            s.append("sz=$(($(wc -c <").append(in).append("))) || exit 111\n");
            run = "\"head -c $sz | sh -c \"" + ShellQuote.quote(ShellQuote.quote(command));
        }
        // each node's job encodes its own result (in parallel, at most FAN_OUT at once); one cat reports them all
        s.append("i=0\n");
        s.append("for n in");
        for (String n : nodes) s.append(' ').append(ShellQuote.quote(n));
        s.append("; do ( on \"$n\" ").append(run).append(" <").append(in)
                .append(" >\"$t/$n.o\" 2>\"$t/$n.e\"; r=$?; { printf '@@ %s %s ' \"$n\" \"$r\";"
                        + " if [ -s \"$t/$n.o\" ]; then base64 -w0 <\"$t/$n.o\"; fi; printf ' ';"
                        + " if [ -s \"$t/$n.e\" ]; then base64 -w0 <\"$t/$n.e\"; fi; echo; } >\"$t/$n.x\" ) &"
                        + " i=$((i + 1)); if [ $((i % " + FAN_OUT + ")) -eq 0 ]; then wait; fi; done\n");
        s.append("wait\n");
        s.append("cat \"$t\"/*.x\n");
        s.append("rm -rf \"$t\"");
        if (stdinFile != null) s.append(" \"$HOME\"/").append(ShellQuote.quote(stdinFile));
        s.append('\n');
        ExecResult r = ssh.exec(manager, s.toString(), timeout);
        Map<String, Result> results = new LinkedHashMap<>();
        for (String line : r.stdout().split("\n")) {
            if (!line.startsWith("@@ ")) continue;
            String[] f = line.split(" ", -1);
            if (f.length < 5) continue;
            int status;
            try {
                status = Integer.parseInt(f[2].strip());
            } catch (NumberFormatException e) {
                status = 255;
            }
            results.put(f[1], new Result(f[1], status, decode(f[3]), new String(decode(f[4]), StandardCharsets.UTF_8)));
        }
        Map<String, Result> ordered = new LinkedHashMap<>();
        for (String n : nodes) if (results.containsKey(n)) ordered.put(n, results.get(n));
        results = ordered;
        if (results.size() != nodes.size()) {
            String why = r.stderr().strip().lines().findFirst().orElse("exit status " + r.exitStatus());
            throw new CmsException("cluster '" + cluster.name() + "': the manager " + manager + " could not run the command"
                    + " on the nodes: " + why + " (it needs sh, ssh, mktemp and base64)");
        }
        return results;
    }

    private static byte[] decode(String b64) {
        try {
            return Base64.getMimeDecoder().decode(b64.strip());
        } catch (IllegalArgumentException e) {
            return new byte[0];
        }
    }

    /** The nodes whose command failed, each with the reason (exit status and first error line, or unreachable). */
    static List<String> failures(Map<String, Result> results) {
        List<String> out = new ArrayList<>();
        for (Result r : results.values()) {
            if (r.status() == 0) continue;
            String first = r.stderr().strip().lines().findFirst().orElse("");
            out.add(r.node() + " (" + (r.unreachable() ? "unreachable: " + first : "exit " + r.status()
                    + (first.isEmpty() ? "" : ": " + first)) + ")");
        }
        return out;
    }

    static void write(Path file, String text) {
        try {
            Files.createDirectories(file.getParent());
            Files.writeString(file, text);
        } catch (IOException e) {
            throw new CmsException("cannot write " + file + ": " + e.getMessage());
        }
    }

    @Override
    public void close() {
        ssh.close();
    }
}
