package org.cloudmesh.cms.vm;

import org.cloudmesh.cms.api.ssh.KeyStore;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.compute.KeyInfo;
import org.cloudmesh.cms.api.util.Names;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "key", description = {"The ssh public keys cms gives to new VMs.", "They are kept in $CLOUDMESH_HOME/keys.yaml.",
        "vm boot uses --key, else variable key, else the cloud's default key, else the first key added."},
        footer = {"%nExamples:", "  key gen", "  key add", "  key add --name laptop ~/.ssh/id_rsa.pub", "  key list", "  key upload --cloud aws"})
public final class KeyCommand {
    private final Context ctx;

    public KeyCommand(Context ctx) {
        this.ctx = ctx;
    }

    @Command(name = "list", description = "List the keys cms knows, or with --cloud those the cloud holds.")
    int list(@Option(names = "--cloud", paramLabel = "CLOUD", description = "List the keys this cloud holds instead.") String cloud, @Mixin OutputOption output) {
        List<Map<String, ?>> rows = new ArrayList<>();
        if (cloud != null) {
            try (Clouds clouds = new Clouds(ctx)) {
                for (KeyInfo k : clouds.open(cloud).keys()) rows.add(Map.of("name", k.name(), "fingerprint", k.fingerprint(), "cloud", cloud));
            }
            ctx.printer(output.format).list(List.of("name", "fingerprint", "cloud"), rows);
            return 0;
        }
        new KeyStore(ctx.home()).all().values().forEach(k -> rows.add(Map.of("name", k.name(), "fingerprint", k.fingerprint(),
                "path", k.path().toString())));
        ctx.printer(output.format).list(List.of("name", "fingerprint", "path"), rows);
        return 0;
    }

    @Command(name = "add", description = {"Add a public key file (default: your id_ed25519.pub, else id_rsa.pub, in the .ssh"
                + " folder of your home) under --name (default: cloudmesh.profile.user)."})
    int add(@Option(names = "--name", paramLabel = "NAME", description = "The key's name (default: cloudmesh.profile.user).") String name,
            @Parameters(paramLabel = "PATH", arity = "0..1", description = "The public key file (default: your id_ed25519.pub, else id_rsa.pub, in the"
                    + " .ssh folder of your home).") Path path) {
        if (path == null) {
            Path ssh = Path.of(System.getProperty("user.home"), ".ssh");
            path = Files.exists(ssh.resolve("id_ed25519.pub")) ? ssh.resolve("id_ed25519.pub") : ssh.resolve("id_rsa.pub");
            if (!Files.exists(path)) {
                throw new CmsException("no ~/.ssh/id_ed25519.pub or ~/.ssh/id_rsa.pub: give PATH, or make one with 'key gen'");
            }
        }
        if (name == null) name = defaultName();
        Names.require("key", name);
        KeyStore.Key k = new KeyStore(ctx.home()).add(name, path);
        ctx.out().println("key " + k.name() + " " + k.fingerprint() + " " + k.path());
        return 0;
    }

    @Command(name = "gen", description = {"Make a new ed25519 key pair in $CLOUDMESH_HOME/keys/NAME (private key 0600,"
            + " no passphrase), add it, and make it the default (variable key)."})
    int gen(@Option(names = "--name", paramLabel = "NAME", description = "The key's name (default: cloudmesh.profile.user).") String name) {
        String n = name != null ? name : defaultName();
        Names.require("key", n);
        if (new KeyStore(ctx.home()).all().containsKey(n)) {
            throw new CmsException("a key named '" + n + "' exists already (see 'key list'): give another --name");
        }
        KeyStore.Key k = new KeyStore(ctx.home()).generate(n);
        ctx.variables().set("key", k.name());
        ctx.out().println("key " + k.name() + " " + k.fingerprint() + " " + k.privateKey() + " (the default key now: variable key)");
        return 0;
    }

    private String defaultName() {
        return ctx.config().getString("cloudmesh.profile.user").filter(u -> !u.isBlank() && !u.equals("TBD"))
                .orElse(System.getProperty("user.name"));
    }

    @Command(name = "upload", description = "Register key NAME (default: variable key, else the first key) with the cloud.")
    int upload(@Parameters(paramLabel = "NAME", arity = "0..1", description = "The key (default: variable key, else the first key).") String name,
               @Option(names = "--cloud", paramLabel = "CLOUD", description = "The cloud (default: variable cloud).") String cloudOption) {
        Map<String, KeyStore.Key> keys = new KeyStore(ctx.home()).all();
        String n = name != null ? name : ctx.variables().get("key").filter(s -> !s.isBlank())
                .orElse(keys.isEmpty() ? null : keys.keySet().iterator().next());
        if (n == null) throw new CmsException("no key to upload: add one with 'key add [PATH]'");
        KeyStore.Key k = keys.get(n);
        if (k == null) throw new CmsException("unknown key '" + n + "': add it with 'key add --name " + n + " PATH' (see 'key list')");
        try (Clouds clouds = new Clouds(ctx)) {
            String cloud = clouds.current(cloudOption);
            clouds.open(cloud).uploadKey(k.name(), k.text());
            ctx.out().println("key " + k.name() + " uploaded to cloud " + cloud);
        }
        return 0;
    }
}
