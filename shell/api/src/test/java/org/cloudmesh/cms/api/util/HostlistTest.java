package org.cloudmesh.cms.api.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

class HostlistTest {

    private static List<String> names(String spaceSeparated) {
        return Arrays.asList(spaceSeparated.split(" "));
    }

    // ---- expand --------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "vm-vc2-[0-3]          | vm-vc2-0 vm-vc2-1 vm-vc2-2 vm-vc2-3",
        "vm-vc1-0              | vm-vc1-0",
        "c[01-10]              | c01 c02 c03 c04 c05 c06 c07 c08 c09 c10",
        "n[9-11],d[01-02]      | n9 n10 n11 d01 d02",
        "n[1-3,7,10-11]        | n1 n2 n3 n7 n10 n11",
        "r[1-2]n[1-2]          | r1n1 r1n2 r2n1 r2n2",
        "r[1-2]n[1-2]-ib       | r1n1-ib r1n2-ib r2n1-ib r2n2-ib",
        "a,b[1-2],c            | a b1 b2 c",
        "[1-3,18]              | 1 2 3 18",
        "n[098-101]            | n098 n099 n100 n101",
        "n[1-010]              | n1 n2 n3 n4 n5 n6 n7 n8 n9 n10",
        "n[007,7]              | n007 n7",
        "n[3-3]                | n3",
        "node[2]               | node2",
        "comet-01-05.sdsc.edu  | comet-01-05.sdsc.edu",
        "a_b.c-1               | a_b.c-1",
        "x[1-2]y[1-2]z[1-2]    | x1y1z1 x1y1z2 x1y2z1 x1y2z2 x2y1z1 x2y1z2 x2y2z1 x2y2z2",
    })
    void expandsLikeSlurm(String hostlist, String expected) {
        assertEquals(names(expected), Hostlist.expand(hostlist));
    }

    @Test
    void duplicatesAreDroppedKeepingTheFirstOccurrence() {
        assertEquals(names("n3 n1 n2 n4"), Hostlist.expand("n3,n[1-3],n[2-4],n1"));
    }

    @Test
    void expandsUpToTheLimitAndNoFurther() {
        assertEquals(Hostlist.MAX_NAMES, Hostlist.expand("n[1-100000]").size());
        assertEquals(Hostlist.MAX_NAMES, Hostlist.expand("r[1-100]n[1-1000]").size());
        assertError("invalid hostlist 'n[1-100001]': it expands to more than 100000 names"
                + " (e.g. vm-vc2-[0-3] or n[1-3,7],login1)", "n[1-100001]");
        assertError("invalid hostlist 'r[1-1000]n[1-1000]': it expands to more than 100000 names"
                + " (e.g. vm-vc2-[0-3] or n[1-3,7],login1)", "r[1-1000]n[1-1000]");
        assertError("expands to more than 100000 names", "a[1-60000],b[1-60000]");
        assertError("expands to more than 100000 names", "a[0-999999999999999999]");
        assertError("expands to more than 100000 names",
                "a[0-99999999999]b[0-99999999999]c[0-99999999999]d[0-99999999999]");
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "n[1-3          | '[' at position 2 is not closed with ']'",
        "n1-3]          | ']' at position 5 has no '['",
        "n[1-3]]        | ']' at position 7 has no '['",
        "n[1-[2]]       | brackets cannot be nested (position 5)",
        "n[5-3]         | range 5-3 is reversed; write 3-5",
        "n[01-1,9-08]   | range 9-08 is reversed; write 08-9",
        "a,,b           | empty name at position 3 (a comma at the start or end, or two in a row)",
        "',a'           | empty name at position 1",
        "'a,'           | empty name at position 2",
        "n[]            | empty brackets []; put numbers or ranges inside, like [1-3,7]",
        "n[1,,2]        | bad range '' in [1,,2]; use a number or low-high, like 7 or 1-3",
        "n[1-]          | bad range '1-' in [1-]",
        "n[-3]          | bad range '-3' in [-3]",
        "n[1-2-3]       | bad range '1-2-3'",
        "n[a-c]         | bad range 'a-c'",
        "n[ 1]          | bad range ' 1'",
        "a b            | bad character ' ' at position 2; use letters, digits, '.', '_', '-' and [ranges]",
        "n1;reboot      | bad character ';' at position 3",
        "n$(id)         | bad character '$' at position 2",
        "-n1            | a name cannot start with '-' (position 1)",
        "n1,.hidden     | a name cannot start with '.' (position 4)",
        "n[1-1234567890123456789] | number in '1-1234567890123456789' has more than 18 digits",
    })
    void rejectsBadHostlistsNamingTheProblem(String hostlist, String problem) {
        assertError(problem, hostlist);
    }

    @Test
    void errorsAreOneLineAndQuoteTheInput() {
        CmsException e = assertThrows(CmsException.class, () -> Hostlist.expand("n1\nn2"));
        assertEquals("invalid hostlist 'n1\\nn2': bad character '\\n' at position 3; use letters, digits,"
                + " '.', '_', '-' and [ranges] (e.g. vm-vc2-[0-3] or n[1-3,7],login1)", e.getMessage());
        assertError("invalid hostlist '': it is empty; give names", "");
        assertError("invalid hostlist '': it is empty; give names", null);
        String longest = "n".repeat(60);
        assertError("invalid hostlist '" + longest + "...': bad character '!'", longest + "x!");
        assertError("it makes names longer than 253 characters", "a".repeat(250) + "[1-1000]");
        List<String> longNames = Hostlist.expand("a".repeat(250) + "[1-999]");
        assertEquals(999, longNames.size());
        assertEquals("a".repeat(250) + "999", longNames.get(998));
    }

    @Test
    void tellsWhetherTextIsAHostlist() {
        assertTrue(Hostlist.isHostlist("vm-vc2-[0-3]"));
        assertTrue(Hostlist.isHostlist("vm-vc2-0"));
        assertTrue(Hostlist.isHostlist("42"));
        assertFalse(Hostlist.isHostlist("vm-vc2-[0-3"));
        assertFalse(Hostlist.isHostlist("n[1-100001]"));
        assertFalse(Hostlist.isHostlist(""));
        assertFalse(Hostlist.isHostlist(null));
    }

    // ---- compress ------------------------------------------------------------------------------------------

    @ParameterizedTest(name = "{1}")
    @CsvSource(delimiter = '|', value = {
        "vm-vc2-0 vm-vc2-1 vm-vc2-2 vm-vc2-3 vm-vc2-7  | vm-vc2-[0-3,7]",
        "c01 c02 c03 c04 c05 c06 c07 c08 c09 c10       | c[01-10]",
        "n9 n10 n11                                    | n[9-11]",
        "n09 n10 n11                                   | n[09-11]",
        "n098 n099 n100 n101                           | n[098-101]",
        "n1 n01 n2 n02                                 | n[1-2,01-02]",
        "n7 n007                                       | n[7,007]",
        "r1n1 r1n2 r2n1 r2n2                           | r[1-2]n[1-2]",
        "r1n1 r2n1                                     | r[1-2]n1",
        "r1n1 r1n2 r2n1                                | r1n[1-2],r2n1",
        "r1n1-ib r1n2-ib r2n1-ib r2n2-ib               | r[1-2]n[1-2]-ib",
        "vm-vc2-0 vm-vc2-1 vm-vc3-0 vm-vc3-1           | vm-vc[2-3]-[0-1]",
        "c b2 a b1                                     | a,b[1-2],c",
        "login1                                        | login1",
        "n10 n2 n1 n3 n2                               | n[1-3,10]",
        "n1 n                                          | n,n1",
        "a-1.x a-2.x a-3.y                             | a-[1-2].x,a-3.y",
    })
    void compressesToTheShortestConventionalForm(String names, String expected) {
        assertEquals(expected, Hostlist.compress(names(names)));
    }

    @Test
    void compressKeepsLongNumbersAsText() {
        List<String> big = names("x1234567890123456789 x1234567890123456790");
        assertEquals("x1234567890123456789,x1234567890123456790", Hostlist.compress(big));
    }

    @Test
    void compressOfNothingIsEmpty() {
        assertEquals("", Hostlist.compress(List.of()));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "n[1]", "a,b", "-n", ".n", "", "n;ls"})
    void compressRejectsNamesThatAreNotHostNames(String name) {
        CmsException e = assertThrows(CmsException.class, () -> Hostlist.compress(List.of("ok1", name)));
        assertEquals("cannot compress host name '" + name + "': use letters, digits, '.', '_' and '-' (not first)",
                e.getMessage());
        assertThrows(CmsException.class, () -> Hostlist.compress(Collections.singletonList(null)));
    }

    // ---- properties ----------------------------------------------------------------------------------------

    /** compress(expand(x)) == x for x in the canonical form compress makes, for one-dimensional lists. */
    @Test
    void compressInvertsExpandOnSortedOneDimensionalLists() {
        Random random = new Random(20240501);
        for (int round = 0; round < 2000; round++) {
            String prefix = List.of("n", "vm-vc2-", "c", "node-", "x.y-").get(random.nextInt(5));
            int width = random.nextInt(4) + 1;
            int limit = (int) Math.pow(10, width);
            TreeSet<Integer> numbers = new TreeSet<>();
            int count = random.nextInt(30) + 1;
            for (int i = 0; i < count; i++) numbers.add(random.nextInt(Math.min(limit, 200)));
            List<String> sorted = numbers.stream().map(v -> prefix + pad(v, width)).toList();

            String compressed = Hostlist.compress(shuffled(sorted, random));
            assertEquals(sorted, Hostlist.expand(compressed), compressed);
            assertEquals(compressed, Hostlist.compress(Hostlist.expand(compressed)));
            // one bracket per prefix, as Slurm prints it: only c[2,4] against c2,c4 comes out longer
            assertTrue(compressed.length() <= String.join(",", sorted).length() + 1, compressed);
        }
    }

    /** Any set of names survives compress then expand, and compress is idempotent on its own output. */
    @Test
    void compressThenExpandKeepsEveryNameOfGeneratedSets() {
        Random random = new Random(7);
        for (int round = 0; round < 1000; round++) {
            Set<String> names = new LinkedHashSet<>();
            int count = random.nextInt(40) + 1;
            for (int i = 0; i < count; i++) names.add(randomName(random));

            String compressed = Hostlist.compress(names);
            List<String> expanded = Hostlist.expand(compressed);
            assertEquals(new TreeSet<>(names), new TreeSet<>(expanded), compressed);
            assertEquals(names.size(), expanded.size(), compressed);
            assertEquals(compressed, Hostlist.compress(expanded), compressed);
            assertEquals(compressed, Hostlist.compress(shuffled(new ArrayList<>(names), random)));
        }
    }

    /** Generated hostlists expand to what a naive reference expansion gives, and compress back to the same set. */
    @Test
    void generatedHostlistsExpandAsTheReferenceDoes() {
        Random random = new Random(42);
        for (int round = 0; round < 2000; round++) {
            StringBuilder hostlist = new StringBuilder();
            List<String> reference = new ArrayList<>();
            int items = random.nextInt(3) + 1;
            for (int item = 0; item < items; item++) {
                if (item > 0) hostlist.append(',');
                List<String> acc = new ArrayList<>(List.of(""));
                StringBuilder text = new StringBuilder();
                int groups = random.nextInt(3);
                text.append(List.of("n", "rack", "vm-vc1-", "a.b_").get(random.nextInt(4)));
                acc.replaceAll(a -> a + text);
                hostlist.append(text);
                for (int g = 0; g < groups; g++) {
                    List<String> numbers = new ArrayList<>();
                    hostlist.append('[');
                    int ranges = random.nextInt(3) + 1;
                    for (int r = 0; r < ranges; r++) {
                        if (r > 0) hostlist.append(',');
                        int width = random.nextInt(3) + 1;
                        int low = random.nextInt(20);
                        int high = low + random.nextInt(5);
                        hostlist.append(pad(low, width));
                        if (high != low || random.nextBoolean()) hostlist.append('-').append(pad(high, width));
                        for (int v = low; v <= high; v++) numbers.add(pad(v, width));
                    }
                    hostlist.append(']');
                    String sep = random.nextBoolean() ? "-" : "";
                    hostlist.append(sep);
                    List<String> next = new ArrayList<>();
                    for (String a : acc) for (String n : numbers) next.add(a + n + sep);
                    acc = next;
                }
                reference.addAll(acc);
            }
            List<String> expected = new ArrayList<>(new LinkedHashSet<>(reference));
            List<String> expanded = Hostlist.expand(hostlist.toString());
            assertEquals(expected, expanded, hostlist.toString());
            assertEquals(new TreeSet<>(expected), new TreeSet<>(Hostlist.expand(Hostlist.compress(expanded))));
        }
    }

    private static String randomName(Random random) {
        StringBuilder b = new StringBuilder(List.of("n", "r", "vm-vc", "c", "login").get(random.nextInt(5)));
        int parts = random.nextInt(3);
        for (int p = 0; p <= parts; p++) {
            int width = random.nextInt(3) + 1;
            b.append(pad(random.nextInt(random.nextBoolean() ? 12 : 150), width));
            if (p < parts) b.append(List.of("-", "n", ".", "-ib").get(random.nextInt(4)));
        }
        if (random.nextInt(10) == 0) b.append(".sdsc.edu");
        return b.toString();
    }

    private static String pad(int value, int width) {
        return String.format("%0" + width + "d", value);
    }

    private static List<String> shuffled(List<String> list, Random random) {
        List<String> copy = new ArrayList<>(list);
        Collections.shuffle(copy, random);
        return copy;
    }

    private static void assertError(String expectedPart, String hostlist) {
        CmsException e = assertThrows(CmsException.class, () -> Hostlist.expand(hostlist), hostlist);
        assertTrue(e.getMessage().contains(expectedPart), () -> "message was: " + e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }
}
