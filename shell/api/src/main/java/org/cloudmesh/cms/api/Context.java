package org.cloudmesh.cms.api;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import org.cloudmesh.cms.api.audit.AuditEntry;
import org.cloudmesh.cms.api.audit.AuditTrail;

/** What a command may use from the shell: state, I/O, and other plugins' extensions. */
public interface Context {
    /** $CLOUDMESH_HOME: the directory that holds all state (0700). */
    Path home();

    Config config();

    Variables variables();

    PrintWriter out();

    PrintWriter err();

    /** True when a person is at a terminal (REPL); false for one-shot, scripts and piped input. */
    boolean interactive();

    /** Asks a yes/no question in the REPL; in batch mode returns false without asking. */
    boolean confirm(String question);

    /** Reads a line from the person at the terminal; throws CmsException in batch mode. */
    String prompt(String question);

    /**
     * The audit trail that state-changing commands write to (the shell's lives in {@code $CLOUDMESH_HOME}).
     * The default, for contexts without a home such as unit tests, keeps nothing.
     */
    default AuditTrail audit() {
        return new AuditTrail() {
            @Override
            public void record(AuditEntry entry) {
            }

            @Override
            public List<AuditEntry> query(String user, String cluster, Instant since) {
                return List.of();
            }
        };
    }

    /**
     * The close hook: {@code resource} is closed when the shell ends, on every exit path of every mode (REPL,
     * one-shot, script, piped input, server; a signal too), the last registered first. Whatever a plugin keeps
     * open across commands (a control plane, an ssh pool, libvirt connections) registers here once, when opened.
     */
    void onClose(AutoCloseable resource);

    /** Extensions of the given point contributed by all started plugins. */
    <T> List<T> extensions(Class<T> type);

    /** The output format chosen by the user: --output, else variable {@code output}, else table. */
    default Format format(Format option) {
        if (option != null) return option;
        return variables().get("output").map(Format::parse).orElse(Format.TABLE);
    }

    default Printer printer(Format option) {
        return new Printer(out(), format(option));
    }
}
