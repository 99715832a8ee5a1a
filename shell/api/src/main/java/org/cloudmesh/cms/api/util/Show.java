package org.cloudmesh.cms.api.util;

/** Echoes user input inside a one-line error message: quoted, control characters escaped, long input cut. */
final class Show {
    static final int MAX = 60;

    private Show() {
    }

    /** {@code 'value'}; {@code ''} for null; newline, tab and other control characters as escapes. */
    static String quote(String value) {
        if (value == null) return "''";
        StringBuilder b = new StringBuilder("'");
        int n = Math.min(value.length(), MAX);
        for (int i = 0; i < n; i++) {
            char c = value.charAt(i);
            switch (c) {
                case '\n' -> b.append("\\n");
                case '\r' -> b.append("\\r");
                case '\t' -> b.append("\\t");
                default -> {
                    if (Character.isISOControl(c) || Character.getType(c) == Character.LINE_SEPARATOR
                            || Character.getType(c) == Character.PARAGRAPH_SEPARATOR) {
                        b.append(String.format("\\u%04x", (int) c));
                    } else {
                        b.append(c);
                    }
                }
            }
        }
        if (value.length() > MAX) b.append("...");
        return b.append('\'').toString();
    }
}
