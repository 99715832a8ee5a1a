package org.cloudmesh.cms.comet.slurm;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;

class SlurmClientTest {
    @Test
    void holderJobCommandLine() {
        String cmd = SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-7", "cmsproj", 120, 2, "debug", "maint",
                "now+1hour", true, List.of("c3"), ".cms/jobs"));
        assertEquals("mkdir -p -- \"$HOME\"/.cms/jobs && sbatch --parsable -J cms-vc1-7 -A cmsproj -t 120 -N 2 -p debug"
                + " --reservation=maint --begin=now+1hour --exclusive -x c3 -D \"$HOME\"/.cms/jobs -o \"$HOME\"/.cms/jobs/%x-%j.out"
                + " --wrap 'exec sleep infinity'", cmd);
    }

    @Test
    void namesWithShellMetacharactersNeverReachTheCommand() {
        for (String bad : new String[] {"x;rm -rf ~", "$(id)", "a b", "-A", "`x`"}) {
            assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", bad, 1, 1,
                    null, null, null, false, List.of(), ".cms/jobs")));
            assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", "a", 1, 1,
                    null, bad, null, false, List.of(), ".cms/jobs")));
            assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", "a", 1, 1,
                    null, null, bad, false, List.of(), ".cms/jobs")));
        }
        assertThrows(CmsException.class, () -> SlurmClient.submitCommand(new SlurmClient.Submit("cms-vc1-1", "a", 1, 1,
                null, null, null, false, List.of(), "../etc")));
    }

    /**
     * A controller that does not answer: Slurm's clients retry on their own for many seconds a call; a read gives
     * up after slurm.timeout, and its error names the controller as scontrol ping reports it.
     */
    @Test
    void aControllerThatDoesNotAnswerCostsSlurmTimeoutAndIsNamed() {
        List<String> ran = new java.util.ArrayList<>();
        Remote login = new Remote() {
            @Override
            public Result run(String command, java.time.Duration timeout) {
                ran.add(command);
                if (command.contains("scontrol")) {
                    return new Result(1, "Slurmctld(primary) at login1 is DOWN\n*****************************************\n", "");
                }
                java.util.regex.Matcher m = java.util.regex.Pattern.compile("^timeout ([0-9]+) squeue ").matcher(command);
                assertTrue(m.find(), command);
                try {
                    Thread.sleep(Long.parseLong(m.group(1)) * 1000);   // squeue retrying until timeout ends it
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                return new Result(124, "", "");
            }

            @Override
            public String where() {
                return "u@login1:22";
            }

            @Override
            public void close() {
            }
        };
        SlurmClient slurm = new SlurmClient(login, "u", null, java.time.Duration.ofSeconds(2));
        long t0 = System.nanoTime();
        CmsException e = assertThrows(CmsException.class, () -> slurm.jobs(List.of("7")));
        double seconds = (System.nanoTime() - t0) / 1e9;
        assertEquals("squeue on u@login1:22 failed: no answer from Slurm within 2 s (slurm.timeout 2s);"
                + " slurmctld (primary) at login1 is DOWN", e.getMessage());
        assertTrue(seconds < 3, "bounded by slurm.timeout: " + seconds + " s");
        assertEquals(2, ran.size(), ran.toString());
        assertTrue(ran.get(1).startsWith("timeout 3 scontrol ping"), ran.toString());
    }

    /**
     * comet stats wait asks sacct for Submit and Start through the client: Slurm's bin directory, quoted words,
     * 500 job ids a call; a job sacct does not know, or one that never started, says so.
     */
    @Test
    void submitAndStartTimesComeFromSacctInTheBinDirectory() {
        List<String> ran = new java.util.ArrayList<>();
        Remote login = new Remote() {
            @Override
            public Result run(String command, java.time.Duration timeout) {
                ran.add(command);
                return new Result(0, command.contains(" 3,") ? "3|2026-11-25T21:19:51|2026-11-25T21:20:01\n"
                        + "4|2026-11-25T21:19:52|Unknown\n" : "", "");
            }

            @Override
            public String where() {
                return "u@login1:22";
            }

            @Override
            public void close() {
            }
        };
        List<String> ids = new java.util.ArrayList<>();
        for (int i = 3; i < 3 + 501; i++) ids.add(String.valueOf(i));
        var times = new SlurmClient(login, "u", "/opt/slurm/bin").times(ids);
        assertEquals(2, ran.size(), "500 ids a call");
        assertTrue(ran.get(0).matches("timeout [0-9]+ /opt/slurm/bin/sacct -n -P -X -j 3,4,.*,502 --format=JobID,Submit,Start"), ran.get(0));
        assertTrue(ran.get(1).matches("timeout [0-9]+ /opt/slurm/bin/sacct -n -P -X -j 503 --format=JobID,Submit,Start"), ran.get(1));
        long submit = SlurmClient.time("2026-11-25T21:19:51");
        assertEquals(new SlurmClient.JobTimes("3", submit, submit + 10), times.get("3"));
        assertEquals(new SlurmClient.JobTimes("4", submit + 1, null), times.get("4"));
        assertEquals(2, times.size(), times.toString());
        assertThrows(CmsException.class, () -> new SlurmClient(login, "u").times(List.of("3;id")));
    }

    @Test
    void slurmTimes() {
        assertEquals(null, SlurmClient.time("Unknown"));
        assertEquals(null, SlurmClient.time("N/A"));
        assertEquals(java.time.LocalDateTime.parse("2026-11-25T21:19:51").atZone(java.time.ZoneId.systemDefault()).toEpochSecond(),
                SlurmClient.time("2026-11-25T21:19:51"));
    }
}
