package org.cloudmesh.cms.api.util;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;

/** The names nearest to a mistyped one: a prefix, or at most a few edits away (transpositions count as one). */
public final class Suggest {
    private Suggest() {}

    public static List<String> nearest(String typed, Collection<String> names) {
        int limit = Math.max(1, Math.min(3, typed.length() / 3));
        List<String> near = new ArrayList<>();
        for (String n : names) {
            if (n.startsWith(typed) || distance(typed, n) <= limit) near.add(n);
        }
        near.sort(Comparator.comparingInt((String n) -> distance(typed, n)).thenComparing(n -> n));
        return near.size() > 3 ? near.subList(0, 3) : near;
    }

    /** Optimal string alignment distance. */
    public static int distance(String a, String b) {
        int[][] d = new int[a.length() + 1][b.length() + 1];
        for (int i = 0; i <= a.length(); i++) d[i][0] = i;
        for (int j = 0; j <= b.length(); j++) d[0][j] = j;
        for (int i = 1; i <= a.length(); i++) {
            for (int j = 1; j <= b.length(); j++) {
                int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
                d[i][j] = Math.min(Math.min(d[i - 1][j] + 1, d[i][j - 1] + 1), d[i - 1][j - 1] + cost);
                if (i > 1 && j > 1 && a.charAt(i - 1) == b.charAt(j - 2) && a.charAt(i - 2) == b.charAt(j - 1)) {
                    d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
                }
            }
        }
        return d[a.length()][b.length()];
    }
}
