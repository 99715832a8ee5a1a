package org.cloudmesh.cms.app.builtin;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cloudmesh.cms.api.util.Suggest;
import org.cloudmesh.cms.app.config.ConfigFile;

/**
 * The example cloud entries of the cloudmesh.yaml template, one per kind, with every key cms reads: the commented
 * block that follows the line {@code # Example cloud entries:}, read as YAML once the {@code #} of each line is
 * taken away. {@code config check} holds a configured entry against the example of its kind: a key whose example
 * value is {@code TBD} is required; a key the example lacks is named when it is near one it has (a misspelling).
 * Other keys pass, as cloudmesh's own ({@code cm.active}, {@code cm.label}) do.
 */
final class CloudExamples {
    static final String MARKER = "# Example cloud entries:";
    static final List<String> SECTIONS = List.of("cm", "default", "credentials", "endpoint");

    private CloudExamples() {
    }

    /** Kind → example entry, from the template's text; none when the template has no such block. */
    static Map<String, Map<String, Object>> parse(String template) {
        List<String> lines = template.lines().toList();
        int start = -1;
        for (int i = 0; i < lines.size() && start < 0; i++) if (lines.get(i).strip().equals(MARKER)) start = i + 1;
        Map<String, Map<String, Object>> byKind = new LinkedHashMap<>();
        if (start < 0) return byKind;
        StringBuilder yaml = new StringBuilder();
        for (int i = start; i < lines.size(); i++) {
            String t = lines.get(i).stripLeading();
            if (!t.startsWith("#") || t.strip().equals("#")) break;
            String body = t.substring(1);
            yaml.append(body.startsWith(" ") ? body.substring(1) : body).append('\n');
        }
        for (Object entry : ConfigFile.parse(yaml.toString(), "the example cloud entries of the cloudmesh.yaml template").values()) {
            Map<String, Object> e = map(entry);
            Object kind = map(e.get("cm")).get("kind");
            if (kind != null) byKind.putIfAbsent(String.valueOf(kind), e);
        }
        return byKind;
    }

    /** The problems of entry {@code base} (cloudmesh.cloud.NAME) against the example of its kind. */
    static List<String> check(String base, String kind, Map<String, Object> entry, Map<String, Object> example) {
        List<String> problems = new ArrayList<>();
        for (String key : entry.keySet()) {
            if (example.containsKey(key) || SECTIONS.contains(key)) continue;
            String near = near(key, SECTIONS);
            if (near != null) problems.add(base + "." + key + " is not a section of a cloud entry: did you mean " + near + "?");
        }
        for (Map.Entry<String, Object> section : example.entrySet()) {
            if (!(section.getValue() instanceof Map<?, ?>)) continue;
            Map<String, Object> want = map(section.getValue());
            Map<String, Object> have = map(entry.get(section.getKey()));
            String at = base + "." + section.getKey();
            for (Map.Entry<String, Object> k : want.entrySet()) {
                if (!"TBD".equals(String.valueOf(k.getValue()))) continue;
                Object v = have.get(k.getKey());
                String s = v == null ? "" : String.valueOf(v).strip();
                if (s.isEmpty() || s.equalsIgnoreCase("TBD")) {
                    problems.add(at + "." + k.getKey() + " is " + (v == null ? "missing" : "TBD") + ": kind " + kind
                            + " needs it (config set " + at + "." + k.getKey() + "=VALUE)");
                }
            }
            for (String key : have.keySet()) {
                if (want.containsKey(key)) continue;
                String near = near(key, want.keySet());
                if (near != null) problems.add(at + "." + key + " is not a key kind " + kind + " reads: did you mean " + near + "?");
            }
        }
        return problems;
    }

    /** The known key a mistyped one is nearest to (same letters in another case, a prefix, or a few edits), or null. */
    static String near(String typed, Iterable<String> known) {
        String best = null;
        int bestDistance = Integer.MAX_VALUE;
        int limit = Math.max(1, Math.min(3, typed.length() / 4));
        for (String k : known) {
            int d = k.equalsIgnoreCase(typed) ? 0 : Suggest.distance(typed.toLowerCase(Locale.ROOT), k.toLowerCase(Locale.ROOT));
            // a cut-short key is a prefix of the known one (the other way round are aliases: OS_REGION_NAME)
            boolean prefix = typed.length() >= 3 && k.startsWith(typed);
            if ((d <= limit || prefix) && d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return best;
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        if (!(o instanceof Map<?, ?> m)) return Map.of();
        Map<String, Object> r = new LinkedHashMap<>();
        ((Map<Object, Object>) m).forEach((k, v) -> r.put(String.valueOf(k), v));
        return r;
    }
}
