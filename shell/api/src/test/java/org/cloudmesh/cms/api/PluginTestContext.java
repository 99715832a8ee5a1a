package org.cloudmesh.cms.api;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import picocli.CommandLine;

/**
 * A shell for one plugin's tests: a cloudmesh.yaml text, variables in memory, captured output, the plugin's
 * commands, the given extensions (providers, backends), and an audit trail in memory.
 */
public class PluginTestContext implements Context, AutoCloseable {
    public final Path home;
    public final MapConfig config;
    public final Map<String, String> vars = new TreeMap<>();
    public final List<Object> extensions;
    public final List<org.cloudmesh.cms.api.audit.AuditEntry> audit = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** As if at a terminal: confirm() then answers {@link #answer}. */
    public boolean interactive;
    public boolean answer;
    private PrintWriter pout = new PrintWriter(new StringWriter(), true);
    private PrintWriter perr = new PrintWriter(new StringWriter(), true);
    private final CommandLine cl;
    private final Closer closer = new Closer();

    public PluginTestContext(Path home, String yaml, CommandPlugin plugin, Object... extensions) throws IOException {
        this.home = home;
        Files.createDirectories(home);
        this.config = MapConfig.parse(home.resolve("cloudmesh.yaml"), yaml);
        this.extensions = List.of(extensions);
        // through the shell's factory: the same handlers, statuses and messages as a real shell
        cl = CommandFactory.root(new Root(), pout, perr, (message, cause) -> perr.println("ERROR: " + message));
        for (Object c : plugin.commands(this)) cl.addSubcommand(CommandFactory.command(c, pout, perr));
    }

    public record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** Runs one command line as the shell would: an error becomes "ERROR: message" and its status (1, 130...). */
    public synchronized Run cms(String... words) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        pout = new PrintWriter(out, true);
        perr = new PrintWriter(err, true);
        cl.setOut(pout);
        cl.setErr(perr);
        int status = cl.execute(words);
        pout.flush();
        perr.flush();
        return new Run(status, out.toString(), err.toString());
    }

    @CommandLine.Command(name = "cms")
    private static final class Root {
    }

    /** What a plugin registered with {@link #onClose}, closed as the shell closes it: the last first. */
    @Override
    public void onClose(AutoCloseable resource) {
        closer.add(resource);
    }

    @Override
    public void close() {
        closer.close();
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
            public Optional<String> get(String name) {
                return Optional.ofNullable(vars.get(name));
            }

            public void set(String name, String value) {
                vars.put(name, value);
            }

            public boolean delete(String name) {
                return vars.remove(name) != null;
            }

            public Map<String, String> all() {
                return new TreeMap<>(vars);
            }

            public void clear() {
                vars.clear();
            }

            public Optional<String> getDefault(String context, String key) {
                return Optional.empty();
            }

            public void setDefault(String context, String key, String value) {
            }

            public boolean deleteDefault(String context, String key) {
                return false;
            }

            public boolean deleteContext(String context) {
                return false;
            }

            public Map<String, Map<String, String>> defaults() {
                return Map.of();
            }
        };
    }

    @Override
    public PrintWriter out() {
        return pout;
    }

    @Override
    public PrintWriter err() {
        return perr;
    }

    @Override
    public boolean interactive() {
        return interactive;
    }

    @Override
    public boolean confirm(String question) {
        return interactive && answer;
    }

    @Override
    public String prompt(String question) {
        throw new CmsException("no terminal");
    }

    @Override
    public org.cloudmesh.cms.api.audit.AuditTrail audit() {
        return new org.cloudmesh.cms.api.audit.AuditTrail() {
            public void record(org.cloudmesh.cms.api.audit.AuditEntry e) {
                audit.add(e);
            }

            public List<org.cloudmesh.cms.api.audit.AuditEntry> query(String user, String cluster, java.time.Instant since) {
                return List.copyOf(audit);
            }
        };
    }

    @Override
    public <T> List<T> extensions(Class<T> type) {
        return extensions.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
