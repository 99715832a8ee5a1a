package org.cloudmesh.cms.comet.slurm;

import com.jcraft.jsch.JSchException;
import java.time.Duration;
import java.util.Base64;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.KnownHosts;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;

/**
 * {@link Remote} over the api's pooled {@link SshClient}. A host key given in the endpoint ({@code slurm.host_key})
 * is pinned in known_hosts before the first connection; otherwise the client trusts on first use. Failures to
 * connect (refused, unknown host, timeout, auth) become {@link Remote.Unreachable}: the command did not run.
 */
public final class SshRemote implements Remote {
    private final SshClient ssh;
    private final SshTarget target;
    private final boolean ownsClient;

    public SshRemote(SshClient ssh, SshTarget target, String hostKey, boolean ownsClient) {
        this.ssh = ssh;
        this.target = target;
        this.ownsClient = ownsClient;
        if (hostKey != null) pin(ssh.knownHosts(), target, hostKey);
    }

    static void pin(KnownHosts known, SshTarget target, String hostKey) {
        String[] parts = hostKey.strip().split("\\s+");
        if (parts.length < 2) throw new CmsException("slurm.host_key '" + hostKey + "': give 'TYPE BASE64' as in known_hosts");
        byte[] key;
        try {
            key = Base64.getDecoder().decode(parts[1]);
        } catch (IllegalArgumentException e) {
            throw new CmsException("slurm.host_key: '" + parts[1] + "' is not base64");
        }
        known.trustOnFirstUse(target.knownHostsName(), key);
    }

    @Override
    public Result run(String command, Duration timeout) {
        try {
            ExecResult r = ssh.exec(target, command, timeout);
            if (r.exitStatus() < 0) {
                // no exit status: the session dropped (sshd stopped, network) or a signal ended the command
                throw new InDoubt("the connection to the Slurm login host " + target + " ended before '"
                        + verb(command) + "' reported its end (whether it ran is unknown)", null);
            }
            return new Result(r.exitStatus(), r.stdout(), r.stderr());
        } catch (CmsException e) {
            if (e.getCause() instanceof JSchException || e.getMessage().contains("cannot connect")) {
                throw new Unreachable("cannot reach the Slurm login host: " + e.getMessage(), e);
            }
            throw e;
        }
    }

    /** The Slurm command in a command line, for messages. */
    static String verb(String command) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("\\b(sbatch|squeue|sacct|scancel|scontrol)\\b").matcher(command);
        return m.find() ? m.group(1) : command.length() > 40 ? command.substring(0, 37) + "..." : command;
    }

    @Override
    public String where() {
        return target.toString();
    }

    @Override
    public void close() {
        if (ownsClient) ssh.close();
    }
}
