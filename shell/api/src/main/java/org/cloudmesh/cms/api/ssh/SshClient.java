package org.cloudmesh.cms.api.ssh;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketTimeoutException;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import com.jcraft.jsch.Channel;
import com.jcraft.jsch.ChannelDirectTCPIP;
import com.jcraft.jsch.ChannelExec;
import com.jcraft.jsch.ChannelSftp;
import com.jcraft.jsch.JSch;
import com.jcraft.jsch.JSchException;
import com.jcraft.jsch.Session;
import com.jcraft.jsch.SftpException;

import org.cloudmesh.cms.api.CmsException;

/**
 * Runs commands and copies files over ssh (JSch), the way cms talks to Slurm login hosts and hypervisors.
 * <ul>
 * <li>One pooled {@link Session} per {@link SshTarget}, reused by every call (a new channel per command costs about
 * 2 ms; a new session about 40 ms). At most {@value #MAX_CHANNELS_PER_SESSION} commands share a session at once,
 * below sshd's default MaxSessions of 10. A session that died is reconnected once, transparently. A dropbear server
 * before 2025 gets one command per session at a time instead (see {@link #takesOneCommandAtATime}).</li>
 * <li>Host keys: trust on first use, then pinned in the known_hosts file given to the constructor
 * ({@code $CLOUDMESH_HOME/known_hosts}). A changed key refuses the connection with a message that names the host,
 * the file and the {@code ssh-keygen -R} command that forgets the old key. Host keys are never accepted blindly.</li>
 * <li>{@link #exec} returns the exit status, stdout and stderr, and enforces its timeout itself: JSch's
 * {@code channel.connect(timeout)} would add about 8 ms to every call.</li>
 * </ul>
 * Remote commands are shell command lines: quote every word that is not a literal with {@link ShellQuote#quote}.
 * Thread-safe; close it to disconnect the pooled sessions.
 */
public final class SshClient implements AutoCloseable {
    public static final Duration DEFAULT_CONNECT_TIMEOUT = Duration.ofSeconds(10);
    /** Commands per session at one time; sshd allows 10 channels per connection unless MaxSessions says more. */
    public static final int MAX_CHANNELS_PER_SESSION = 8;
    /** Output beyond this (per stream) fails the call instead of filling the heap. */
    public static final int MAX_OUTPUT_BYTES = 64 << 20;

    /** How long a session that failed to open a channel may take to show that it is down (see settlesDisconnected). */
    private static final long SETTLE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final Pattern DROPBEAR_VERSION = Pattern.compile("dropbear_(\\d{4})\\.(\\d+)");

    private final PinnedHostKeys hostKeys;
    private final Duration connectTimeout;
    private final Map<SshTarget, Pooled> pool = new ConcurrentHashMap<>();
    private final Map<Path, JSch> jschByKey = new ConcurrentHashMap<>();
    private final AtomicInteger connects = new AtomicInteger();
    private volatile boolean closed;

    /** @param knownHosts the known_hosts file that pins host keys ({@code $CLOUDMESH_HOME/known_hosts}) */
    /**
     * True when an ssh server answers at host:port with its banner (within about a second). A port merely open is not
     * enough: a port forwarded to a guest accepts connections while the guest still boots.
     */
    public static boolean answers(String host, int port) {
        try (java.net.Socket s = new java.net.Socket()) {
            // short waits: a guest whose network is not up yet leaves a forwarded connection silent, and a caller
            // that polls should look again soon rather than sit in one read
            s.connect(new java.net.InetSocketAddress(host, port), 1000);
            s.setSoTimeout(1000);
            byte[] banner = s.getInputStream().readNBytes(4);
            return new String(banner, java.nio.charset.StandardCharsets.US_ASCII).equals("SSH-");
        } catch (java.io.IOException e) {
            return false;
        }
    }

    public SshClient(Path knownHosts) {
        this(knownHosts, DEFAULT_CONNECT_TIMEOUT);
    }

    public SshClient(Path knownHosts, Duration connectTimeout) {
        this.hostKeys = new PinnedHostKeys(new KnownHosts(knownHosts));
        this.connectTimeout = Objects.requireNonNull(connectTimeout, "connectTimeout");
    }

