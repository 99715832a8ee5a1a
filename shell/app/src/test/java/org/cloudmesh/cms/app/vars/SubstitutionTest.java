package org.cloudmesh.cms.app.vars;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.app.LineParser;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SubstitutionTest {
    @TempDir
    Path home;
    VariableStore vars;
    Substitution sub;

    @BeforeEach
    void setUp() {
        vars = VariableStore.in(home);
        vars.set("a", "A");
        vars.set("ab", "AB");
        vars.set("cloud", "aws");
        vars.set("my.var", "dotted");
        vars.set("my-var", "dashed");
        vars.set("price", "$b var.a");
        vars.setDefault("global", "image", "ubuntu");
        vars.setDefault("aws", "image", "ami-1");
        vars.setDefault("aws", "key-name", "k1");
        sub = new Substitution(vars, Map.of("HOME", "/home/u", "USER", "u"));
    }

    // ---- $name and ${name}

    @Test
    void dollarTakesTheLongestName() {
        assertEquals("AB", sub.apply("$ab"), "the old shell gave 'Ab' ($a then b)");
        assertEquals("A", sub.apply("$a"));
        assertEquals("AABA", sub.apply("$a$ab${a}"));
        assertEquals("A.txt", sub.apply("$a.txt"), "a dot ends a $name");
        assertEquals("A-AB", sub.apply("$a-$ab"));
        assertEquals("x=A,AB", sub.apply("x=$a,$ab"));
    }

    @Test
    void bracesDelimitExplicitly() {
        assertEquals("Ab", sub.apply("${a}b"));
        assertEquals("dotted/dashed", sub.apply("${my.var}/${my-var}"));
        assertEquals("/home/u/bin", sub.apply("${os.HOME}/bin"));
        assertEquals("xAy", sub.apply("x${var.a}y"));
        assertEquals("ubuntu:ami-1:k1", sub.apply("${default.image}:${default.aws.image}:${default.aws.key-name}"));
    }

    @Test
    void aDollarNotFollowedByANameStays() {
        assertEquals("$ 5", sub.apply("$ 5"));
        assertEquals("$", sub.apply("$"));
        assertEquals("costs 5$", sub.apply("costs 5$"));
        assertEquals("$5 $. $/", sub.apply("$5 $. $/"));
        assertEquals("$A", sub.apply("$$a"));
    }

    @Test
    void backslashDollarIsALiteralDollar() {
        assertEquals("$a", sub.apply("\\$a"));
        assertEquals("${a}", sub.apply("\\${a}"));
        assertEquals("$a=A", sub.apply("\\$a=$a"));
        assertEquals("C:\\temp", sub.apply("C:\\temp"), "other backslashes stay");
    }

    @Test
    void valuesAreNotSubstitutedAgain() {
        assertEquals("$b var.a", sub.apply("$price"), "a value is inserted as it is");
        assertEquals("$b var.a!", sub.apply("var.price!"));
    }

    // ---- word forms

    @Test
    void varNameIsReplacedOnlyAsAWholeWord() {
        assertEquals("A", sub.apply("var.a"));
        assertEquals("echo A AB", sub.apply("echo var.a var.ab"));
        assertEquals("--cloud=aws", sub.apply("--cloud=var.cloud"));
        assertEquals("(A),[A],{A},A:A,'A',\"A\"", sub.apply("(var.a),[var.a],{var.a},var.a:var.a,'var.a',\"var.a\""));
        assertEquals("dotted dashed", sub.apply("var.my.var var.my-var"));
        assertEquals("A.", sub.apply("var.a."), "a trailing dot is not part of the name");
        assertEquals("myvar.a", sub.apply("myvar.a"), "the old shell replaced var.a inside myvar.a");
        assertEquals("path/var.a", sub.apply("path/var.a"));
        assertEquals("var.", sub.apply("var."));
        assertEquals("var.$", sub.apply("var.$"));
    }

    @Test
    void osNameIsAnEnvironmentVariableAsAWholeWord() {
        assertEquals("/home/u", sub.apply("os.HOME"));
        assertEquals("banner /home/u/bin u", sub.apply("banner os.HOME/bin os.USER"));
        assertEquals("cos.HOME", sub.apply("cos.HOME"), "not inside a word");
        assertEquals("/home/u.bak", sub.apply("os.HOME.bak"));
    }

    @Test
    void defaultKeyAndDefaultContextKey() {
        assertEquals("ubuntu", sub.apply("default.image"));
        assertEquals("ami-1 k1", sub.apply("default.aws.image default.aws.key-name"));
        assertEquals("--image=ami-1", sub.apply("--image=default.aws.image"));
        assertEquals("mydefault.image", sub.apply("mydefault.image"));
        assertEquals("default", sub.apply("default"), "the command name itself stays");
        assertEquals("default list --context aws", sub.apply("default list --context aws"));
    }

    @Test
    void textWithoutDollarOrDotIsReturnedAsIs() {
        String text = "plain words only";
        assertTrue(text == sub.apply(text));
    }

    // ---- unset and malformed

    @Test
    void anUnsetVariableNamesItAndSaysHowToSetIt() {
        UnsetVariableException e = assertThrows(UnsetVariableException.class, () -> sub.apply("echo $x"));
        assertEquals("variable 'x' is not set ($x): set it with 'set x=VALUE'", e.getMessage());
        assertEquals(UnsetVariableException.Kind.VARIABLE, e.kind());
        assertEquals("x", e.name());
        e = assertThrows(UnsetVariableException.class, () -> sub.apply("${x.y}"));
        assertEquals("variable 'x.y' is not set (${x.y}): set it with 'set x.y=VALUE'", e.getMessage());
        e = assertThrows(UnsetVariableException.class, () -> sub.apply("cat var.log"));
        assertEquals("variable 'log' is not set (var.log): set it with 'set log=VALUE'; or quote it to keep the"
                + " text: 'var.log'", e.getMessage());
    }

    @Test
    void anUnsetEnvironmentVariableOrDefault() {
        UnsetVariableException e = assertThrows(UnsetVariableException.class, () -> sub.apply("os.NOPE"));
        assertEquals("environment variable 'NOPE' is not set (os.NOPE): export it before starting cms; or quote"
                + " it to keep the text: 'os.NOPE'", e.getMessage());
        assertEquals(UnsetVariableException.Kind.ENVIRONMENT, e.kind());
        e = assertThrows(UnsetVariableException.class, () -> sub.apply("default.aws.flavor"));
        assertEquals("default 'flavor' is not set in context 'aws' (default.aws.flavor): set it with 'default"
                + " flavor=VALUE --context aws'; or quote it to keep the text: 'default.aws.flavor'", e.getMessage());
        assertEquals("aws", e.context());
        e = assertThrows(UnsetVariableException.class, () -> sub.apply("${default.flavor}"));
        assertEquals("default 'flavor' is not set in context 'global' (${default.flavor}): set it with 'default"
                + " flavor=VALUE'", e.getMessage());
    }

    @Test
    void theOldSpellingOfAnEnvironmentVariableGetsAHint() {
        UnsetVariableException e = assertThrows(UnsetVariableException.class, () -> sub.apply("$os.HOME"));
        assertEquals("variable 'os' is not set ($os): set it with 'set os=VALUE'; did you mean os.HOME or"
                + " ${os.HOME}?", e.getMessage());
    }

    @Test
    void malformedBraces() {
        CmsException open = assertThrows(CmsException.class, () -> sub.apply("x ${a"));
        assertEquals("'${' without a closing '}' in '${a': write ${NAME}, or \\$ for a literal dollar sign",
                open.getMessage());
        CmsException bad = assertThrows(CmsException.class, () -> sub.apply("${a b}"));
        assertTrue(bad.getMessage().startsWith("bad substitution '${a b}'"), bad.getMessage());
        assertThrows(CmsException.class, () -> sub.apply("${}"));
        assertThrows(CmsException.class, () -> sub.apply("${1x}"));
    }

    // ---- quoting

    @Test
    void applyLineKeepsSingleQuotedTextAndSubstitutesDoubleQuotedText() {
        assertEquals("echo '$a var.a' \"A A\" A", sub.applyLine("echo '$a var.a' \"$a var.a\" $a"));
        assertEquals("echo \"it's A\"", sub.applyLine("echo \"it's $a\""), "a single quote inside double quotes");
        assertEquals("echo 'say \"$a\"'", sub.applyLine("echo 'say \"$a\"'"));
        assertEquals("echo \\\"A $a", sub.applyLine("echo \\\"$a \\$a"), "escapes other than \\$ are kept");
        assertEquals("echo '$a", sub.applyLine("echo '$a"), "an unclosed quote is left to the tokenizer");
    }

    @Test
    void applyOnATokenizedStretchDoesNotInterpretQuotes() {
        assertEquals("it's A", sub.apply("it's $a"));
    }

    /** How the shell uses it: the line parser splits first and substitutes unquoted and double-quoted text. */
    @Test
    void withTheShellsLineParser() {
        vars.set("msg", "hello world");
        vars.set("q", "it's \"quoted\"");
        // a value is one word, quoted or not, and its quotes are never parsed again
        assertEquals(List.of("echo", "hello world", "hello world", "$msg", "it's \"quoted\""),
                LineParser.split("echo \"$msg\" $msg '$msg' $q", sub::apply));
        assertEquals(List.of("set", "b=AB"), LineParser.split("set b=$ab", sub::apply));
        assertEquals(List.of("echo", "$a", "$a"), LineParser.split("echo \\$a \"\\$a\"", sub::apply));
        assertEquals(List.of("echo", "Ab"), LineParser.split("echo ${a}b", sub::apply));
    }
}
