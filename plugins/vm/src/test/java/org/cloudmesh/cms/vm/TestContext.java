package org.cloudmesh.cms.vm;

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
import org.cloudmesh.cms.api.MapConfig;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Variables;
import picocli.CommandLine;
import org.yaml.snakeyaml.Yaml;

/** A shell for one test: a cloudmesh.yaml text, variables in memory, captured output, given providers. */
final class TestContext implements Context {
    final Path home;
    final Map<String, Object> root;
    final Map<String, String> vars = new TreeMap<>();
    final List<Object> providers;
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    private PrintWriter pout = new PrintWriter(out, true);
    private PrintWriter perr = new PrintWriter(err, true);

    TestContext(Path home, String yaml, Object... providers) throws IOException {
        this.home = home;
        Files.createDirectories(home);
        this.root = new Yaml().load(yaml);
        this.providers = List.of(providers);
    }

    record Run(int status, String out, String err) {
        @Override
        public String toString() {
            return "status " + status + "\n--- out\n" + out + "--- err\n" + err;
        }
    }

    /** Runs one command line as the shell would: a CmsException becomes "ERROR: message" and status 1. */
    Run cms(String... words) {
        out = new StringWriter();
        err = new StringWriter();
        pout = new PrintWriter(out, true);
        perr = new PrintWriter(err, true);
        CommandLine cl = new CommandLine(new Root());
        for (Object c : new VmPlugin().commands(this)) cl.addSubcommand(c);
        cl.setOut(pout);
        cl.setErr(perr);
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
        return new MapConfig(home.resolve("cloudmesh.yaml"), root);
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
        return false;
    }

    @Override
    public boolean confirm(String question) {
        return false;
    }

    @Override
    public String prompt(String question) {
        throw new CmsException("no terminal");
    }

    @Override
    public <T> List<T> extensions(Class<T> type) {
        return providers.stream().filter(type::isInstance).map(type::cast).toList();
    }
}
