package org.cloudmesh.cms.app.vars;

import java.io.ByteArrayInputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.error.Mark;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;
import org.yaml.snakeyaml.nodes.MappingNode;
import org.yaml.snakeyaml.nodes.Node;
import org.yaml.snakeyaml.nodes.NodeTuple;
import org.yaml.snakeyaml.nodes.ScalarNode;
import org.yaml.snakeyaml.nodes.Tag;

/**
 * Reads and writes variables.yaml. Reading composes the YAML nodes and takes every scalar as written, so a value
 * is exactly the text in the file and a mistake is reported with its line and column.
 *
 * <p>Writing: two sections of string → string mappings, every value quoted (so no YAML reader turns
 * {@code 10} or {@code yes} into a number or a boolean). Single quotes when the value is printable on one line,
 * double quotes with escapes otherwise. Faster than a general dumper by an order of magnitude, which matters
 * because a script may set a variable thousands of times.
 */
final class YamlText {
    private static final Pattern PLAIN_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.-]*");
    private static final char[] HEX = "0123456789ABCDEF".toCharArray();

    private YamlText() {}

    static String format(String header, Map<String, String> variables,
            Map<String, ? extends Map<String, String>> defaults) {
        StringBuilder b = new StringBuilder(header.length() + 32 + 32 * variables.size());
        b.append(header);
        b.append("variables:");
        section(b, variables, "  ");
        b.append("defaults:");
        if (defaults.isEmpty()) {
            b.append(" {}\n");
        } else {
            b.append('\n');
            for (Map.Entry<String, ? extends Map<String, String>> c : defaults.entrySet()) {
                b.append("  ");
                key(b, c.getKey());
                b.append(':');
                section(b, c.getValue(), "    ");
            }
        }
        return b.toString();
    }

    private static void section(StringBuilder b, Map<String, String> map, String indent) {
        if (map.isEmpty()) {
            b.append(" {}\n");
            return;
        }
        b.append('\n');
        for (Map.Entry<String, String> e : map.entrySet()) {
            b.append(indent);
            key(b, e.getKey());
            b.append(": ");
            quote(b, e.getValue());
            b.append('\n');
        }
    }

    private static void key(StringBuilder b, String key) {
        if (PLAIN_KEY.matcher(key).matches()) {
            b.append(key);
        } else {
            quote(b, key);
        }
    }

    /** Reads variables.yaml; a CmsException names the file, line and column of what is wrong. */
    static VariableStore.Data parse(Path file, byte[] bytes) {
        Node root;
        try {
            root = new Yaml(new LoaderOptions())
                    .compose(new InputStreamReader(new ByteArrayInputStream(bytes), StandardCharsets.UTF_8));
        } catch (MarkedYAMLException e) {
            Mark m = e.getProblemMark() != null ? e.getProblemMark() : e.getContextMark();
            String problem = e.getProblem() != null ? e.getProblem() : e.getMessage();
            throw corrupt(file, m, problem.replace('\n', ' ').strip(), e);
        } catch (YAMLException e) {
            throw corrupt(file, null, String.valueOf(e.getMessage()).replace('\n', ' ').strip(), e);
        }
        VariableStore.Data data = new VariableStore.Data();
        if (root == null) return data;
        for (NodeTuple t : mapping(file, root, "the file")) {
            String section = scalar(file, t.getKeyNode(), "a section name");
            switch (section) {
                case "variables" -> {
                    for (NodeTuple v : mapping(file, t.getValueNode(), "'variables'")) {
                        put(file, data.variables, v, "variable");
                    }
                }
                case "defaults" -> {
                    for (NodeTuple c : mapping(file, t.getValueNode(), "'defaults'")) {
                        String context = scalar(file, c.getKeyNode(), "a context name");
                        if (data.defaults.containsKey(context)) {
                            throw corrupt(file, c.getKeyNode().getStartMark(),
                                    "context '" + context + "' appears twice", null);
                        }
                        SortedMap<String, String> m = data.defaults.computeIfAbsent(context, x -> new TreeMap<>());
                        for (NodeTuple kv : mapping(file, c.getValueNode(), "context '" + context + "'")) {
                            put(file, m, kv, "default");
                        }
                        if (m.isEmpty()) data.defaults.remove(context);
                    }
                }
                default -> throw corrupt(file, t.getKeyNode().getStartMark(),
                        "unexpected section '" + section + "' (the file holds only 'variables' and 'defaults')", null);
            }
        }
        return data;
    }

    private static void put(Path file, Map<String, String> map, NodeTuple t, String what) {
        String key = scalar(file, t.getKeyNode(), "a " + what + " name");
        if (map.put(key, value(file, t.getValueNode())) != null) {
            throw corrupt(file, t.getKeyNode().getStartMark(), what + " '" + key + "' appears twice", null);
        }
    }

    private static List<NodeTuple> mapping(Path file, Node node, String what) {
        if (node instanceof MappingNode m) return m.getValue();
        if (node instanceof ScalarNode s && s.getTag().equals(Tag.NULL)) return List.of();
        throw corrupt(file, node.getStartMark(), what + " must be a mapping of name: value", null);
    }

    private static String scalar(Path file, Node node, String what) {
        if (node instanceof ScalarNode s) return s.getValue();
        throw corrupt(file, node.getStartMark(), what + " must be a plain string", null);
    }

    private static String value(Path file, Node node) {
        if (node instanceof ScalarNode s) return s.getTag().equals(Tag.NULL) ? "" : s.getValue();
        throw corrupt(file, node.getStartMark(), "a value must be a string, not a list or a mapping", null);
    }

    private static CmsException corrupt(Path file, Mark mark, String problem, Exception cause) {
        String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
        return new CmsException("corrupt variables file " + file + where + ": " + problem
                + "; fix it in an editor or remove it (it only holds variables and defaults)", cause);
    }

    /** A YAML flow scalar that reads back as exactly {@code s}. */
    static void quote(StringBuilder b, String s) {
        if (singleQuotable(s)) {
            b.append('\'');
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                if (c == '\'') b.append('\'');
                b.append(c);
            }
            b.append('\'');
            return;
        }
        b.append('"');
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            switch (c) {
                case '"' -> b.append("\\\"");
                case '\\' -> b.append("\\\\");
                case '\n' -> b.append("\\n");
                case '\t' -> b.append("\\t");
                case '\r' -> b.append("\\r");
                case '\0' -> b.append("\\0");
                default -> {
                    if (printable(c) || Character.isSurrogate(c) && pairedSurrogate(s, i)) {
                        b.append(c);
                    } else if (c <= 0xFF) {
                        b.append("\\x").append(HEX[c >> 4]).append(HEX[c & 0xF]);
                    } else {
                        b.append("\\u").append(HEX[c >> 12]).append(HEX[(c >> 8) & 0xF])
                                .append(HEX[(c >> 4) & 0xF]).append(HEX[c & 0xF]);
                    }
                }
            }
        }
        b.append('"');
    }

    /** Printable on one line, no leading or trailing character a single-quoted scalar would fold or trim. */
    private static boolean singleQuotable(String s) {
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (printable(c)) continue;
            if (Character.isHighSurrogate(c) && pairedSurrogate(s, i)) {
                i++;
                continue;
            }
            return false;
        }
        return true;
    }

    /** YAML's printable set minus tab, the BOM and YAML 1.1's line breaks NEL, LS and PS (escaped instead). */
    private static boolean printable(char c) {
        return c >= 0x20 && c <= 0x7E || c >= 0xA0 && c <= 0xD7FF && c != 0x2028 && c != 0x2029
                || c >= 0xE000 && c <= 0xFFFD && c != 0xFEFF;
    }

    private static boolean pairedSurrogate(String s, int i) {
        char c = s.charAt(i);
        if (Character.isHighSurrogate(c)) return i + 1 < s.length() && Character.isLowSurrogate(s.charAt(i + 1));
        return i > 0 && Character.isLowSurrogate(c) && Character.isHighSurrogate(s.charAt(i - 1));
    }
}