    public KnownHosts knownHosts() {
        return hostKeys.knownHosts();
    }

    /** How many ssh sessions this client has opened so far (pooling keeps it at one per target). */
    public int connects() {
        return connects.get();
    }

    /** Runs {@code command} (a shell command line) with no input; see {@link #exec(SshTarget, String, byte[], Duration)}. */
    public ExecResult exec(SshTarget target, String command, Duration timeout) {
        return exec(target, command, null, timeout);
    }

    /**
     * Runs {@code command} on the target and waits for it to end.
     *
     * @param stdin   bytes for the command's standard input, or null for none (it reads end-of-file at once)
     * @param timeout the whole call, connecting included; when it passes, the remote command is sent SIGKILL, the
     *                channel is closed and a CmsException says so
     * @return the exit status (non-zero statuses are returned, not thrown), stdout and stderr
     * @throws CmsException when the host cannot be reached, refuses the key, presents a changed host key, or the
     *                      timeout passes
     */
    public ExecResult exec(SshTarget target, String command, byte[] stdin, Duration timeout) {
        Objects.requireNonNull(target, "target");
        Objects.requireNonNull(command, "command");
        long deadline = System.nanoTime() + Objects.requireNonNull(timeout, "timeout").toNanos();
        Pooled pooled = pooled(target);
        acquire(pooled, deadline, target, command, timeout);
        try {
            Bounded out = new Bounded();
            Bounded err = new Bounded();
            ChannelExec channel = openExec(pooled, command, out, err);
            try {
                try (OutputStream in = channel.getOutputStream()) {
                    if (stdin != null) {
                        in.write(stdin);
                    }
                } catch (IOException e) {
                    // the command ended without reading all of its input: its status tells the rest
                }
                awaitClose(channel, out, deadline, target, command, timeout);
                if (out.overflow || err.overflow) {
                    throw new CmsException("ssh " + target + ": '" + abbreviate(command) + "' wrote more than "
                            + (MAX_OUTPUT_BYTES >> 20) + " MiB; write it to a file and fetch that with sftp");
                }
                return new ExecResult(channel.getExitStatus(), out.text(), err.text());
            } finally {
                boolean reaped = channel.isClosed() && channel.getExitStatus() != -1;
                channel.disconnect();
                pooled.done(channel, reaped);
            }
        } finally {
            pooled.channels.release();
        }
    }

    /**
     * A TCP connection made by the target to {@code host:port} (an ssh direct-tcpip channel on the pooled session),
     * as {@code ssh -W host:port} does: no port listens on either side, so a service bound to the target's loopback
     * (a hypervisor's VNC display) is reached without exposing it. Closing the tunnel closes only its channel.
     */
    public Tunnel tunnel(SshTarget target, String host, int port, Duration timeout) {
        Pooled pooled = pooled(target);
        String what = "tunnel to " + host + ":" + port;
        acquire(pooled, System.nanoTime() + timeout.toNanos(), target, what, timeout);
        try {
            InputStream[] in = new InputStream[1];
            ChannelDirectTCPIP channel = (ChannelDirectTCPIP) openChannel(pooled, "direct-tcpip", c -> {
                ((ChannelDirectTCPIP) c).setHost(host);
                ((ChannelDirectTCPIP) c).setPort(port);
                try {
                    in[0] = c.getInputStream(); // before connect: the far side may speak first (a VNC banner)
                } catch (IOException e) {
                    throw new java.io.UncheckedIOException(e);
                }
            });
            return new Tunnel(in[0], channel.getOutputStream(), () -> {
                channel.disconnect();
                pooled.done(channel, true); // a forwarded connection has no process on the server
                pooled.channels.release();
            });
        } catch (IOException | RuntimeException e) {
            pooled.channels.release();
            if (e instanceof CmsException c) throw c;
            throw new CmsException("ssh " + target + ": " + what + ": " + e.getMessage(), e);
        }
    }

