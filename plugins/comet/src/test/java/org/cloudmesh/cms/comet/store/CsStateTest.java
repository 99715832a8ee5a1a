package org.cloudmesh.cms.comet.store;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;

class CsStateTest {
    @Test
    void slurmStatesMapAsTheIssueSays() {
        assertEquals(CsState.SUBMITTED, CsState.fromSlurm("PENDING"));
        assertEquals(CsState.RUNNING, CsState.fromSlurm("RUNNING"));
        assertEquals(CsState.ENDING, CsState.fromSlurm("COMPLETING"));
        assertEquals(CsState.COMPLETED, CsState.fromSlurm("COMPLETED"));
        assertEquals(CsState.COMPLETED, CsState.fromSlurm("TIMEOUT"));
        assertEquals(CsState.CANCELLED, CsState.fromSlurm("CANCELLED by 1001"));
        assertEquals(CsState.FAILED, CsState.fromSlurm("FAILED"));
        assertEquals(CsState.FAILED, CsState.fromSlurm("NODE_FAIL"));
        assertEquals(CsState.FAILED, CsState.fromSlurm("BOOT_FAIL"));
        assertEquals(CsState.SUBMITTED, CsState.fromSlurm("CONFIGURING"));
        assertNull(CsState.fromSlurm("SOMETHING_NEW"));
    }

    @Test
    void activeAndTerminal() {
        for (CsState s : new CsState[] {CsState.CREATED, CsState.SUBMITTED, CsState.RUNNING, CsState.ENDING}) assertTrue(s.active());
        for (CsState s : new CsState[] {CsState.COMPLETED, CsState.FAILED, CsState.CANCELLED}) assertFalse(s.active());
        assertEquals(CsState.SUBMITTED, CsState.parse("queued"));
        assertThrows(CmsException.class, () -> CsState.parse("sleeping"));
    }
}
