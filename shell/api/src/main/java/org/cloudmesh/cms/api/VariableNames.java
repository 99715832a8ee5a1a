package org.cloudmesh.cms.api;

import java.util.regex.Pattern;

/**
 * What a variable name, a default key and a context name may be: one rule for the store, the commands that
 * write it, and substitution. Each check returns the name or throws a one-line CmsException.
 */
public final class VariableNames {
    /** Variable names. */
    public static final Pattern VARIABLE = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    /** Default keys and contexts: no dots, so that default.CONTEXT.KEY is never ambiguous. */
    public static final Pattern KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_-]*");

    private VariableNames() {}

    public static String variable(String name) {
        return check(name, VARIABLE, "variable name", "letters, digits, '_', '.' and '-'", "NAME=VALUE");
    }

    public static String key(String key) {
        return check(key, KEY, "default key", "letters, digits, '_' and '-'", "KEY=VALUE");
    }

    public static String context(String context) {
        return check(context, KEY, "context name", "letters, digits, '_' and '-'", "--context CONTEXT");
    }

    private static String check(String name, Pattern pattern, String what, String allowed, String form) {
        if (name == null || name.isEmpty()) {
            throw new CmsException("the " + what + " is empty: write " + form + " with a name of " + allowed);
        }
        if (pattern.matcher(name).matches()) return name;
        String problem;
        if (name.chars().anyMatch(Character::isWhitespace)) {
            problem = "contains a space";
        } else if (!Character.isLetter(name.charAt(0)) && name.charAt(0) != '_') {
            problem = "must start with a letter or '_'";
        } else {
            problem = "may hold only " + allowed;
        }
        throw new CmsException("invalid " + what + " '" + name + "': it " + problem + " (" + allowed
                + "; first a letter or '_')");
    }
}
