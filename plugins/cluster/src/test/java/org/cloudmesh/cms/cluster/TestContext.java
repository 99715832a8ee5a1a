package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.MapConfig;
import org.cloudmesh.cms.api.Variables;
import picocli.CommandLine;

/** A shell for one test: a cloudmesh.yaml text, variables in memory, captured output, the given extensions. */
final class TestContext implements Context {
    final Path home;
    final MapConfig config;
    final Map<String, String> vars = new TreeMap<>();
    final List<Object> extensions;
    final List<org.cloudmesh.cms.api.audit.AuditEntry> audit = new java.util.concurrent.CopyOnWriteArrayList<>();
    boolean interactive;
    boolean answer;
    private PrintWriter pout = new PrintWriter(new StringWriter(), true);
    private PrintWriter perr = new PrintWriter(new StringWriter(), true);
    private final CommandLine cl;

    TestContext(Path home, String yaml, Object... extensions) throws IOException {
        this.home = home;
        Files.createDirectories(home);
        this.config = MapConfig.parse(home.resolve("cloudmesh.yaml"), yaml);
        this.extensions = List.of(extensions);
        cl = new CommandLine(new Root());
        for (Object c : new ClusterPlugin().commands(this)) cl.addSubcommand(c);
        cl.setExecutionExceptionHandler((ex, c, p) -> {
            if (ex instanceof CmsException) {
                perr.println("ERROR: " + ex.getMessage());
                return 1;
            }
            throw ex;
        });
        cl.setParameterExceptionHandler((ex, a) -> {
            perr.println("ERROR: " + ex.getMessage());
            return 2;
        });
    }

    record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** Runs one command line as the shell would: a CmsException becomes "ERROR: message" and status 1. */
    synchronized Run cms(String... words) {
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
    static final class Root {
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
