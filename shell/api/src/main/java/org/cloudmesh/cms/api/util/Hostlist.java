package org.cloudmesh.cms.api.util;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.cloudmesh.cms.api.CmsException;

/**
 * Hostlists in the LLNL / Slurm syntax: {@code vm-vc2-[0-3]}, {@code n[1-3,7,10-11]}, {@code c[01-10]},
 * {@code r[1-2]n[1-2]}, {@code login1,n[1-4]}.
 *
 * <p>Rules of {@link #expand}:
 * <ul>
 *   <li>Top-level commas separate items; commas inside brackets separate ranges.</li>
 *   <li>An item is literal text ({@code A-Z a-z 0-9 . _ -}) and bracket groups; it starts neither with '-' nor '.'.
 *       A bracket group holds numbers {@code 7} and ranges {@code low-high} separated by commas.</li>
 *   <li>A range is zero-padded to the width of its low bound ({@code [01-10]} gives 01..10, {@code [9-11]} gives
 *       9, 10, 11); a single number is kept as written.</li>
 *   <li>Several groups multiply, the first group varying slowest: {@code r[1-2]n[1-2]} gives r1n1 r1n2 r2n1 r2n2.</li>
 *   <li>Duplicates are removed, keeping the first occurrence; the result is in input order.</li>
 *   <li>Errors: unbalanced or nested brackets, reversed ranges, empty items or brackets, characters outside the set
 *       above, numbers over 18 digits, names over {@value #MAX_NAME_LENGTH} characters and lists of more than
 *       {@value #MAX_NAMES} names.</li>
 * </ul>
 */
public final class Hostlist {
    /** The most names one hostlist may expand to (as python-hostlist and the old cloudmesh client). */
    public static final int MAX_NAMES = 100_000;
    /** The longest name an expansion may produce (a DNS name). */
    public static final int MAX_NAME_LENGTH = 253;

    private static final int MAX_DIGITS = 18;
    private static final String EXAMPLE = "e.g. vm-vc2-[0-3] or n[1-3,7],login1";

    private Hostlist() {
    }

    /** Expands a hostlist into names, in order, without duplicates. Throws {@link CmsException} if it is invalid. */
    public static List<String> expand(String hostlist) {
        Set<String> names = new LinkedHashSet<>();
        for (Item item : parse(hostlist)) {
            List<String> acc = List.of("");
            for (Object part : item.parts) {
                List<String> next = new ArrayList<>();
                if (part instanceof String literal) {
                    for (String a : acc) next.add(a + literal);
                } else {
                    @SuppressWarnings("unchecked")
                    List<Range> ranges = (List<Range>) part;
                    for (String a : acc) {
                        for (Range r : ranges) {
                            for (long v = r.low; v <= r.high; v++) next.add(a + pad(v, r.width));
                        }
                    }
                }
                acc = next;
            }
            names.addAll(acc);
        }
        return List.copyOf(names);
    }

    /** True if {@code text} is a valid hostlist that {@link #expand} accepts (a plain name is one too). */
    public static boolean isHostlist(String text) {
        try {
            parse(text);
            return true;
        } catch (CmsException e) {
            return false;
        }
    }

    /**
     * The shortest conventional hostlist for {@code names}: duplicates dropped, names sorted (text by character,
     * numbers by value), runs of numbers folded into ranges keeping their zero padding, and equal-tailed items
     * folded again on earlier numbers ({@code r1n1,r1n2,r2n1,r2n2} gives {@code r[1-2]n[1-2]}).
     * {@code expand(compress(names))} holds the same names; for names that differ only in one trailing number
     * of one width it also gives them in sorted order. An empty collection gives "".
     * Throws {@link CmsException} for a name that is not a valid host name.
     */
    public static String compress(Collection<String> names) {
        Set<String> unique = new LinkedHashSet<>();
        for (String name : names) {
            if (name == null || !Names.hasValidCharacters(name)) {
                throw new CmsException("cannot compress host name " + Show.quote(name) + ": " + Names.RULE);
            }
            if (name.length() > MAX_NAME_LENGTH) {
                throw new CmsException("cannot compress host name " + Show.quote(name) + ": use at most "
                        + MAX_NAME_LENGTH + " characters");
            }
            unique.add(name);
        }
        List<Entry> entries = new ArrayList<>();
        for (String name : unique) entries.add(new Entry(name, "", name));
        while (entries.stream().anyMatch(e -> lastDigitRun(e.left) != null)) entries = fold(entries);
        entries.sort(Comparator.comparing((Entry e) -> e.first, Hostlist::compareNatural));
        StringBuilder b = new StringBuilder();
        for (Entry e : entries) {
            if (b.length() > 0) b.append(',');
            b.append(e.left).append(e.right);
        }
        return b.toString();
    }

