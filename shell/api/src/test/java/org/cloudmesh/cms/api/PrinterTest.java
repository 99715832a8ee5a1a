package org.cloudmesh.cms.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/** Golden strings: what `cms ... --output=FORMAT` prints, byte for byte. */
class PrinterTest {

    private static final List<String> COLUMNS = List.of("name", "state", "ncpu");

    /** Two nodes of vc2: the second has no state (null) and a column nobody asked for. */
    private static List<Map<String, Object>> nodes() {
        return List.of(
                row("name", "vm-vc2-0", "state", "running", "ncpu", 24),
                row("name", "vm-vc2-1", "state", null, "ncpu", 2, "host", "comet-01-05"));
    }

    /** Values a CSV writer must quote and a table must keep on one line; ncpu missing altogether. */
    private static List<Map<String, Object>> awkward() {
        return List.of(row("name", "a,b", "state", "say \"hi\""), row("name", "two\nlines", "state", "tab\there"));
    }

    private static Map<String, Object> cluster() {
        return row("name", "vc2", "owner", null, "nodes", List.of("vm-vc2-0", "vm-vc2-1"));
    }

    // ---- table ---------------------------------------------------------------------------------------------

    @Test
    void tableHasBordersPaddingAndEmptyCellsForNull() {
        assertEquals(lines(
                "+----------+---------+------+",
                "| name     | state   | ncpu |",
                "+==========+=========+======+",
                "| vm-vc2-0 | running | 24   |",
                "| vm-vc2-1 |         | 2    |",
                "+----------+---------+------+"), list(Format.TABLE, COLUMNS, nodes()));
    }

    @Test
    void tableKeepsEachRowOnOneLine() {
        assertEquals(lines(
                "+-----------+----------+------+",
                "| name      | state    | ncpu |",
                "+===========+==========+======+",
                "| a,b       | say \"hi\" |      |",
                "| two lines | tab here |      |",
                "+-----------+----------+------+"), list(Format.TABLE, COLUMNS, awkward()));
        assertEquals(lines(
                "+----------+",
                "| name     |",
                "+==========+",
                "| cr lf cr |",
                "+----------+"), list(Format.TABLE, List.of("name"), List.of(row("name", "cr\r\nlf\rcr"))));
    }

    @Test
    void tableOfNothingIsTheHeader() {
        assertEquals(lines(
                "+------+-------+------+",
                "| name | state | ncpu |",
                "+======+=======+======+",
                "+------+-------+------+"), list(Format.TABLE, COLUMNS, List.of()));
    }

    @Test
    void tableOfAttributesHasTwoColumns() {
        assertEquals(lines(
                "+-----------+-------------------+",
                "| attribute | value             |",
                "+===========+===================+",
                "| name      | vc2               |",
                "| owner     |                   |",
                "| nodes     | vm-vc2-0,vm-vc2-1 |",
                "+-----------+-------------------+"), attributes(Format.TABLE, cluster()));
    }

    // ---- csv -----------------------------------------------------------------------------------------------

    @Test
    void csvHasNoPaddingAndNullIsEmpty() {
        assertEquals(lines(
                "name,state,ncpu",
                "vm-vc2-0,running,24",
                "vm-vc2-1,,2"), list(Format.CSV, COLUMNS, nodes()));
    }

    @Test
    void csvQuotesCommaQuoteAndLineBreakAsRfc4180() {
        assertEquals(lines(
                "name,state,ncpu",
                "\"a,b\",\"say \"\"hi\"\"\",",
                "\"two\nlines\",tab\there,"), list(Format.CSV, COLUMNS, awkward()));
        assertEquals(lines(
                "\"a,b\",\"c\"\"d\"",
                "\"x\r\ny\",\"cr\r\""), list(Format.CSV, List.of("a,b", "c\"d"), List.of(row("a,b", "x\r\ny", "c\"d", "cr\r"))));
    }

    @Test
    void csvOfNothingIsTheHeader() {
        assertEquals(lines("name,state,ncpu"), list(Format.CSV, COLUMNS, List.of()));
    }

    @Test
    void csvOfAttributesIsAHeaderAndOneRow() {
        assertEquals(lines(
                "name,owner,nodes",
                "vc2,,\"vm-vc2-0,vm-vc2-1\""), attributes(Format.CSV, cluster()));
    }

    // ---- json ----------------------------------------------------------------------------------------------

