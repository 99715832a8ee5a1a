package org.cloudmesh.cms.comet;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.Closer;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.CommandFactory;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Variables;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import org.yaml.snakeyaml.Yaml;
import picocli.CommandLine;

/**
 * A shell for the comet command in one JVM: a real $CLOUDMESH_HOME (so a real store), config in memory, out and
 * err captured; one comet command object for all runs, as in the REPL. Errors print one ERROR line, status 1.
 * What the commands open is closed by {@link #close()}.
 */
public final class TestContext implements Context, AutoCloseable {
    final Path home;
    final MapConfig config = new MapConfig();
    private final StringWriter outText = new StringWriter();
    private final StringWriter errText = new StringWriter();
    private final PrintWriter out = new PrintWriter(outText, true);
    private final PrintWriter err = new PrintWriter(errText, true);
    final CometCommand comet;
    /** Answers for prompt(); when not null the context is interactive. */
    Deque<String> answers;

    public TestContext(Path home) {
        this.home = home;
        this.comet = new CometCommand(this);
    }

    private CommandLine cl;

    public int run(String... words) {
        outText.getBuffer().setLength(0);
        errText.getBuffer().setLength(0);
        // one model for the life of the context, as the shell keeps one per command (picocli resets the options
        // before each parse); built by the shell's factory, so statuses and messages are the shell's
        if (cl == null) {
            cl = CommandFactory.root(new Root(), out, err, (message, cause) -> err.println("ERROR: " + message));
            cl.addSubcommand(CommandFactory.command(comet, out, err));
        }
        String[] args = words.length > 0 && words[0].equals("comet") ? words : prepend("comet", words);
        return cl.execute(args);
    }

    private static String[] prepend(String first, String[] rest) {
        String[] all = new String[rest.length + 1];
        all[0] = first;
        System.arraycopy(rest, 0, all, 1, rest.length);
        return all;
    }

    @CommandLine.Command(name = "cms")
    private static final class Root {
    }

    public String printed() {
        out.flush();
        return outText.toString();
    }

    public String errText() {
        err.flush();
        return errText.toString();
    }

    public Comet service() {
        return comet.service();
    }

    private final Closer closer = new Closer();

    @Override
    public void onClose(AutoCloseable resource) {
        closer.add(resource);
    }

    /** Closes what the commands opened (the control plane), as the shell does when it ends. */
    @Override
    public void close() {
        closer.close();
    }

    /** Merges a YAML document (e.g. the testbed fragment) into the config. */
    @SuppressWarnings("unchecked")
    public void importYaml(String yaml) {
        config.merge((Map<String, Object>) new Yaml().load(yaml));
    }

    public void importFile(Path p) throws java.io.IOException {
        importYaml(Files.readString(p));
    }

    @Override
    public Path home() {
        return home;
    }

    @Override
    public Config config() {
        return config;
    }

    @Override
    public Variables variables() {
        return new Variables() {
            public Optional<String> get(String name) { return Optional.empty(); }
            public void set(String name, String value) { }
            public boolean delete(String name) { return false; }
            public Map<String, String> all() { return Map.of(); }
            public void clear() { }
            public Optional<String> getDefault(String context, String key) { return Optional.empty(); }
            public void setDefault(String context, String key, String value) { }
            public boolean deleteDefault(String context, String key) { return false; }
            public boolean deleteContext(String context) { return false; }
            public Map<String, Map<String, String>> defaults() { return Map.of(); }
        };
    }

    @Override
    public PrintWriter out() {
        return out;
    }

    @Override
    public PrintWriter err() {
        return err;
    }

    @Override
    public boolean interactive() {
        return answers != null;
    }

    @Override
    public boolean confirm(String question) {
        return false;
    }

    @Override
    public String prompt(String question) {
        if (answers == null) throw new CmsException("cannot ask '" + question.strip() + "' in batch mode");
        out.print(question);
        String a = answers.poll();
        if (a == null) throw new CmsException("no answer given");
        return a;
    }

    @Override
    public <T> List<T> extensions(Class<T> type) {
        return List.of();
    }

    /** cloudmesh.yaml as nested maps. */
    static final class MapConfig implements Config {
        final Map<String, Object> root = new LinkedHashMap<>();

        @Override
        public Path file() {
            return Path.of("cloudmesh.yaml");
        }

        @Override
        @SuppressWarnings("unchecked")
        public Optional<Object> get(String path) {
            Object node = root;
            for (String part : path.split("\\.")) {
                if (!(node instanceof Map)) return Optional.empty();
                node = ((Map<String, Object>) node).get(part);
                if (node == null) return Optional.empty();
            }
            return Optional.of(node);
        }

        @Override
        @SuppressWarnings("unchecked")
        public void set(String path, String value) {
            String[] parts = path.split("\\.");
            Map<String, Object> node = root;
            for (int i = 0; i < parts.length - 1; i++) {
                node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<>());
            }
            node.put(parts[parts.length - 1], value);
        }

        @Override
        public void merge(Map<String, Object> fragment) {
            merge(root, fragment);
        }

        @SuppressWarnings("unchecked")
        private static void merge(Map<String, Object> into, Map<String, Object> from) {
            from.forEach((k, v) -> {
                if (v instanceof Map && into.get(k) instanceof Map) merge((Map<String, Object>) into.get(k), (Map<String, Object>) v);
                else into.put(k, v instanceof Map ? new LinkedHashMap<>((Map<String, Object>) v) : v);
            });
        }

        @Override
        public void reload() {
        }
    }
}
