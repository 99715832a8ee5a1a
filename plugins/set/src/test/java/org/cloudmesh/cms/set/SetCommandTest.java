package org.cloudmesh.cms.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class SetCommandTest {
    TestContext ctx;

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
        ctx.config.set("cloudmesh.cloud.aws.cm.kind", "aws");
        ctx.config.set("cloudmesh.cloud.chameleon.cm.kind", "openstack");
    }

    private void ok(String expectedOut, String... words) {
        assertEquals(0, ctx.run(words), () -> "exit status of " + String.join(" ", words) + "; err: " + ctx.errors());
        assertEquals(expectedOut, ctx.printed());
        assertEquals("", ctx.errors());
    }

    private void fails(String expectedErr, String... words) {
        int writes = ctx.variables.writes;
        assertEquals(1, ctx.run(words), () -> "exit status of " + String.join(" ", words));
        assertEquals(expectedErr + "\n", ctx.errors());
        assertEquals("", ctx.printed());
        assertEquals(writes, ctx.variables.writes, "a failed command writes nothing");
    }

    @Test
    void setShowsWhatItSetsAndKeepsIt() {
        ok("image='ubuntu-22.04'\n", "set", "image=ubuntu-22.04");
        assertEquals("ubuntu-22.04", ctx.variables.variables.get("image"));
        ok("image='ubuntu-22.04'\n", "set", "image");
    }

    @Test
    void aQuotedValueWithSpacesIsOneWord() {
        // the shell's tokenizer turns msg="hello world" into the single word msg=hello world
        ok("msg='hello world'\n", "set", "msg=hello world");
        ok("msg='hello world'\n", "set", "msg");
    }

    @Test
    void valuesMayBeEmptyOrHoldEqualsSigns() {
        ok("empty=''\n", "set", "empty=");
        ok("url='http://h/?a=1&b=2'\n", "set", "url=http://h/?a=1&b=2");
        assertEquals("http://h/?a=1&b=2", ctx.variables.variables.get("url"));
    }

    @Test
    void severalAssignmentsAtOnce() {
        ok("a='1'\nb='2'\n", "set", "a=1", "b=2");
        ok("a='1'\nb='2'\n", "set", "a", "b");
    }

    @Test
    void anUnquotedValueWithSpacesIsAClearError() {
        fails("ERROR: 'world' is not NAME=VALUE: set either assigns or shows; to set a value with spaces, quote it:"
                + " set msg=\"hello world\"", "set", "msg=hello", "world");
    }

    @Test
    void varIsTheSameCommand() {
        ok("x='1'\n", "var", "x=1");
        ok("x='1'\n", "set", "x");
        ok("x='1'\n", "var", "list");
    }

    @Test
    void showingAnUnsetVariableFails() {
        fails("ERROR: variable 'nope' is not set: set it with 'set nope=VALUE'", "set", "nope");
    }

    @Test
    void anEmptyNameOrANameWithSpacesIsRefusedAndNothingIsWritten() {
        fails("ERROR: the variable name is empty: write NAME=VALUE with a name of letters, digits, '_', '.' and '-'",
                "set", "=x");
        fails("ERROR: invalid variable name 'my var': it contains a space (letters, digits, '_', '.' and '-';"
                + " first a letter or '_')", "set", "my var=x");
        fails("ERROR: invalid variable name '1x': it must start with a letter or '_' (letters, digits, '_', '.'"
                + " and '-'; first a letter or '_')", "set", "1x=2");
        fails("ERROR: invalid variable name 'my var': it contains a space (letters, digits, '_', '.' and '-';"
                + " first a letter or '_')", "set", "ok=1", "my var=x");
        assertEquals(Map.of(), ctx.variables.variables, "not even the valid assignment before it");
    }

    @Test
    void listAllAsNameQuotedValueLines() {
        ok("", "set");
        ctx.variables.set("cloud", "aws");
        ctx.variables.set("msg", "hello world");
        ok("cloud='aws'\nmsg='hello world'\n", "set");
        ok("cloud='aws'\nmsg='hello world'\n", "set", "list");
    }

    @Test
    void listInTheFormatsOfThePrinter() {
        ctx.variables.set("cloud", "aws");
        ctx.variables.set("msg", "a,b");
        ok("name,value\ncloud,aws\nmsg,\"a,b\"\n", "set", "list", "--output", "csv");
        ok("name,value\ncloud,aws\nmsg,\"a,b\"\n", "set", "--output=csv");
        ok("""
                +-------+-------+
                | name  | value |
                +=======+=======+
                | cloud | aws   |
                | msg   | a,b   |
                +-------+-------+
                """, "set", "list", "--output", "table");
        ok("""
                [ {
                  "name" : "cloud",
                  "value" : "aws"
                }, {
                  "name" : "msg",
                  "value" : "a,b"
                } ]
                """, "set", "list", "--output", "json");
        ok("  - name: cloud\n    value: aws\n  - name: msg\n    value: a,b\n", "set", "list", "--output", "yaml");
    }

    @Test
    void theOutputVariableDoesNotChangeThePlainListing() {
        ctx.variables.set("output", "json");
        ok("output='json'\n", "set", "list");
    }

    @Test
    void anUnknownFormatIsOneLine() {
        assertEquals(1, ctx.run("set", "list", "--output", "xml"));
        assertTrue(ctx.errors().startsWith("ERROR: "), ctx.errors());
        assertTrue(ctx.errors().contains("unknown output format 'xml': use table, json, yaml or csv"), ctx.errors());
    }

    @Test
    void deleteAndClear() {
        ctx.variables.set("a", "1");
        ctx.variables.set("b", "2");
        ctx.variables.set("c", "3");
        ok("", "set", "delete", "a");
        assertEquals(Map.of("b", "2", "c", "3"), ctx.variables.variables);
        fails("ERROR: variable 'a' is not set, so it cannot be deleted (see 'set list')", "set", "delete", "a");
        fails("ERROR: variable 'zz' is not set, so it cannot be deleted (see 'set list')", "set", "delete", "b", "zz");
        assertEquals(Map.of("b", "2", "c", "3"), ctx.variables.variables, "nothing deleted");
        ok("", "set", "delete", "b", "c");
        ctx.variables.set("d", "4");
        ctx.variables.setDefault("global", "image", "x");
        ok("", "set", "clear");
        assertEquals(Map.of(), ctx.variables.variables);
        assertEquals("x", ctx.variables.defaults.get("global").get("image"), "clear keeps the defaults");
    }

    @Test
    void deleteWithoutANameIsAUsageError() {
        assertEquals(1, ctx.run("set", "delete"));
        assertTrue(ctx.errors().startsWith("ERROR: Missing required parameter: 'NAME'"), ctx.errors());
    }

    @Test
    void aKnownCloudSetsQuietly() {
        ok("cloud='aws'\n", "set", "cloud=aws");
    }

    @Test
    void anUnknownCloudWarnsButIsSet() {
        assertEquals(0, ctx.run("set", "cloud=azure"));
        assertEquals("WARNING: cloud 'azure' is not defined in /home/u/.cloudmesh/cloudmesh.yaml; defined clouds:"
                + " aws, chameleon\n", ctx.errors());
        assertEquals("cloud='azure'\n", ctx.printed());
        assertEquals("azure", ctx.variables.variables.get("cloud"));
    }

    @Test
    void anUnknownCloudWithNoCloudsDefined() {
        ctx.config.root.clear();
        assertEquals(0, ctx.run("set", "cloud=aws"));
        assertEquals("WARNING: cloud 'aws' is not defined in /home/u/.cloudmesh/cloudmesh.yaml; no clouds are"
                + " defined there\n", ctx.errors());
    }

    @Test
    void aMalformedConfigOnlyWarnsOnSetCloud() {
        ctx.config.broken = true;
        assertEquals(0, ctx.run("set", "cloud=aws"));
        assertEquals("WARNING: cannot check cloud 'aws': malformed /home/u/.cloudmesh/cloudmesh.yaml at line 3,"
                + " column 1: bad indentation\n", ctx.errors());
        assertEquals("aws", ctx.variables.variables.get("cloud"));
    }

    @Test
    void debugTraceAndTimerAreStoredAsTrueOrFalse() {
        ok("debug='True'\n", "set", "debug=on");
        ok("trace='False'\n", "set", "trace=off");
        ok("timer='True'\n", "set", "timer=1");
        ok("debug='maybe'\n", "set", "debug=maybe");
        ok("other='on'\n", "set", "other=on");
    }

    @Test
    void helpDescribesTheCommandWithExamples() {
        assertEquals(0, ctx.run("set", "--help"));
        String help = ctx.printed();
        assertTrue(help.startsWith("Usage: cms set [-h] [--output=FORMAT] [NAME[=VALUE]...] [COMMAND]"), help);
        assertTrue(help.contains("Set, show and delete variables."), help);
        assertTrue(help.contains("$NAME, ${NAME} and var.NAME"), help);
        assertTrue(help.contains("  set msg=\"hello world\""), help);
        assertTrue(help.contains("  echo the cloud is $cloud and the image ${image}"), help);
        for (String sub : new String[] {"list", "delete", "clear"}) assertTrue(help.contains("  " + sub + " "), help);
        assertEquals(0, ctx.run("set", "delete", "--help"));
        assertTrue(ctx.printed().startsWith("Usage: cms set delete [-h] NAME..."), ctx.printed());
    }
}