    @Test
    void jsonIsAListOfObjectsWithOnlyTheChosenColumns() {
        assertEquals(lines(
                "[ {",
                "  \"name\" : \"vm-vc2-0\",",
                "  \"state\" : \"running\",",
                "  \"ncpu\" : 24",
                "}, {",
                "  \"name\" : \"vm-vc2-1\",",
                "  \"state\" : null,",
                "  \"ncpu\" : 2",
                "} ]"), list(Format.JSON, COLUMNS, nodes()));
    }

    @Test
    void jsonEscapesWhatItMust() {
        assertEquals(lines(
                "[ {",
                "  \"name\" : \"two\\nlines\",",
                "  \"state\" : \"tab\\there\",",
                "  \"ncpu\" : null",
                "} ]"), list(Format.JSON, COLUMNS, List.of(awkward().get(1))));
    }

    @Test
    void jsonOfNothingIsAnEmptyList() {
        assertEquals(lines("[ ]"), list(Format.JSON, COLUMNS, List.of()));
    }

    @Test
    void jsonOfAttributesIsOneObject() {
        assertEquals(lines(
                "{",
                "  \"name\" : \"vc2\",",
                "  \"owner\" : null,",
                "  \"nodes\" : [ \"vm-vc2-0\", \"vm-vc2-1\" ]",
                "}"), attributes(Format.JSON, cluster()));
    }

    @Test
    void jsonThatCannotBeWrittenIsOneLineError() {
        CmsException e = assertThrows(CmsException.class, () -> Printer.json(Map.of("walltime", Duration.ofHours(2))));
        assertTrue(e.getMessage().startsWith("cannot print as JSON: "), e.getMessage());
        assertFalse(e.getMessage().contains("\n"), e.getMessage());
    }

    // ---- yaml ----------------------------------------------------------------------------------------------

    @Test
    void yamlIsABlockListWithNullsSpelledOut() {
        String yaml = list(Format.YAML, COLUMNS, nodes());
        assertEquals(lines(
                "  - name: vm-vc2-0",
                "    state: running",
                "    ncpu: 24",
                "  - name: vm-vc2-1",
                "    state: null",
                "    ncpu: 2"), yaml);
        assertEquals(List.of(row("name", "vm-vc2-0", "state", "running", "ncpu", 24),
                row("name", "vm-vc2-1", "state", null, "ncpu", 2)), new Yaml().load(yaml));
    }

    @Test
    void yamlQuotesWhatWouldReadBackAsSomethingElse() {
        List<Map<String, Object>> rows = List.of(row("name", "01", "state", "on", "ncpu", "two\nlines"));
        String yaml = list(Format.YAML, COLUMNS, rows);
        assertEquals(lines(
                "  - name: '01'",
                "    state: 'on'",
                "    ncpu: |-",
                "      two",
                "      lines"), yaml);
        assertEquals(rows, new Yaml().load(yaml));
    }

    @Test
    void yamlOfNothingIsAnEmptyList() {
        assertEquals(lines("[]"), list(Format.YAML, COLUMNS, List.of()));
    }

    @Test
    void yamlOfAttributesIsOneMapping() {
        String yaml = attributes(Format.YAML, cluster());
        assertEquals(lines(
                "name: vc2",
                "owner: null",
                "nodes:",
                "  - vm-vc2-0",
                "  - vm-vc2-1"), yaml);
        assertEquals(cluster(), new Yaml().load(yaml));
    }

    @Test
    void thePrinterKnowsItsFormat() {
        assertEquals(Format.CSV, new Printer(new PrintWriter(new StringWriter()), Format.CSV).format());
    }

    // ---- helpers -------------------------------------------------------------------------------------------

    private static String list(Format format, List<String> columns, List<? extends Map<String, ?>> rows) {
        return print(format, p -> p.list(columns, rows));
    }

    private static String attributes(Format format, Map<String, ?> object) {
        return print(format, p -> p.attributes(object));
    }

    private static String print(Format format, Consumer<Printer> action) {
        StringWriter out = new StringWriter();
        action.accept(new Printer(new PrintWriter(out), format));
        return out.toString().replace(System.lineSeparator(), "\n");
    }

    private static String lines(String... lines) {
        return String.join("\n", lines) + "\n";
    }

    /** A map in the given key order that, unlike Map.of, may hold null values. */
    private static Map<String, Object> row(Object... keysAndValues) {
        Map<String, Object> m = new LinkedHashMap<>();
        List<Object> kv = new ArrayList<>(Arrays.asList(keysAndValues));
        for (int i = 0; i < kv.size(); i += 2) m.put((String) kv.get(i), kv.get(i + 1));
        return m;
    }
}
