package org.cloudmesh.cms.app.builtin;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.Printer;
import org.cloudmesh.cms.app.ShellContext;
import org.cloudmesh.cms.app.config.ConfigFile;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "config", description = {"Read and change cloudmesh.yaml.", "The file is $CLOUDMESH_HOME/cloudmesh.yaml (mode 0600).",
        "Keys are dotted paths such as cloudmesh.cloud.aws.cm.kind. Secrets are never printed in clear."},
        footer = {"%nExamples:", "  config get cloudmesh.profile.user", "  config set cloudmesh.profile.user=alice",
                "  config list cloudmesh.cloud", "  config import /tmp/cms-testbed/cloudmesh-testbed.yaml"})
public final class ConfigCommand {
    static final String MASK = "********";
    private final ShellContext ctx;

    public ConfigCommand(ShellContext ctx) {
        this.ctx = ctx;
    }

    @Command(name = "get", description = "Print the value at KEY (a section prints as YAML).")
    int get(@Parameters(paramLabel = "KEY", description = "A dotted path, e.g. cloudmesh.profile.user.") String key) {
        Object value = ctx.config().get(key).orElseThrow(() -> new CmsException("no key " + key + " in "
                + ctx.config().file() + " (see 'config list')"));
        if (value instanceof Map<?, ?> || value instanceof List<?>) {
            ctx.out().print(Printer.yaml(masked(key, value)));
        } else {
            ctx.out().println(Config.isSecret(key) ? MASK : String.valueOf(value));
        }
        return 0;
    }

    @Command(name = "set", description = "Set KEY to VALUE, keeping the file's comments and order.")
    int set(@Parameters(paramLabel = "KEY=VALUE", description = "A dotted path and its new value.") String assignment) {
        int eq = assignment.indexOf('=');
        if (eq <= 0) throw new CmsException("config set '" + assignment + "': write KEY=VALUE, e.g. cloudmesh.profile.user=alice");
        String key = assignment.substring(0, eq).strip();
        String value = assignment.substring(eq + 1);
        ctx.config().set(key, value);
        ctx.out().println(key + "=" + (Config.isSecret(key) ? MASK : value));
        return 0;
    }

    @Command(name = "list", description = "List every setting (under PREFIX), secrets masked.")
    int list(@Parameters(paramLabel = "PREFIX", arity = "0..1", description = "Only the keys under this dotted path.") String prefix, @Mixin OutputOption output) {
        Map<String, Object> flat = new LinkedHashMap<>();
        if (prefix == null) {
            flatten("", ((ConfigFile) ctx.config()).root(), flat);
        } else {
            Object v = ctx.config().get(prefix).orElseThrow(() -> new CmsException("no key " + prefix + " in " + ctx.config().file()));
            flatten(prefix, v, flat);
        }
        List<Map<String, Object>> rows = new ArrayList<>();
        flat.forEach((k, v) -> rows.add(Map.of("key", k, "value", v == null ? "" : v)));
        var printer = ctx.printer(output.format);
        if (printer.format() == org.cloudmesh.cms.api.Format.TABLE) {
            flat.forEach((k, v) -> ctx.out().println(k + " = " + (v == null ? "" : v)));
        } else {
            printer.list(List.of("key", "value"), rows);
        }
        return 0;
    }

    @Command(name = "check", description = "Check cloudmesh.yaml: syntax, file permissions, and that every cloud entry names its"
            + " kind, has default and credentials sections, and has every key its kind needs, none misspelled (as in the"
            + " template's example entries).")
    int check() throws IOException {
        Path file = ctx.config().file(); // opening it checks syntax and permissions
        List<String> problems = new ArrayList<>();
        Set<PosixFilePermission> dir = Files.getPosixFilePermissions(ctx.home());
        if (dir.stream().anyMatch(p -> p.name().startsWith("GROUP") || p.name().startsWith("OTHERS"))) {
            problems.add(ctx.home() + " is open to group or others (" + PosixFilePermissions.toString(dir)
                    + "): chmod 700 " + ctx.home());
        }
        Map<String, Object> clouds = ctx.config().getMap("cloudmesh.cloud");
        Map<String, Map<String, Object>> examples = clouds.isEmpty() ? Map.of() : CloudExamples.parse(ConfigFile.template(ctx.dist()));
        for (String name : clouds.keySet()) {
            String base = "cloudmesh.cloud." + name;
            Optional<String> kind = ctx.config().getString(base + ".cm.kind");
            if (kind.isEmpty()) problems.add(base + ".cm.kind is missing (e.g. libvirt, aws, azure, openstack)");
            if (ctx.config().get(base + ".default").isEmpty()) problems.add(base + ".default is missing");
            if (ctx.config().get(base + ".credentials").isEmpty()) problems.add(base + ".credentials is missing");
            Map<String, Object> example = kind.map(examples::get).orElse(null);
            if (example != null) problems.addAll(CloudExamples.check(base, kind.get(), ctx.config().getMap(base), example));
        }
        Map<String, Object> endpoints = ctx.config().getMap("cloudmesh.comet.endpoints");
        ctx.config().getString("cloudmesh.comet.active").ifPresent(a -> {
            if (!endpoints.containsKey(a)) problems.add("cloudmesh.comet.active names '" + a + "', which is not under cloudmesh.comet.endpoints");
        });
        if (problems.isEmpty()) {
            ctx.out().println(file + ": ok (" + clouds.size() + " clouds, " + endpoints.size() + " comet endpoints)");
            return 0;
        }
        for (String p : problems) ctx.err().println(file + ": " + p);
        throw new CmsException(problems.size() + " problem" + (problems.size() == 1 ? "" : "s") + " in " + file);
    }

    @Command(name = "import", description = {"Merge a YAML file (e.g. the testbed's fragment) into cloudmesh.yaml.",
            "Sections are merged; a value in FILE replaces the same key's value."})
    int importFile(@Parameters(paramLabel = "FILE", description = "A cloudmesh.yaml fragment, e.g. the testbed's.") Path source) {
        String text;
        try {
            text = Files.readString(source);
        } catch (IOException e) {
            throw new CmsException("cannot read " + source + ": " + (e instanceof java.nio.file.NoSuchFileException ? "no such file" : e.getMessage()), e);
        }
        Map<String, Object> fragment = ConfigFile.parse(text, source.toString());
        if (!(fragment.get("cloudmesh") instanceof Map)) {
            throw new CmsException(source + ": expected a top-level 'cloudmesh:' section");
        }
        ctx.config().merge(fragment);
        Map<String, Object> flat = new LinkedHashMap<>();
        flatten("", fragment, flat);
        ctx.out().println("imported " + flat.size() + " settings from " + source + " into " + ctx.config().file());
        return 0;
    }

    private static void flatten(String prefix, Object value, Map<String, Object> into) {
        if (value instanceof Map<?, ?> m) {
            for (Map.Entry<?, ?> e : m.entrySet()) {
                flatten(prefix.isEmpty() ? String.valueOf(e.getKey()) : prefix + "." + e.getKey(), e.getValue(), into);
            }
        } else {
            into.put(prefix, value != null && Config.isSecret(prefix) ? MASK : value);
        }
    }

    private static Object masked(String prefix, Object value) {
        if (value instanceof Map<?, ?> m) {
            Map<String, Object> copy = new LinkedHashMap<>();
            m.forEach((k, v) -> copy.put(String.valueOf(k), masked(prefix + "." + k, v)));
            return copy;
        }
        return value != null && Config.isSecret(prefix) ? MASK : value;
    }
}
