package org.cloudmesh.cms.app.vars;

import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.VariableNames;
import org.cloudmesh.cms.api.Variables;

/**
 * Variable substitution, token-aware (the old shell replaced plain substrings in dictionary order, so {@code $a}
 * clobbered {@code $ab} and {@code var.x} matched inside {@code myvar.x}).
 *
 * <ul>
 * <li>{@code $name}: the variable {@code name}, where name is the longest run of {@code [A-Za-z_][A-Za-z0-9_]*}
 *     ({@code $ab} is variable ab; {@code $a.txt} is variable a followed by ".txt").</li>
 * <li>{@code ${name}} delimits explicitly ({@code ${a}b}); here name may hold '.' and '-' like any variable name.
 *     {@code ${os.NAME}}, {@code ${var.NAME}}, {@code ${default.KEY}}, {@code ${default.CTX.KEY}} are the
 *     word forms below, delimited.</li>
 * <li>Word forms, replaced only as a whole word, i.e. at the start of the text or after whitespace or one of
 *     {@code = , : ' " ( [ {}: {@code var.NAME} (a variable; NAME may hold '.' and '-' between name characters),
 *     {@code os.NAME} (an environment variable), {@code default.CTX.KEY} (a default of context CTX) and
 *     {@code default.KEY} (context global). {@code myvar.x}, {@code cos.HOME} and {@code path/os.x} stay.</li>
 * <li>{@code \$} is a literal '$'; a '$' followed by anything but a name or '{' stays as it is ({@code $ 5},
 *     {@code $5}, a trailing {@code $}). Any other backslash is kept.</li>
 * <li>Anything unset throws {@link UnsetVariableException} naming it and how to set it; {@code ${} without
 *     '}' or with a bad name inside throws a CmsException.</li>
 * </ul>
 *
 * <p>{@link #apply} works on text the line parser has already taken out of its quotes (it never substitutes
 * single-quoted text, and substitutes double-quoted text after removing the quotes, so a value is never
 * re-parsed). {@link #applyLine} is for a whole raw line: it does the quoting itself, like sh.
 */
public final class Substitution {
    private static final String WORD_START = "=,:'\"([{";

    private final Variables variables;
    private final Map<String, String> env;

    /** @param env the environment for {@code os.NAME} (System.getenv() in the shell, a map in tests) */
    public Substitution(Variables variables, Map<String, String> env) {
        this.variables = Objects.requireNonNull(variables);
        this.env = Objects.requireNonNull(env);
    }

    public Substitution(Variables variables) {
        this(variables, System.getenv());
    }

    /** Substitutes in a stretch of unquoted or double-quoted text whose quotes the line parser removed. */
    public String apply(String text) {
        if (text.indexOf('$') < 0 && text.indexOf('.') < 0) return text;
        StringBuilder out = new StringBuilder(text.length() + 16);
        scan(text, 0, text.length(), out, false);
        return out.toString();
    }

    /**
     * Substitutes in a raw line: text in single quotes is kept as is, double-quoted text is substituted; the
     * quotes themselves are kept for the tokenizer, and so is a backslash before anything but '$'.
     */
    public String applyLine(String line) {
        if (line.indexOf('$') < 0 && line.indexOf('.') < 0) return line;
        StringBuilder out = new StringBuilder(line.length() + 16);
        scan(line, 0, line.length(), out, true);
        return out.toString();
    }

    private void scan(String s, int from, int to, StringBuilder out, boolean quotes) {
        boolean inSingle = false;
        boolean inDouble = false;
        int i = from;
        while (i < to) {
            char c = s.charAt(i);
            if (inSingle) {
                out.append(c);
                if (c == '\'') inSingle = false;
                i++;
            } else if (quotes && c == '\'' && !inDouble) {
                inSingle = true;
                out.append(c);
                i++;
            } else if (quotes && c == '"') {
                inDouble = !inDouble;
                out.append(c);
                i++;
            } else if (c == '\\' && i + 1 < to && s.charAt(i + 1) == '$') {
                out.append('$');
                i += 2;
            } else if (c == '\\' && quotes && i + 1 < to) {
                out.append(c).append(s.charAt(i + 1)); // the tokenizer decides what this escape means
                i += 2;
            } else if (c == '$') {
                i = dollar(s, i, to, out);
            } else if ((c == 'v' || c == 'o' || c == 'd') && (i == from || isWordStart(s.charAt(i - 1)))) {
                i = word(s, i, to, out);
            } else {
                out.append(c);
                i++;
            }
        }
    }

    private static boolean isWordStart(char before) {
        return Character.isWhitespace(before) || WORD_START.indexOf(before) >= 0;
    }

    // ---- $name and ${...} ---------------------------------------------------------------------------------

    private int dollar(String s, int i, int to, StringBuilder out) {
        if (i + 1 < to && s.charAt(i + 1) == '{') return braces(s, i, to, out);
        int end = identEnd(s, i + 1, to);
        if (end == i + 1) { // '$' before a space, a digit, punctuation or the end: a plain dollar sign
            out.append('$');
            return i + 1;
        }
        String name = s.substring(i + 1, end);
        Optional<String> value = variables.get(name);
        if (value.isEmpty()) {
            String hint = "";
            boolean prefix = name.equals("os") || name.equals("var") || name.equals("default");
            if (prefix && end < to && s.charAt(end) == '.') {
                int more = dottedEnd(s, end + 1, to);
                String form = name + s.substring(end, Math.max(end + 1, more));
                hint = "; did you mean " + form + " or ${" + form + "}?";
            }
            throw new UnsetVariableException(UnsetVariableException.Kind.VARIABLE, null, name, "$" + name, hint);
        }
        out.append(value.get());
        return end;
    }

