package org.cloudmesh.cms.set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class DefaultCommandTest {
    TestContext ctx;

    @BeforeEach
    void setUp() {
        ctx = new TestContext();
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
    void setAndShowInTheGlobalContext() {
        ok("image=ubuntu\n", "default", "image=ubuntu");
        ok("image=ubuntu\n", "default", "image");
        ok("image=ubuntu\n", "default", "image", "--context", "global");
        assertEquals(Map.of("global", Map.of("image", "ubuntu")), ctx.variables.defaults());
    }

    @Test
    void setAndShowInAContext() {
        ok("image=ami-1\n", "default", "image=ami-1", "--context", "aws");
        ok("image=ami-1\n", "default", "--context=aws", "image");
        ok("image=ami-1\n", "default", "-c", "aws", "image");
        fails("ERROR: default 'image' is not set in context 'global': set it with 'default image=VALUE'",
                "default", "image");
        fails("ERROR: default 'image' is not set in context 'azure': set it with 'default image=VALUE --context azure'",
                "default", "image", "--context", "azure");
    }

    @Test
    void badKeysAndContextsAreRefused() {
        fails("ERROR: the default key is empty: write KEY=VALUE with a name of letters, digits, '_' and '-'",
                "default", "=x");
        fails("ERROR: invalid default key 'a b': it contains a space (letters, digits, '_' and '-'; first a letter"
                + " or '_')", "default", "a b=x");
        fails("ERROR: invalid context name 'aws.east': it may hold only letters, digits, '_' and '-' (letters,"
                + " digits, '_' and '-'; first a letter or '_')", "default", "image=x", "--context", "aws.east");
        fails("ERROR: 'oops' is not KEY=VALUE: default either assigns or shows; to set a value with spaces, quote"
                + " it: default msg=\"hello world\"", "default", "a=1", "oops");
    }

    @Test
    void listAllContextsOrOne() {
        ctx.variables.setDefault("global", "output", "json");
        ctx.variables.setDefault("aws", "image", "ami-1");
        ctx.variables.setDefault("aws", "flavor", "t2.micro");
        String all = """
                +---------+--------+----------+
                | context | key    | value    |
                +=========+========+==========+
                | aws     | flavor | t2.micro |
                | aws     | image  | ami-1    |
                | global  | output | json     |
                +---------+--------+----------+
                """;
        ok(all, "default", "list", "--output", "table");
        ok(all, "default", "--output", "table");
        ok("context,key,value\naws,flavor,t2.micro\naws,image,ami-1\n", "default", "list", "--context", "aws",
                "--output", "csv");
        ok("context,key,value\naws,flavor,t2.micro\naws,image,ami-1\n", "default", "--context", "aws", "list",
                "--output=csv");
        ok("context,key,value\n", "default", "list", "--context", "azure", "--output", "csv");
    }

    @Test
    void listFollowsTheOutputVariable() {
        ctx.variables.setDefault("aws", "image", "ami-1");
        ctx.variables.set("output", "yaml");
        ok("  - context: aws\n    key: image\n    value: ami-1\n", "default", "list");
    }

    @Test
    void deleteAKeyOrAWholeContext() {
        ctx.variables.setDefault("global", "image", "ubuntu");
        ctx.variables.setDefault("aws", "image", "ami-1");
        ctx.variables.setDefault("aws", "flavor", "t2.micro");
        ok("", "default", "delete", "image");
        assertEquals(Map.of("aws", Map.of("image", "ami-1", "flavor", "t2.micro")), ctx.variables.defaults());
        fails("ERROR: default 'image' is not set in context 'global', so it cannot be deleted (see 'default list')",
                "default", "delete", "image");
        ok("", "default", "delete", "image", "--context", "aws");
        assertEquals(Map.of("aws", Map.of("flavor", "t2.micro")), ctx.variables.defaults());
        ok("", "default", "delete", "--context", "aws");
        assertEquals(Map.of(), ctx.variables.defaults());
        fails("ERROR: context 'aws' has no defaults, so there is nothing to delete (see 'default list')",
                "default", "delete", "--context", "aws");
    }

    @Test
    void deleteNeedsAKeyOrAContext() {
        fails("ERROR: default delete needs a KEY, or --context CONTEXT to delete a whole context (see 'default"
                + " delete --help')", "default", "delete");
    }

    @Test
    void helpDescribesTheCommandWithExamples() {
        assertEquals(0, ctx.run("default", "--help"));
        String help = ctx.printed();
        assertTrue(help.startsWith("Usage: cms default [-h] [-c=CONTEXT] [--output=FORMAT] [KEY[=VALUE]...]\n"
                + "                   [COMMAND]\n"), help);
        assertTrue(help.contains("Set, show and delete defaults, grouped by context."), help);
        assertTrue(help.contains("  default delete --context aws"), help);
        assertTrue(help.contains("  vm boot --image=default.aws.image"), help);
    }
}
