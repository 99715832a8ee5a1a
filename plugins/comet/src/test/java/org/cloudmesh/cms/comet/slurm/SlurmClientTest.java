package org.cloudmesh.cms.comet.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;

class SlurmClientTest {
    @Test
    void holderJobCommandLine() {
        String cmd = SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-7", "cmsproj", 120, 2, "debug", "maint",
                true, List.of("c3"), ".cms/jobs"));
        assertEquals("mkdir -p -- \"$HOME\"/.cms/jobs && sbatch --parsable -J cms-vc1-7 -A cmsproj -t 120 -N 2 -p debug"
                + " --reservation=maint --exclusive -x c3 -D \"$HOME\"/.cms/jobs -o \"$HOME\"/.cms/jobs/%x-%j.out"
                + " --wrap 'exec sleep infinity'", cmd);
    }

    @Test
    void namesWithShellMetacharactersNeverReachTheCommand() {
        for (String bad : new String[] {"x;rm -rf ~", "$(id)", "a b", "-A", "`x`"}) {
            assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", bad, 1, 1,
                    null, null, false, List.of(), ".cms/jobs")));
            assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", "a", 1, 1,
                    null, bad, false, List.of(), ".cms/jobs")));
        }
        assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", "a", 1, 1,
                null, null, false, List.of(), "../etc")));
    }

    @Test
    void slurmTimes() {
        assertEquals(null, SlurmClient.time("Unknown"));
        assertEquals(null, SlurmClient.time("N/A"));
        assertEquals(java.time.LocalDateTime.parse("2026-11-25T21:19:51").atZone(java.time.ZoneId.systemDefault()).toEpochSecond(),
                SlurmClient.time("2026-11-25T21:19:51"));
    }
}
