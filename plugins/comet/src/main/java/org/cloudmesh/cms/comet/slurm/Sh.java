package org.cloudmesh.cms.comet.slurm;

import java.util.regex.Pattern;

/** POSIX shell quoting of one word (for remote command lines). */
public final class Sh {
    private static final Pattern SAFE = Pattern.compile("[A-Za-z0-9_@%+=:,./-]+");

    private Sh() {
    }

    public static String quote(String word) {
        if (word.indexOf('\0') >= 0) throw new org.cloudmesh.cms.api.CmsException("a NUL character cannot be passed to a remote command");
        if (SAFE.matcher(word).matches()) return word;
        return "'" + word.replace("'", "'\\''") + "'";
    }

    public static String command(java.util.List<String> words) {
        StringBuilder b = new StringBuilder();
        for (String w : words) {
            if (b.length() > 0) b.append(' ');
            b.append(quote(w));
        }
        return b.toString();
    }
}
