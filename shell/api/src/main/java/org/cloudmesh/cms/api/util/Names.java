package org.cloudmesh.cms.api.util;

import org.cloudmesh.cms.api.CmsException;

/**
 * Validated names: anything that reaches a remote shell, a Slurm option or an XML document (cluster, node, vm,
 * allocation, image, key, ...) passes here first.
 *
 * <p>A valid name is 1 to {@value #MAX_LENGTH} characters from {@code A-Z a-z 0-9 . _ -} and does not start with
 * {@code -} or {@code .}, so it can never be read as an option, a hidden file or a relative path, and needs no
 * quoting in a shell, an sbatch argument or an XML text node.
 */
public final class Names {
    public static final int MAX_LENGTH = 63;

    static final String RULE = "use letters, digits, '.', '_' and '-' (not first)";

    private Names() {
    }

    /** True if {@code value} is a valid name (see the class comment); false for null. */
    public static boolean isValid(String value) {
        return value != null && value.length() <= MAX_LENGTH && hasValidCharacters(value);
    }

    /**
     * Returns {@code value} if it is a valid name, else throws
     * {@code invalid <kind> name 'a b': use letters, digits, '.', '_' and '-' (not first)}.
     *
     * @param kind what the name names, as the user knows it: "cluster", "node", "vm", "allocation"
     */
    public static String require(String kind, String value) {
        if (value == null || value.isEmpty() || !hasValidCharacters(value)) {
            throw new CmsException("invalid " + kind + " name " + Show.quote(value) + ": " + RULE);
        }
        if (value.length() > MAX_LENGTH) {
            throw new CmsException("invalid " + kind + " name " + Show.quote(value) + ": use at most "
                    + MAX_LENGTH + " characters (it has " + value.length() + ")");
        }
        return value;
    }

    /** Non-empty, only {@code [A-Za-z0-9._-]}, not starting with '-' or '.'; no length limit. */
    static boolean hasValidCharacters(String s) {
        if (s.isEmpty() || s.charAt(0) == '-' || s.charAt(0) == '.') return false;
        for (int i = 0; i < s.length(); i++) {
            if (!isNameChar(s.charAt(i))) return false;
        }
        return true;
    }

    static boolean isNameChar(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
                || c == '.' || c == '_' || c == '-';
    }
}