    private int braces(String s, int i, int to, StringBuilder out) {
        int close = s.indexOf('}', i + 2);
        if (close < 0 || close >= to) {
            throw new CmsException("'${' without a closing '}' in '" + s.substring(i, to)
                    + "': write ${NAME}, or \\$ for a literal dollar sign");
        }
        String inner = s.substring(i + 2, close);
        String written = "${" + inner + "}";
        String value;
        if (inner.startsWith("os.") && identEnd(inner, 3, inner.length()) == inner.length() && inner.length() > 3) {
            value = env(inner.substring(3), written);
        } else if (inner.startsWith("var.") && VariableNames.VARIABLE.matcher(inner.substring(4)).matches()) {
            value = variable(inner.substring(4), written);
        } else if (inner.startsWith("default.") && validDefault(inner.substring(8))) {
            String rest = inner.substring(8);
            int dot = rest.indexOf('.');
            value = dot < 0 ? defaultValue(Variables.GLOBAL, rest, written)
                    : defaultValue(rest.substring(0, dot), rest.substring(dot + 1), written);
        } else if (VariableNames.VARIABLE.matcher(inner).matches()) {
            value = variable(inner, written);
        } else {
            throw new CmsException("bad substitution '" + written + "': write ${NAME} with a variable name"
                    + " (letters, digits, '_', '.', '-'), ${os.NAME} or ${default.[CONTEXT.]KEY}");
        }
        out.append(value);
        return close + 1;
    }

    private static boolean validDefault(String rest) {
        int dot = rest.indexOf('.');
        if (dot < 0) return VariableNames.KEY.matcher(rest).matches();
        return VariableNames.KEY.matcher(rest.substring(0, dot)).matches()
                && VariableNames.KEY.matcher(rest.substring(dot + 1)).matches();
    }

    // ---- var.NAME, os.NAME, default.[CTX.]KEY -------------------------------------------------------------

    private int word(String s, int i, int to, StringBuilder out) {
        if (s.startsWith("var.", i) && i + 4 < to) {
            int end = dottedEnd(s, i + 4, to);
            if (end > i + 4) {
                out.append(variable(s.substring(i + 4, end), s.substring(i, end)));
                return end;
            }
        } else if (s.startsWith("os.", i) && i + 3 < to) {
            int end = identEnd(s, i + 3, to);
            if (end > i + 3) {
                out.append(env(s.substring(i + 3, end), s.substring(i, end)));
                return end;
            }
        } else if (s.startsWith("default.", i) && i + 8 < to) {
            int first = keyEnd(s, i + 8, to);
            if (first > i + 8) {
                int second = first + 1 < to && s.charAt(first) == '.' ? keyEnd(s, first + 1, to) : first + 1;
                if (second > first + 1) {
                    out.append(defaultValue(s.substring(i + 8, first), s.substring(first + 1, second),
                            s.substring(i, second)));
                    return second;
                }
                out.append(defaultValue(Variables.GLOBAL, s.substring(i + 8, first), s.substring(i, first)));
                return first;
            }
        }
        out.append(s.charAt(i));
        return i + 1;
    }

    private String variable(String name, String written) {
        return variables.get(name).orElseThrow(() ->
                new UnsetVariableException(UnsetVariableException.Kind.VARIABLE, null, name, written,
                        written.startsWith("var.") ? "; or quote it to keep the text: '" + written + "'" : ""));
    }

    private String env(String name, String written) {
        String value = env.get(name);
        if (value == null) {
            throw new UnsetVariableException(UnsetVariableException.Kind.ENVIRONMENT, null, name, written,
                    written.startsWith("os.") ? "; or quote it to keep the text: '" + written + "'" : "");
        }
        return value;
    }

    private String defaultValue(String context, String key, String written) {
        return variables.getDefault(context, key).orElseThrow(() ->
                new UnsetVariableException(UnsetVariableException.Kind.DEFAULT, context, key, written,
                        written.startsWith("default.") ? "; or quote it to keep the text: '" + written + "'" : ""));
    }

    // ---- name scanning ------------------------------------------------------------------------------------

    private static boolean isNameStart(char c) {
        return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c == '_';
    }

    private static boolean isNameChar(char c) {
        return isNameStart(c) || c >= '0' && c <= '9';
    }

    /** End of {@code [A-Za-z_][A-Za-z0-9_]*} starting at i, or i when there is none. */
    private static int identEnd(String s, int i, int to) {
        if (i >= to || !isNameStart(s.charAt(i))) return i;
        int j = i + 1;
        while (j < to && isNameChar(s.charAt(j))) j++;
        return j;
    }

    /** A variable name in a word: an identifier, then '.' or '-' each followed by name characters. */
    private static int dottedEnd(String s, int i, int to) {
        int j = identEnd(s, i, to);
        if (j == i) return i;
        while (j + 1 < to && (s.charAt(j) == '.' || s.charAt(j) == '-') && isNameChar(s.charAt(j + 1))) {
            j += 2;
            while (j < to && isNameChar(s.charAt(j))) j++;
        }
        return j;
    }

    /** A default key or context in a word: an identifier, then '-' followed by name characters. */
    private static int keyEnd(String s, int i, int to) {
        int j = identEnd(s, i, to);
        if (j == i) return i;
        while (j + 1 < to && s.charAt(j) == '-' && isNameChar(s.charAt(j + 1))) {
            j += 2;
            while (j < to && isNameChar(s.charAt(j))) j++;
        }
        return j;
    }
}
