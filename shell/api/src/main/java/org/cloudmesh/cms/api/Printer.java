package org.cloudmesh.cms.api;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * The one formatter for listings. Rows are maps; {@code columns} picks and orders the keys shown.
 * Machine formats (json, yaml, csv) carry no padding or colour; a missing value is empty (csv, table) or null.
 */
public final class Printer {
    private final PrintWriter out;
    private final Format format;

    public Printer(PrintWriter out, Format format) {
        this.out = out;
        this.format = format;
    }

    public Format format() {
        return format;
    }

    /** Prints rows as a table (header from the column names), a JSON/YAML list of objects, or CSV. */
    public void list(List<String> columns, List<? extends Map<String, ?>> rows) {
        List<Map<String, Object>> picked = new ArrayList<>();
        for (Map<String, ?> row : rows) {
            Map<String, Object> m = new LinkedHashMap<>();
            for (String c : columns) m.put(c, row.get(c));
            picked.add(m);
        }
        switch (format) {
            case TABLE -> table(columns, picked);
            case CSV -> csv(columns, picked);
            case JSON -> out.println(json(picked));
            case YAML -> out.print(yaml(picked));
        }
        out.flush();
    }

    /** Prints one object as a two-column attribute/value table, or as a JSON/YAML object, or CSV. */
    public void attributes(Map<String, ?> object) {
        switch (format) {
            case TABLE -> {
                List<Map<String, Object>> rows = new ArrayList<>();
                object.forEach((k, v) -> rows.add(Map.of("attribute", k, "value", v == null ? "" : v)));
                table(List.of("attribute", "value"), rows);
            }
            case CSV -> csv(new ArrayList<>(object.keySet()), List.of(new LinkedHashMap<>(object)));
            case JSON -> out.println(json(object));
            case YAML -> out.print(yaml(object));
        }
        out.flush();
    }

    private void table(List<String> columns, List<Map<String, Object>> rows) {
        int[] width = new int[columns.size()];
        for (int i = 0; i < width.length; i++) width[i] = columns.get(i).length();
        List<String[]> cells = new ArrayList<>();
        for (Map<String, Object> row : rows) {
            String[] line = new String[width.length];
            for (int i = 0; i < width.length; i++) {
                line[i] = cell(row.get(columns.get(i)));
                width[i] = Math.max(width[i], line[i].length());
            }
            cells.add(line);
        }
        StringBuilder rule = new StringBuilder("+");
        for (int w : width) rule.append("-".repeat(w + 2)).append('+');
        out.println(rule);
        out.println(line(columns.toArray(new String[0]), width));
        out.println(rule.toString().replace('-', '='));
        for (String[] line : cells) out.println(line(line, width));
        out.println(rule);
    }

    private static String line(String[] values, int[] width) {
        StringBuilder b = new StringBuilder("|");
        for (int i = 0; i < width.length; i++) {
            b.append(' ').append(values[i]).append(" ".repeat(width[i] - values[i].length())).append(" |");
        }
        return b.toString();
    }

    private void csv(List<String> columns, List<? extends Map<String, ?>> rows) {
        out.println(String.join(",", columns.stream().map(Printer::csvField).toList()));
        for (Map<String, ?> row : rows) {
            List<String> fields = new ArrayList<>();
            for (String c : columns) fields.add(csvField(text(row.get(c))));
            out.println(String.join(",", fields));
        }
    }

    /** RFC 4180: quote fields holding a comma, quote or line break; double inner quotes. */
    static String csvField(String s) {
        if (s.indexOf(',') < 0 && s.indexOf('"') < 0 && s.indexOf('\n') < 0 && s.indexOf('\r') < 0) return s;
        return '"' + s.replace("\"", "\"\"") + '"';
    }

    /** The value as text, line breaks kept (CSV quotes them); a list joined with commas; null is empty. */
    private static String text(Object v) {
        if (v == null) return "";
        if (v instanceof List<?> l) return String.join(",", l.stream().map(Printer::text).toList());
        return String.valueOf(v);
    }

    /** A table cell stays on one line: line breaks and tabs become spaces. */
    private static String cell(Object v) {
        return text(v).replace("\r\n", " ").replace('\r', ' ').replace('\n', ' ').replace('\t', ' ');
    }

    public static String json(Object value) {
        try {
            return new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new CmsException("cannot print as JSON: " + e.getOriginalMessage(), e);
        }
    }

    public static String yaml(Object value) {
        DumperOptions o = new DumperOptions();
        o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
        o.setIndicatorIndent(2);
        o.setIndentWithIndicator(true);
        return new Yaml(o).dump(value);
    }
}
