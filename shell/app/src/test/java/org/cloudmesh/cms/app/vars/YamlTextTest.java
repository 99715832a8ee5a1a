package org.cloudmesh.cms.app.vars;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class YamlTextTest {
    private static final List<String> TRICKY = List.of("", " ", "  leading and trailing  ", "10", "1.5", "0x1F",
            "true", "yes", "no", "on", "null", "~", "-", "- item", "? x", ": x", "a: b", "a #b", "#c", "'", "''",
            "it's", "\"", "\\", "\\n", "tab\there", "line\nbreak", "trailing newline\n", "\r\n", "nul\0x",
            "bell\u0007", "del\u007f", "nel\u0085", "nbsp\u00a0", "ls\u2028ps\u2029", "bom\ufeff", "emoji 😀",
            "ünïcödé", "{a: 1}", "[1, 2]", "&anchor", "*alias", "!tag", "%directive", "@at", "`tick`", "|", ">",
            "a\u0001b", "x".repeat(500));

    private static VariableStore.Data roundTrip(Map<String, String> variables, Map<String, Map<String, String>> defaults) {
        TreeMap<String, TreeMap<String, String>> d = new TreeMap<>();
        defaults.forEach((c, m) -> d.put(c, new TreeMap<>(m)));
        String text = YamlText.format(VariableStore.HEADER, new TreeMap<>(variables), d);
        return YamlText.parse(Path.of("variables.yaml"), text.getBytes(StandardCharsets.UTF_8));
    }

    @Test
    void everyStringReadsBackExactly() {
        for (String value : TRICKY) {
            VariableStore.Data d = roundTrip(Map.of("v", value), Map.of("global", Map.of("k", value)));
            assertEquals(value, d.variables.get("v"), () -> "value " + escape(value));
            assertEquals(value, d.defaults.get("global").get("k"), () -> "default " + escape(value));
        }
    }

    @Test
    void oddKeysFromAHandEditedFileAreQuotedOnTheWayBack() {
        VariableStore.Data d = roundTrip(Map.of("my var", "1", "true", "2", "a:b", "3"), Map.of());
        assertEquals(Map.of("my var", "1", "true", "2", "a:b", "3"), d.variables);
    }

    @Test
    void theFileReadsWell() {
        String text = YamlText.format("# h\n", new TreeMap<>(Map.of("cloud", "aws", "n", "10", "msg", "it's")),
                new TreeMap<>(Map.of("aws", new TreeMap<>(Map.of("image", "ubuntu")))));
        assertEquals("# h\nvariables:\n  cloud: 'aws'\n  msg: 'it''s'\n  n: '10'\n"
                + "defaults:\n  aws:\n    image: 'ubuntu'\n", text);
        assertEquals("# h\nvariables: {}\ndefaults: {}\n", YamlText.format("# h\n", new TreeMap<>(), new TreeMap<>()));
        StringBuilder b = new StringBuilder();
        YamlText.quote(b, "a\tb\nc\"d\\");
        assertEquals("\"a\\tb\\nc\\\"d\\\\\"", b.toString());
    }

    private static String escape(String s) {
        StringBuilder b = new StringBuilder();
        for (char c : s.toCharArray()) b.append(c < 0x20 || c > 0x7e ? String.format("\\u%04x", (int) c) : String.valueOf(c));
        return b.toString();
    }
}
