package org.cloudmesh.cms.api.ssh;

import java.nio.file.Path;
import java.util.Objects;

import org.cloudmesh.cms.api.CmsException;

/**
 * Where a remote command runs: a host, its ssh port, the login user and the private key (an OpenSSH key file
 * without a passphrase). Equal targets share one pooled session in an {@link SshClient}.
 */
public record SshTarget(String host, int port, String user, Path keyFile) {
    public static final int DEFAULT_PORT = 22;

    public SshTarget {
        Objects.requireNonNull(host, "host");
        Objects.requireNonNull(user, "user");
        Objects.requireNonNull(keyFile, "keyFile");
        if (host.isBlank() || host.chars().anyMatch(c -> c <= ' ' || c == '@' || c == '/')) {
            throw new CmsException("invalid ssh host '" + host + "': give a host name or IP address");
        }
        if (port < 1 || port > 65535) {
            throw new CmsException("invalid ssh port " + port + " for " + host + ": use 1 to 65535");
        }
        if (user.isBlank() || user.chars().anyMatch(c -> c <= ' ' || c == '@' || c == ':')) {
            throw new CmsException("invalid ssh user '" + user + "' for " + host);
        }
        keyFile = keyFile.toAbsolutePath().normalize();
    }

    /** A target on the default port 22. */
    public static SshTarget of(String host, String user, Path keyFile) {
        return new SshTarget(host, DEFAULT_PORT, user, keyFile);
    }

    /** The name the host has in a known_hosts file: {@code host} on port 22, {@code [host]:port} otherwise. */
    public String knownHostsName() {
        return KnownHosts.hostName(host, port);
    }

    /** {@code user@host:port}, for messages. */
    @Override
    public String toString() {
        return user + "@" + host + ":" + port;
    }
}