    // ---- expand --------------------------------------------------------------------------------------------

    private record Range(long low, long high, int width) {
        long size() {
            return high - low + 1;
        }
    }

    /** An item: literal Strings and bracket groups (List of Range), in order. */
    private record Item(List<Object> parts) {
    }

    private static List<Item> parse(String s) {
        if (s == null || s.isEmpty()) throw bad(s, "it is empty; give names");
        List<Item> items = new ArrayList<>();
        List<Object> parts = new ArrayList<>();
        StringBuilder literal = new StringBuilder();
        long total = 0;
        int itemStart = 0;
        int i = 0;
        while (i <= s.length()) {
            char c = i < s.length() ? s.charAt(i) : ',';
            if (c == ',') {
                if (literal.length() > 0) parts.add(literal.toString());
                if (parts.isEmpty()) {
                    throw bad(s, "empty name at position " + Math.min(i + 1, s.length()) + " (a comma at the start or end, or two in a row)");
                }
                total += size(s, parts);
                if (total > MAX_NAMES) throw bad(s, "it expands to more than " + MAX_NAMES + " names");
                items.add(new Item(List.copyOf(parts)));
                parts.clear();
                literal.setLength(0);
                itemStart = i + 1;
                i++;
            } else if (c == '[') {
                int close = -1;
                for (int j = i + 1; j < s.length() && close < 0; j++) {
                    if (s.charAt(j) == ']') close = j;
                    else if (s.charAt(j) == '[') throw bad(s, "brackets cannot be nested (position " + (j + 1) + ")");
                }
                if (close < 0) throw bad(s, "'[' at position " + (i + 1) + " is not closed with ']'");
                if (literal.length() > 0) parts.add(literal.toString());
                literal.setLength(0);
                parts.add(ranges(s, s.substring(i + 1, close)));
                i = close + 1;
            } else if (c == ']') {
                throw bad(s, "']' at position " + (i + 1) + " has no '['");
            } else if (Names.isNameChar(c)) {
                if (i == itemStart && (c == '-' || c == '.')) {
                    throw bad(s, "a name cannot start with '" + c + "' (position " + (i + 1) + ")");
                }
                literal.append(c);
                i++;
            } else {
                throw bad(s, "bad character " + Show.quote(String.valueOf(c)) + " at position " + (i + 1)
                        + "; use letters, digits, '.', '_', '-' and [ranges]");
            }
        }
        return items;
    }

    private static List<Range> ranges(String s, String content) {
        if (content.isEmpty()) throw bad(s, "empty brackets []; put numbers or ranges inside, like [1-3,7]");
        List<Range> ranges = new ArrayList<>();
        for (String piece : content.split(",", -1)) {
            int dash = piece.indexOf('-');
            String low = dash < 0 ? piece : piece.substring(0, dash);
            String high = dash < 0 ? piece : piece.substring(dash + 1);
            if (!isDigits(low) || !isDigits(high)) {
                throw bad(s, "bad range " + Show.quote(piece) + " in [" + content
                        + "]; use a number or low-high, like 7 or 1-3");
            }
            if (low.length() > MAX_DIGITS || high.length() > MAX_DIGITS) {
                throw bad(s, "number in " + Show.quote(piece) + " has more than " + MAX_DIGITS + " digits");
            }
            long lo = Long.parseLong(low);
            long hi = Long.parseLong(high);
            if (hi < lo) throw bad(s, "range " + piece + " is reversed; write " + high + "-" + low);
            ranges.add(new Range(lo, hi, low.length()));
        }
        return ranges;
    }

    /** Number of names an item yields (at most MAX_NAMES + 1); checks the longest name it would make. */
    private static long size(String s, List<Object> parts) {
        long size = 1;
        int longest = 0;
        for (Object part : parts) {
            if (part instanceof String literal) {
                longest += literal.length();
                continue;
            }
            long sum = 0;
            int width = 0;
            for (Object o : (List<?>) part) {
                Range r = (Range) o;
                sum = Math.min(sum + r.size(), MAX_NAMES + 1L);
                width = Math.max(width, Math.max(r.width, Long.toString(r.high).length()));
            }
            size = Math.min(size * sum, MAX_NAMES + 1L);
            longest += width;
        }
        if (longest > MAX_NAME_LENGTH) {
            throw bad(s, "it makes names longer than " + MAX_NAME_LENGTH + " characters");
        }
        return size;
    }