    /** The two directions of a {@link #tunnel}; {@link #close} ends it. */
    public record Tunnel(InputStream in, OutputStream out, Runnable closer) implements AutoCloseable {
        @Override
        public void close() {
            closer.run();
        }
    }

    /** Copies a local file to {@code remotePath} on the target (sftp). */
    public void put(SshTarget target, Path local, String remotePath) {
        Objects.requireNonNull(remotePath, "remotePath");
        if (!Files.isRegularFile(local) || !Files.isReadable(local)) {
            throw new CmsException("cannot copy " + local + " to " + target + ": it is not a readable file");
        }
        sftp(target, "put " + local + " to " + remotePath, sftp -> sftp.put(local.toString(), remotePath));
    }

    /** Copies {@code remotePath} from the target to a local file (sftp); the file is replaced. */
    public void get(SshTarget target, String remotePath, Path local) {
        Objects.requireNonNull(remotePath, "remotePath");
        sftp(target, "get " + remotePath + " to " + local, sftp -> sftp.get(remotePath, local.toString()));
    }

    /** Disconnects every pooled session; later calls fail. */
    @Override
    public void close() {
        closed = true;
        pool.values().forEach(Pooled::disconnect);
        pool.clear();
    }

    // ------------------------------------------------------------------------------------------------ internals

    private interface SftpAction {
        void run(ChannelSftp sftp) throws SftpException;
    }

    private void sftp(SshTarget target, String what, SftpAction action) {
        Pooled pooled = pooled(target);
        long deadline = System.nanoTime() + connectTimeout.toNanos();
        acquire(pooled, deadline, target, "sftp", connectTimeout);
        ChannelSftp sftp = null;
        try {
            sftp = (ChannelSftp) openChannel(pooled, "sftp", null);
            action.run(sftp);
        } catch (SftpException e) {
            throw new CmsException("sftp " + what + " on " + target + " failed: " + sftpReason(e), e);
        } finally {
            if (sftp != null) {
                sftp.disconnect();
                pooled.done(sftp, false); // the server's sftp-server process ends after our close, unseen
            }
            pooled.channels.release();
        }
    }

    private static String sftpReason(SftpException e) {
        String message = e.getMessage() == null ? "" : e.getMessage();
        return switch (e.id) {
            case ChannelSftp.SSH_FX_NO_SUCH_FILE -> "no such file or directory" + (message.isBlank() ? "" : " (" + message + ")");
            case ChannelSftp.SSH_FX_PERMISSION_DENIED -> "permission denied";
            default -> message.isBlank() ? "sftp error " + e.id : message;
        };
    }

    private ChannelExec openExec(Pooled pooled, String command, Bounded out, Bounded err) {
        return (ChannelExec) openChannel(pooled, "exec", channel -> {
            ChannelExec exec = (ChannelExec) channel;
            exec.setCommand(command);
            // JSch's session thread writes straight into these buffers: no pipe to fill up, no reader thread;
            // it closes out at the end of stdout, which wakes awaitClose
            exec.setOutputStream(out, false);
            exec.setErrStream(err, true);
        });
    }

    private interface ChannelSetup {
        void apply(Channel channel);
    }

    /**
     * Opens a channel on the pooled session. A pooled session can be dead (the server restarted, the network
     * dropped): then it is replaced once. connect() without a timeout: see ssh-latency pitfall 1.
     */
    private Channel openChannel(Pooled pooled, String type, ChannelSetup setup) {
        for (int attempt = 0; ; attempt++) {
            Session session = pooled.take();
            try {
                Channel channel = session.openChannel(type); // JSch returns null when the session broke meanwhile
                if (channel == null) {
                    throw new JSchException("session is down");
                }
                if (setup != null) {
                    setup.apply(channel);
                }
                channel.connect();
                return channel;
            } catch (JSchException e) {
                if (pooled.lent(session) || settlesDisconnected(session)) {
                    pooled.discard(session); // a shared session only when dead: a live one carries other callers' commands
                }
                if (attempt == 0) {
                    continue;
                }
                throw new CmsException("ssh " + pooled.target + ": cannot open a " + type + " channel: "
                        + e.getMessage(), e);
            }
        }
    }

