package org.cloudmesh.cms.comet.stats;

import java.time.LocalDateTime;
import java.time.ZoneId;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.comet.store.Store;

/**
 * Reads {@code sacct -P} output: a header line of column names and pipe-separated rows. Required columns: JobID,
 * Submit, Start; optional: JobName, Account, End, State, NNodes. Job steps (JobID with a '.') are skipped.
 * Times are sacct's {@code YYYY-MM-DDTHH:MM:SS} in the local time zone; Unknown/None mean "not (yet)".
 */
public final class Sacct {
    public static final String FORMAT = "JobID,JobName,Account,Submit,Start,End,State,NNodes";
    static final List<String> REQUIRED = List.of("JobID", "Submit", "Start");

    private Sacct() {
    }

    /** Parses every line; any error names the source, the line and the column, and nothing is returned. */
    public static List<Store.ImportedJob> parse(String source, List<String> lines) {
        int first = 0;
        while (first < lines.size() && lines.get(first).isBlank()) first++;
        if (first == lines.size()) throw new CmsException(source + ": empty, expected a sacct -P header line (" + FORMAT.replace(',', '|') + ")");
        String[] header = lines.get(first).strip().split("\\|", -1);
        Map<String, Integer> col = new HashMap<>();
        for (int i = 0; i < header.length; i++) col.put(header[i].strip().toLowerCase(Locale.ROOT), i);
        for (String r : REQUIRED) {
            if (!col.containsKey(r.toLowerCase(Locale.ROOT))) {
                throw new CmsException(source + " line " + (first + 1) + ": missing column " + r + " (the header has "
                        + String.join("|", header) + "; export with sacct -P --format=" + FORMAT + ")");
            }
        }
        ZoneId zone = ZoneId.systemDefault();
        List<Store.ImportedJob> out = new ArrayList<>();
        for (int ln = first + 1; ln < lines.size(); ln++) {
            String line = lines.get(ln);
            if (line.isBlank()) continue;
            String[] f = line.split("\\|", -1);
            if (f.length < header.length) {
                throw new CmsException(source + " line " + (ln + 1) + ": " + f.length + " fields where the header has "
                        + header.length + " (column " + header[f.length].strip() + " is missing)");
            }
            if (f.length > header.length) {
                throw new CmsException(source + " line " + (ln + 1) + ": " + f.length + " fields where the header has "
                        + header.length + " (a '|' inside a field? export with sacct -P)");
            }
            String id = get(f, col, "jobid");
            if (id == null || id.isEmpty()) throw new CmsException(source + " line " + (ln + 1) + " column JobID: empty");
            if (id.contains(".")) continue;
            Long submit = time(source, ln, "Submit", get(f, col, "submit"), zone);
            if (submit == null) throw new CmsException(source + " line " + (ln + 1) + " column Submit: '" + get(f, col, "submit") + "' is not a date (YYYY-MM-DDTHH:MM:SS)");
            Long start = time(source, ln, "Start", get(f, col, "start"), zone);
            Long end = col.containsKey("end") ? time(source, ln, "End", get(f, col, "end"), zone) : null;
            String nn = get(f, col, "nnodes");
            Integer nnodes = null;
            if (nn != null && !nn.isEmpty()) {
                try {
                    nnodes = Integer.parseInt(nn);
                } catch (NumberFormatException x) {
                    throw new CmsException(source + " line " + (ln + 1) + " column NNodes: '" + nn + "' is not a number");
                }
            }
            out.add(new Store.ImportedJob(id, get(f, col, "jobname"), get(f, col, "account"), submit, start, end, get(f, col, "state"), nnodes));
        }
        return out;
    }

    private static String get(String[] f, Map<String, Integer> col, String name) {
        Integer i = col.get(name);
        return i == null ? null : f[i].strip();
    }

    /** Epoch seconds, or null for Unknown/None/empty. */
    static Long time(String source, int ln, String column, String v, ZoneId zone) {
        if (v == null || v.isEmpty() || v.equalsIgnoreCase("Unknown") || v.equalsIgnoreCase("None")) return null;
        try {
            return LocalDateTime.parse(v).atZone(zone).toEpochSecond();
        } catch (DateTimeParseException x) {
            throw new CmsException(source + " line " + (ln + 1) + " column " + column + ": '" + v
                    + "' is not a date (YYYY-MM-DDTHH:MM:SS)");
        }
    }
}