    private static boolean isDigits(String s) {
        if (s.isEmpty()) return false;
        for (int i = 0; i < s.length(); i++) {
            if (!isDigit(s.charAt(i))) return false;
        }
        return true;
    }

    private static boolean isDigit(char c) {
        return c >= '0' && c <= '9';
    }

    private static String pad(long value, int width) {
        String digits = Long.toString(value);
        return digits.length() >= width ? digits : "0".repeat(width - digits.length()) + digits;
    }

    private static CmsException bad(String hostlist, String problem) {
        return new CmsException("invalid hostlist " + Show.quote(hostlist) + ": " + problem + " (" + EXAMPLE + ")");
    }

    // ---- compress ------------------------------------------------------------------------------------------

    /**
     * Part of the answer: {@code left} is plain text still to fold, {@code right} is already folded;
     * {@code first} is the smallest name it stands for (for sorting).
     */
    private record Entry(String left, String right, String first) {
    }

    private record Key(String prefix, String tail) {
    }

    private record Member(String digits, String first) {
    }

    /** One round: fold the last digit run of every entry's left part into ranges among entries alike otherwise. */
    private static List<Entry> fold(List<Entry> entries) {
        List<Entry> out = new ArrayList<>();
        Map<Key, List<Member>> groups = new LinkedHashMap<>();
        for (Entry e : entries) {
            int[] run = lastDigitRun(e.left);
            if (run == null) {
                out.add(e);
                continue;
            }
            String prefix = e.left.substring(0, run[0]);
            String digits = e.left.substring(run[0], run[1]);
            String tail = e.left.substring(run[1]) + e.right;
            if (digits.length() > MAX_DIGITS) {
                out.add(new Entry(prefix, digits + tail, e.first));
            } else {
                groups.computeIfAbsent(new Key(prefix, tail), k -> new ArrayList<>()).add(new Member(digits, e.first));
            }
        }
        groups.forEach((key, members) -> {
            String first = members.stream().map(Member::first).min(Hostlist::compareNatural).orElseThrow();
            if (members.size() == 1) {
                out.add(new Entry(key.prefix, members.get(0).digits + key.tail, first));
                return;
            }
            TreeSet<String> left = new TreeSet<>(Hostlist::compareNumbers);
            for (Member m : members) left.add(m.digits);
            StringBuilder b = new StringBuilder("[");
            while (!left.isEmpty()) {
                String low = left.pollFirst();
                String high = low;
                long v = Long.parseLong(low);
                while (left.remove(pad(v + 1, low.length()))) high = pad(++v, low.length());
                if (b.length() > 1) b.append(',');
                b.append(low);
                if (!high.equals(low)) b.append('-').append(high);
            }
            out.add(new Entry(key.prefix, b.append(']').append(key.tail).toString(), first));
        });
        return out;
    }

    /** {start, end} of the last run of digits in s, or null. */
    private static int[] lastDigitRun(String s) {
        int end = s.length();
        while (end > 0 && !isDigit(s.charAt(end - 1))) end--;
        if (end == 0) return null;
        int start = end;
        while (start > 0 && isDigit(s.charAt(start - 1))) start--;
        return new int[] {start, end};
    }

    /** Digit strings by value, then shorter (less padded) first. */
    private static int compareNumbers(String a, String b) {
        String x = stripZeros(a);
        String y = stripZeros(b);
        if (x.length() != y.length()) return Integer.compare(x.length(), y.length());
        int c = x.compareTo(y);
        return c != 0 ? c : Integer.compare(a.length(), b.length());
    }

    private static String stripZeros(String digits) {
        int i = 0;
        while (i < digits.length() - 1 && digits.charAt(i) == '0') i++;
        return digits.substring(i);
    }

    /** Natural order: text by character, digit runs by value (n2 before n10). */
    static int compareNatural(String a, String b) {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
            char ca = a.charAt(i);
            char cb = b.charAt(j);
            if (isDigit(ca) && isDigit(cb)) {
                int ei = i;
                while (ei < a.length() && isDigit(a.charAt(ei))) ei++;
                int ej = j;
                while (ej < b.length() && isDigit(b.charAt(ej))) ej++;
                int c = compareNumbers(a.substring(i, ei), b.substring(j, ej));
                if (c != 0) return c;
                i = ei;
                j = ej;
            } else {
                if (ca != cb) return Character.compare(ca, cb);
                i++;
                j++;
            }
        }
        int c = Integer.compare(a.length() - i, b.length() - j);
        return c != 0 ? c : a.compareTo(b);
    }
}
