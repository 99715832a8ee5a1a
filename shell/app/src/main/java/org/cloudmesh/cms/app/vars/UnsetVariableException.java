package org.cloudmesh.cms.app.vars;

import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Variables;

/**
 * A substitution named a variable, environment variable or default that is not set. The message says which
 * and how to set it; the runtime decides whether that ends the line (it does in batch mode).
 */
public final class UnsetVariableException extends CmsException {
    /** Where the name was looked up. */
    public enum Kind { VARIABLE, ENVIRONMENT, DEFAULT }

    private final Kind kind;
    private final String name;
    private final String context;
    private final String written;

    UnsetVariableException(Kind kind, String context, String name, String written, String hint) {
        super(message(kind, context, name, written) + hint);
        this.kind = kind;
        this.name = name;
        this.context = context;
        this.written = written;
    }

    private static String message(Kind kind, String context, String name, String written) {
        return switch (kind) {
            case VARIABLE -> "variable '" + name + "' is not set (" + written + "): set it with 'set " + name
                    + "=VALUE'";
            case ENVIRONMENT -> "environment variable '" + name + "' is not set (" + written
                    + "): export it before starting cms";
            case DEFAULT -> "default '" + name + "' is not set in context '" + context + "' (" + written
                    + "): set it with 'default " + name + "=VALUE"
                    + (Variables.GLOBAL.equals(context) ? "" : " --context " + context) + "'";
        };
    }

    public Kind kind() {
        return kind;
    }

    /** The variable, environment variable or default key. */
    public String name() {
        return name;
    }

    /** The context of a default, else null. */
    public String context() {
        return context;
    }

    /** The text as written in the line, e.g. {@code $x}, {@code ${x}}, {@code os.HOME}. */
    public String written() {
        return written;
    }
}
