package org.cloudmesh.cms.vm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.KeyStore;
import org.cloudmesh.cms.api.ssh.KnownHosts;
import org.cloudmesh.cms.api.ssh.SshTarget;

/** Where and as whom cms logs in to a VM (address, port, user, key), and the VMs' pinned host keys. */
final class VmLogins {
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.:-]*");
    private static final Pattern USER = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]*");

    private final Context ctx;

    VmLogins(Context ctx) {
        this.ctx = ctx;
    }

    /**
     * A VM reached through a forwarded port leaves its pinned host key behind when it goes: the next VM given that port
     * has a key of its own and must not look like a man in the middle.
     */
    void forgetHostKey(Vm vm) {
        String ssh = vm.details().get("ssh");
        int colon = ssh == null ? -1 : ssh.lastIndexOf(':');
        if (colon < 0 || !ssh.substring(colon + 1).matches("[0-9]{1,5}")) return;
        new KnownHosts(knownHosts()).forget(KnownHosts.hostName(ssh.substring(0, colon), Integer.parseInt(ssh.substring(colon + 1))));
    }

    /** A VM whose host key the cloud knows for sure (cms made it and seeded it) is pinned before the first login. */
    void pinHostKey(Vm vm) {
        String key = vm.details().get("host_key");
        String ssh = vm.details().get("ssh");
        int colon = ssh == null ? -1 : ssh.lastIndexOf(':');
        if (key == null || colon < 0 || !ssh.substring(colon + 1).matches("[0-9]{1,5}")) return;
        String[] parts = key.split(" ");
        if (parts.length < 2) return;
        new KnownHosts(knownHosts()).pin(KnownHosts.hostName(ssh.substring(0, colon), Integer.parseInt(ssh.substring(colon + 1))),
                java.util.Base64.getDecoder().decode(parts[1]));
    }

    Path knownHosts() {
        return ctx.home().resolve("known_hosts");
    }

    /** A VM and where to log in to it. */
    record Target(String vm, SshTarget ssh) {
    }

    Target target(Vm vm, String usernameOption, String keyOption) {
        String ip = requireIp(vm);
        if (!HOST.matcher(ip).matches()) throw new CmsException("vm " + vm.name() + " has an odd address '" + ip + "'");
        Optional<ProviderConfig> cfg = configOf(vm.cloud());
        String user = usernameOption != null ? usernameOption
                : cfg.flatMap(c -> c.defaultValue("username")).orElse(
                vm.username() != null ? vm.username() : Usernames.guess(vm.image(), vm.cloud()));
        requireUser(user);
        Path key = privateKey(keyOption, cfg);
        if (key == null) throw new CmsException("no ssh key for vm " + vm.name() + ": give --key PATH or add one with 'key add PATH'");
        return new Target(vm.name(), new SshTarget(ip, sshPort(vm), user, key));
    }

    static void requireUser(String user) {
        if (!USER.matcher(user).matches()) {
            throw new CmsException("user name '" + user + "' is not valid: use letters, digits, '.', '_' and '-'");
        }
    }

    private Optional<ProviderConfig> configOf(String cloud) {
        try {
            return Optional.of(ProviderConfig.of(ctx.config(), cloud));
        } catch (CmsException e) {
            return Optional.empty();
        }
    }

    /** The VM's own forwarded ssh port (user-mode networking), else the cloud's ssh_port, else 22. */
    int sshPort(Vm vm) {
        String own = vm.details().get("ssh_port");
        if (own != null && own.matches("[0-9]{1,5}")) return Integer.parseInt(own);
        return sshPort(vm.cloud());
    }

    private int sshPort(String cloud) {
        String p = configOf(cloud).flatMap(c -> c.defaultValue("ssh_port")).orElse("22");
        try {
            int port = Integer.parseInt(p);
            if (port > 0 && port < 65536) return port;
        } catch (NumberFormatException e) {
            // below
        }
        throw new CmsException(ProviderConfig.PREFIX + cloud + ".default.ssh_port '" + p + "' is not a port number");
    }

    /** --key (a key name or a file), else variable key, else the cloud's default key, else the first known key. */
    private Path privateKey(String keyOption, Optional<ProviderConfig> cfg) {
        Map<String, KeyStore.Key> keys = new KeyStore(ctx.home()).all();
        String k = keyOption != null ? keyOption : ctx.variables().get("key").filter(s -> !s.isBlank())
                .orElse(cfg.flatMap(c -> c.defaultValue("key")).orElse(null));
        if (k == null) {
            if (!keys.isEmpty()) return keys.values().iterator().next().privateKey();
            for (String f : List.of("id_ed25519", "id_rsa")) {
                Path p = Path.of(System.getProperty("user.home"), ".ssh", f);
                if (Files.isReadable(p)) return p;
            }
            return null;
        }
        if (keys.containsKey(k)) return keys.get(k).privateKey();
        Path p = Path.of(k.endsWith(".pub") ? k.substring(0, k.length() - 4) : k);
        if (Files.isReadable(p)) return p;
        throw new CmsException("key '" + k + "' is neither a known key (see 'key list') nor a readable private key file");
    }

    static String requireIp(Vm vm) {
        String ip = vm.ip();
        if (ip == null) {
            throw new CmsException("vm " + vm.name() + " has no IP address (state " + vm.state()
                    + "): wait for it with 'vm wait " + vm.name() + "' or check 'vm list --refresh'");
        }
        return ip;
    }
}
