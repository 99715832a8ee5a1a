package org.cloudmesh.cms.comet.slurm;

import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.locks.LockSupport;
import org.cloudmesh.cms.api.CmsException;

/**
 * One pooled JSch session to the Slurm login host, opened on first use and reopened when it breaks.
 * The host key is pinned: from the endpoint's {@code host_key} when given, else from {@code known_hosts} in
 * $CLOUDMESH_HOME (trust on first use, a changed key is refused). Per call a new exec channel, connected without a
 * timeout argument (JSch's timed connect costs 8 ms a call), exit status polled after EOF; the deadline is ours.
 */
public final class JschRemote implements Remote {
    private final String host;
    private final int port;
    private final String user;
    private final String key;
    private final String hostKey;
    private final Path knownHosts;
    private Session session;

    public JschRemote(String host, int port, String user, String key, String hostKey, Path knownHosts) {
        this.host = host;
        this.port = port;
        this.user = user;
        this.key = key;
        this.hostKey = hostKey;
        this.knownHosts = knownHosts;
    }

    @Override
    public String where() {
        return user + "@" + host + ":" + port;
    }

    private synchronized Session session() {
        if (session != null && session.isConnected()) return session;
        try {
            JSch j = new JSch();
            if (key == null) throw new CmsException("no ssh key for " + where() + ": set slurm.key in the comet endpoint");
            if (!Files.isReadable(Path.of(key))) throw new CmsException("cannot read the ssh key " + key + " for " + where());
            j.addIdentity(key);
            String name = port == 22 ? host : "[" + host + "]:" + port;
            if (hostKey != null) {
                j.setKnownHosts(new ByteArrayInputStream((name + " " + hostKey + "\n").getBytes(StandardCharsets.UTF_8)));
            } else {
                if (!Files.exists(knownHosts)) {
                    Files.createDirectories(knownHosts.getParent());
                    Files.createFile(knownHosts);
                }
                j.setKnownHosts(knownHosts.toString());
            }
            Session s = j.getSession(user, host, port);
            // trust on first use: strict once the host is in known_hosts (a changed key is refused)
            boolean known = hostKey != null || j.getHostKeyRepository().getHostKey(name, null) != null
                    && j.getHostKeyRepository().getHostKey(name, null).length > 0;
            s.setConfig("StrictHostKeyChecking", known ? "yes" : "no");
            s.setConfig("PreferredAuthentications", "publickey");
            s.setConfig("enable_auth_none", "no");
            s.setServerAliveInterval(15_000);
            s.connect(10_000);
            session = s;
            // the first exec on a fresh session stalls ~45 ms (Nagle vs delayed ACK): pay it now
            exec(s, "true", Duration.ofSeconds(10));
            return s;
        } catch (JSchException e) {
            throw new Unreachable("cannot reach the Slurm login host " + where() + ": " + e.getMessage(), e);
        } catch (java.io.IOException e) {
            throw new Unreachable("cannot reach the Slurm login host " + where() + ": " + e.getMessage(), e);
        }
    }

    @Override
    public Result run(String command, Duration timeout) {
        Session s = session();
        try {
            return exec(s, command, timeout);
        } catch (JSchException e) {
            synchronized (this) {
                if (session == s) {
                    s.disconnect();
                    session = null;
                }
            }
            throw new Unreachable("lost the ssh session to " + where() + ": " + e.getMessage(), e);
        }
    }

    private Result exec(Session s, String command, Duration timeout) throws JSchException {
        ChannelExec ch = (ChannelExec) s.openChannel("exec");
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        ch.setCommand(command);
        ch.setOutputStream(out, true);
        ch.setErrStream(err, true);
        ch.setInputStream(null);
        long deadline = System.nanoTime() + timeout.toNanos();
        try {
            ch.connect();
            long park = 20_000;
            while (!ch.isClosed()) {
                if (System.nanoTime() > deadline) {
                    throw new CmsException("'" + first(command) + "' on " + where() + " did not finish within "
                            + timeout.toSeconds() + " s");
                }
                LockSupport.parkNanos(park);
                park = Math.min(park * 2, 2_000_000);
            }
            return new Result(ch.getExitStatus(), out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
        } finally {
            ch.disconnect();
        }
    }

    private static String first(String command) {
        String c = command.strip();
        int sp = c.indexOf(' ');
        return sp < 0 ? c : c.substring(0, sp);
    }

    @Override
    public synchronized void close() {
        if (session != null) session.disconnect();
        session = null;
    }
}