    /**
     * Whether a session that just failed to open a channel is dead. JSch closes a dying session's channels before
     * it clears isConnected, so right after a dropped connection the session can still claim to be up for a moment:
     * give it that moment rather than retrying on a corpse.
     */
    private static boolean settlesDisconnected(Session session) {
        long deadline = System.nanoTime() + SETTLE_NANOS;
        while (session.isConnected()) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            LockSupport.parkNanos(5_000_000);
        }
        return true;
    }

    /**
     * Waits for the channel to close. The order on the wire is stdout's end, the exit status, the close: the wait
     * sleeps until JSch closes {@code out} at stdout's end (no polling while a long command runs, no wake-up lag
     * when it ends), then parks in steps from 20 µs for the exit status and the close that follow within a
     * fraction of a millisecond. Polling with growing parks from the start cost up to 5 ms a call under load.
     */
    private static void awaitClose(ChannelExec channel, Bounded out, long deadline, SshTarget target, String command,
            Duration timeout) {
        long park = 20_000;
        long endedAt = 0;
        while (!channel.isClosed()) {
            // The command ended (its exit status came) and its output is complete: a server that then never closes
            // the channel (dropbear waiting for an end of input it lost) does not keep us waiting past a short grace.
            if (endedAt == 0 && channel.getExitStatus() != -1 && out.eof.getCount() == 0) endedAt = System.nanoTime();
            if (endedAt != 0 && System.nanoTime() - endedAt > 1_000_000_000L) return;
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                try {
                    channel.sendSignal("KILL"); // OpenSSH delivers it to the command's process
                } catch (Exception e) {
                    // the channel may have closed just now; disconnect() below ends it anyway
                }
                channel.disconnect();
                throw new CmsException("ssh " + target + ": '" + abbreviate(command) + "' did not finish within "
                        + seconds(timeout) + "; it was stopped (SIGKILL). Use a longer timeout if it needs more time.");
            }
            if (out.eof.getCount() > 0) {
                try {
                    // a dropped session closes the channel without an end of stdout: look again every 50 ms
                    out.eof.await(Math.min(left, 50_000_000L), TimeUnit.NANOSECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    channel.disconnect();
                    throw new CmsException("ssh " + target + ": interrupted while '" + abbreviate(command) + "' ran", e);
                }
            } else {
                LockSupport.parkNanos(Math.min(park, left));
                park = Math.min(park * 2, 1_000_000);
            }
        }
    }

    private void acquire(Pooled pooled, long deadline, SshTarget target, String command, Duration timeout) {
        try {
            long left = deadline - System.nanoTime();
            if (!pooled.channels.tryAcquire(Math.max(left, 0), TimeUnit.NANOSECONDS)) {
                throw new CmsException("ssh " + target + ": '" + abbreviate(command) + "' could not start within "
                        + seconds(timeout) + ": " + MAX_CHANNELS_PER_SESSION + " other commands are running there");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("ssh " + target + ": interrupted while waiting to run '" + abbreviate(command) + "'", e);
        }
    }

    private Pooled pooled(SshTarget target) {
        if (closed) {
            throw new CmsException("ssh " + target + ": this ssh client is closed");
        }
        return pool.computeIfAbsent(target, Pooled::new);
    }

    private JSch jschFor(SshTarget target) {
        Path key = target.keyFile();
        if (!Files.isRegularFile(key) || !Files.isReadable(key)) {
            throw new CmsException("ssh " + target + ": the private key " + key + " does not exist or cannot be read");
        }
        return jschByKey.computeIfAbsent(key, k -> {
            JSch jsch = new JSch();
            try {
                jsch.addIdentity(k.toString());
            } catch (JSchException e) {
                throw new CmsException("ssh " + target + ": cannot use the private key " + k + ": " + e.getMessage()
                        + " (an OpenSSH private key without a passphrase is needed)", e);
            }
            return jsch;
        });
    }

    private Session connect(SshTarget target) {
        JSch jsch = jschFor(target);
        Session session = null;
        try {
            session = jsch.getSession(target.user(), target.host(), target.port());
            session.setHostKeyRepository(hostKeys);
            // PinnedHostKeys does trust-on-first-use and pinning; "yes" makes JSch refuse whatever it reports changed
            session.setConfig("StrictHostKeyChecking", "yes");
            session.setConfig("PreferredAuthentications", "publickey");
            session.setServerAliveInterval(15_000);
            session.setServerAliveCountMax(3);
            session.setDaemonThread(true); // a client nobody closed never keeps the JVM alive
            session.connect((int) Math.min(Integer.MAX_VALUE, connectTimeout.toMillis()));
            connects.incrementAndGet();
            return session;
        } catch (JSchException e) {
            if (session != null) {
                session.disconnect();
            }
            throw connectError(target, e);
        }
    }

    private CmsException connectError(SshTarget target, JSchException e) {
        String where = "ssh " + target;
        PinnedHostKeys.Refusal refusal = hostKeys.takeRefusal(target.knownHostsName());
        if (refusal != null) {
            return hostKeyError(target, refusal, e);
        }
        String message = String.valueOf(e.getMessage());
        Throwable cause = e.getCause();
        if (message.startsWith("Auth fail") || message.startsWith("Auth cancel")) {
            return new CmsException(where + ": the server refused the key " + target.keyFile()
                    + " (public key authentication failed); add " + target.keyFile() + ".pub to the authorized_keys of "
                    + target.user() + " on " + target.host(), e);
        }
        if (cause instanceof ConnectException) {
            return new CmsException(where + ": cannot connect to " + target.host() + " port " + target.port()
                    + ": connection refused (is sshd running there, and is the port right?)", e);
        }
        if (message.contains("Connection reset") || message.contains("connection is closed by foreign host")) {
            return new CmsException(where + ": the connection was closed before the ssh greeting (still booting? a port"
                    + " forwarded to a VM takes connections before the VM's sshd listens)", e);
        }
        if (cause instanceof UnknownHostException) {
            return new CmsException(where + ": unknown host " + target.host() + " (check the name or use its IP address)", e);
        }
        if (cause instanceof NoRouteToHostException) {
            return new CmsException(where + ": no route to host " + target.host(), e);
        }
        if (cause instanceof SocketTimeoutException || message.contains("timeout")) {
            return new CmsException(where + ": no answer within " + seconds(connectTimeout)
                    + " (host down, or a firewall drops port " + target.port() + "?)", e);
        }
        return new CmsException(where + ": " + message, e);
    }

    private CmsException hostKeyError(SshTarget target, PinnedHostKeys.Refusal refusal, JSchException e) {
        KnownHosts known = hostKeys.knownHosts();
        String host = target.knownHostsName();
        KnownHosts.Entry entry = refusal.verdict().entry();
        String line = entry == null ? "" : " line " + entry.line();
        String sent = KnownHosts.keyType(refusal.offered()) + " " + KnownHosts.fingerprint(refusal.offered());
        if (refusal.verdict().match() == KnownHosts.Match.REVOKED) {
            return new CmsException("ssh " + target + ": the host key of " + host + " (" + sent
                    + ") is marked @revoked in " + known.file() + line + "; refusing to connect", e);
        }
        return new CmsException("ssh " + target + ": the host key of " + host + " has changed: the server sent " + sent
                + " but " + known.file() + line + " pins " + (entry == null ? "another key" : entry.type() + " "
                + KnownHosts.fingerprint(entry.keyBytes())) + ". Refusing to connect: this can be an attack (man in"
                + " the middle). If the host was reinstalled, forget the old key with: " + known.removeCommand(host), e);
    }

    private static String seconds(Duration d) {
        long ms = d.toMillis();
        return ms % 1000 == 0 ? (ms / 1000) + " s" : String.format("%.1f s", ms / 1000.0);
    }

    private static String abbreviate(String command) {
        String oneLine = command.replaceAll("\\s+", " ").strip();
        return oneLine.length() <= 80 ? oneLine : oneLine.substring(0, 77) + "...";
    }

    /**
     * Whether the server (its version string, such as {@code SSH-2.0-dropbear_2022.83}) must get one command per
     * session at a time. Dropbear 2022.82 up to its 2024 releases closes a new channel at once when a child process
     * of the same connection (an earlier command, an sftp-server) exits just as the channel opens; the command then
     * still runs, but its output and exit status are lost (dropbear issues #173, #321, fixed by pull request #326).
     * Seen here as {@code cluster put} failing one time in ten on the testbed's guests (Debian's dropbear 2022.83):
     * its sftp upload is followed at once by a command on the same connection. A command is not safe to repeat, so
     * the trigger is avoided instead: such a server's session carries one channel at a time, and is used again only
     * after a command whose exit status came back (its process was reaped).
     */
    static boolean takesOneCommandAtATime(String serverVersion) {
        Matcher m = DROPBEAR_VERSION.matcher(String.valueOf(serverVersion));
        if (!m.find()) {
            return false;
        }
        int year = Integer.parseInt(m.group(1));
        return year < 2025 && (year > 2022 || Integer.parseInt(m.group(2)) >= 82);
    }

    /**
     * One target's session, (re)connected on demand, and the permits for its channels. For a server that takes one
     * command at a time, sessions are lent out one per channel instead, and kept idle between commands.
     */
    private final class Pooled {
        final SshTarget target;
        final Semaphore channels = new Semaphore(MAX_CHANNELS_PER_SESSION);
        private Session session;
        private boolean oneAtATime;
        private final Deque<Session> idle = new ArrayDeque<>();

        Pooled(SshTarget target) {
            this.target = target;
        }

        /** The session for a new channel: the shared one, or for a one-at-a-time server one of its own. */
        synchronized Session take() {
            if (closed) {
                throw new CmsException("ssh " + target + ": this ssh client is closed");
            }
            if (oneAtATime) {
                for (Session s = idle.poll(); s != null; s = idle.poll()) {
                    if (s.isConnected()) {
                        return s;
                    }
                    s.disconnect();
                }
                return connect(target);
            }
            if (session == null || !session.isConnected()) {
                if (session != null) {
                    session.disconnect();
                }
                session = null;
                Session fresh = connect(target);
                if (takesOneCommandAtATime(fresh.getServerVersion())) {
                    oneAtATime = true;
                    return fresh;
                }
                session = fresh;
            }
            return session;
        }

        /**
         * A channel taken from this pool ended; {@code reaped}: its server process is known to have ended (an exit
         * status came, or there was none). A one-at-a-time server's session is kept for the next channel only then.
         */
        synchronized void done(Channel channel, boolean reaped) {
            if (!oneAtATime) {
                return;
            }
            Session s;
            try {
                s = channel.getSession();
            } catch (JSchException e) {
                return; // JSch has already let go of the session
            }
            if (reaped && !closed && s.isConnected() && idle.size() < MAX_CHANNELS_PER_SESSION) {
                idle.push(s);
            } else {
                s.disconnect();
            }
        }

        /** Whether {@code s} serves one channel only (a one-at-a-time server's), not every caller. */
        synchronized boolean lent(Session s) {
            return oneAtATime && s != session;
        }

        synchronized void discard(Session broken) {
            broken.disconnect();
            if (session == broken) {
                session = null;
            }
        }

        synchronized void disconnect() {
            if (session != null) {
                session.disconnect();
                session = null;
            }
            idle.forEach(Session::disconnect);
            idle.clear();
        }
    }

    /** Collects one output stream, up to {@link #MAX_OUTPUT_BYTES}; counts {@link #eof} down when closed. */
    private static final class Bounded extends ByteArrayOutputStream {
        volatile boolean overflow;
        final java.util.concurrent.CountDownLatch eof = new java.util.concurrent.CountDownLatch(1);

        @Override
        public void close() {
            eof.countDown();
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            if (count + len > MAX_OUTPUT_BYTES) {
                overflow = true;
                return;
            }
            super.write(b, off, len);
        }

        @Override
        public synchronized void write(int b) {
            write(new byte[] {(byte) b}, 0, 1);
        }

        synchronized String text() {
            return toString(StandardCharsets.UTF_8);
        }
    }
}
