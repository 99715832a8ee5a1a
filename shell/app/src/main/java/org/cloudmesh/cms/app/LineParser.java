package org.cloudmesh.cms.app;

import java.util.ArrayList;
import java.util.List;
import java.util.function.UnaryOperator;
import org.cloudmesh.cms.api.CmsException;

/**
 * Splits a command line into words the way sh does for the simple cases an administrator types:
 * whitespace separates words, '...' is literal, "..." groups words, a backslash escapes the next character.
 * Variable substitution runs on each unquoted or double-quoted stretch <em>after</em> the split, so a
 * value with spaces or quotes stays one word and is never re-parsed (the old shell re-parsed it).
 */
public final class LineParser {
    private LineParser() {}

    /** @param substitute applied to unquoted and double-quoted text; single-quoted text is kept as is */
    public static List<String> split(String line, UnaryOperator<String> substitute) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        StringBuilder stretch = new StringBuilder(); // text awaiting substitution
        boolean inWord = false;
        int i = 0;
        int n = line.length();
        while (i < n) {
            char c = line.charAt(i);
            if (c == '\'') {
                flush(word, stretch, substitute);
                int end = line.indexOf('\'', i + 1);
                if (end < 0) throw unbalanced('\'', i);
                word.append(line, i + 1, end);
                inWord = true;
                i = end + 1;
            } else if (c == '"') {
                flush(word, stretch, substitute);
                int j = i + 1;
                StringBuilder quoted = new StringBuilder();
                while (j < n && line.charAt(j) != '"') {
                    char d = line.charAt(j);
                    if (d == '\\' && j + 1 < n && (line.charAt(j + 1) == '"' || line.charAt(j + 1) == '\\')) {
                        quoted.append(line.charAt(j + 1));
                        j += 2;
                    } else {
                        quoted.append(d);
                        j++;
                    }
                }
                if (j >= n) throw unbalanced('"', i);
                word.append(substitute.apply(quoted.toString()));
                inWord = true;
                i = j + 1;
            } else if (c == '\\' && i + 1 < n) {
                char d = line.charAt(i + 1);
                if (d == '$') {
                    stretch.append("\\$"); // substitution turns \$ into a literal $
                } else {
                    flush(word, stretch, substitute);
                    word.append(d);
                }
                inWord = true;
                i += 2;
            } else if (Character.isWhitespace(c)) {
                if (inWord) {
                    flush(word, stretch, substitute);
                    words.add(word.toString());
                    word.setLength(0);
                    inWord = false;
                }
                i++;
            } else {
                stretch.append(c);
                inWord = true;
                i++;
            }
        }
        if (inWord) {
            flush(word, stretch, substitute);
            words.add(word.toString());
        }
        return words;
    }

    private static void flush(StringBuilder word, StringBuilder stretch, UnaryOperator<String> substitute) {
        if (stretch.length() > 0) {
            word.append(substitute.apply(stretch.toString()));
            stretch.setLength(0);
        }
    }

    private static CmsException unbalanced(char quote, int at) {
        return new CmsException("unbalanced " + (quote == '"' ? "double" : "single") + " quote at column "
                + (at + 1) + ": close it or escape it with \\" + quote);
    }
}
