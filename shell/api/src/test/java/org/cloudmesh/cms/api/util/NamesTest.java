package org.cloudmesh.cms.api.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NamesTest {

    @ParameterizedTest
    @ValueSource(strings = {"vc2", "vm-vc2-0", "comet-01-05.sdsc.edu", "my_cluster", "A", "0", "x-", "x.", "_x",
        "123456789012345678901234567890123456789012345678901234567890123"})
    void acceptsNamesThatNeedNoQuotingAnywhere(String name) {
        assertTrue(Names.isValid(name));
        assertEquals(name, Names.require("cluster", name));
    }

    @ParameterizedTest
    @ValueSource(strings = {"a b", "-rf", "--help", ".", "..", ".hidden", "../etc", "a/b", "a;reboot", "$(id)", "`id`",
        "a'b", "a\"b", "a<b>", "a&b", "a|b", "a*", "n[1-3]", "a,b", "a=b", "née", "a\tb", "a\nb", "", " a", "a "})
    void rejectsAnythingAShellSlurmOrXmlCouldMisread(String name) {
        assertFalse(Names.isValid(name));
        assertThrows(CmsException.class, () -> Names.require("node", name));
    }

    @Test
    void theMessageNamesTheKindTheValueAndTheRule() {
        assertEquals("invalid cluster name 'a b': use letters, digits, '.', '_' and '-' (not first)",
                message("cluster", "a b"));
        assertEquals("invalid node name '-rf': use letters, digits, '.', '_' and '-' (not first)",
                message("node", "-rf"));
        assertEquals("invalid vm name '': use letters, digits, '.', '_' and '-' (not first)", message("vm", ""));
        assertEquals("invalid vm name '': use letters, digits, '.', '_' and '-' (not first)", message("vm", null));
        assertEquals("invalid allocation name 'a\\nb': use letters, digits, '.', '_' and '-' (not first)",
                message("allocation", "a\nb"));
    }

    @Test
    void namesAreAtMost63Characters() {
        String name = "n".repeat(64);
        assertFalse(Names.isValid(name));
        assertEquals("invalid cluster name '" + "n".repeat(60) + "...': use at most 63 characters (it has 64)",
                message("cluster", name));
    }

    @Test
    void nullIsNotValid() {
        assertFalse(Names.isValid(null));
    }

    private static String message(String kind, String value) {
        return assertThrows(CmsException.class, () -> Names.require(kind, value)).getMessage();
    }
}
