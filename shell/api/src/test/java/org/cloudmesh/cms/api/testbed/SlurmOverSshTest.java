package org.cloudmesh.cms.api.testbed;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

import org.cloudmesh.cms.api.TestbedSupport;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.ShellQuote;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The testbed is a real Slurm cluster: a batch job submitted over ssh by the test user, on the test user's account,
 * runs on several fake physical hosts and is recorded by slurmdbd (sacct), as cms's computesets will be.
 */
@Tag(TestbedSupport.INTEGRATION)
class SlurmOverSshTest {
    static final Duration T = Duration.ofSeconds(20);

    @TempDir
    Path home;

    TestbedSupport tb;
    SshClient ssh;

    @BeforeEach
    void connect() {
        tb = TestbedSupport.require();
        ssh = new SshClient(home.resolve("known_hosts"));
    }

    @AfterEach
    void close() {
        if (ssh != null) {
            ssh.close();
        }
    }

    @Test
    void aBatchJobRunsOnThreeHostsAndShowsUpInSacct() throws Exception {
        String out = "/tmp/cms-testbed-job-%j.out"; // never the cwd (testbed.md obstacle 7)
        String submit = ShellQuote.command("sbatch", "--parsable", "-J", "cms-proof", "-A", tb.account(), "-p",
                tb.partition(), "-N", "3", "-t", "5", "-o", out, "--wrap", "srun sh -c 'echo $SLURMD_NODENAME'");
        String id = ssh.exec(tb.target(), submit, T).requireOk("sbatch").stdout().strip().split(";")[0];
        assertTrue(id.matches("\\d+"), "job id: " + id);
        String outFile = out.replace("%j", id);
        try {
            String state = await("job " + id + " to leave the queue", Duration.ofSeconds(60),
                    "squeue -h -j " + id + " -o %T", String::isEmpty);
            assertEquals("", state);

            // sacct: the allocation line. slurmdbd gets the job's records a moment after squeue forgets it, and
            // for a short while the line can show the end state before the start record (partition, nodes) is in
            String fields = await("job " + id + " complete in sacct", Duration.ofSeconds(30),
                    "sacct -n -X -P -j " + id + " --format=JobID,User,Account,Partition,State,ExitCode,NNodes,NodeList",
                    line -> line.contains("|" + tb.partition() + "|COMPLETED|") && line.endsWith("]"));
            String[] f = fields.strip().split("\\|");
            assertEquals(List.of(id, tb.user(), tb.account(), tb.partition(), "COMPLETED", "0:0", "3"),
                    List.of(f).subList(0, 7), fields);
            assertTrue(f[7].matches("c\\[?[0-9,\\-]+]?"), "node list " + f[7]);

            // each of the three fake hosts ran one task of the step
            List<String> ran = ssh.exec(tb.target(), "cat " + outFile, T).requireOk("cat").stdout().lines().toList();
            Set<String> hosts = new TreeSet<>(ran);
            assertEquals(3, ran.size(), "three tasks: " + ran);
            assertEquals(3, hosts.size(), "on three different hosts: " + ran);
            assertTrue(tb.hosts().containsAll(hosts), ran + " are testbed hosts " + tb.hosts());
        } finally {
            ssh.exec(tb.target(), "rm -f " + outFile, T);
        }
    }

    @Test
    void aJobOnAnAccountTheUserDoesNotHaveIsRefused() {
        ExecResult r = ssh.exec(tb.target(),
                "sbatch --parsable -A no-such-allocation -o /dev/null --wrap true", T);
        assertNotEquals(0, r.exitStatus());
        assertTrue(r.stderr().contains("Invalid account"), r.stderr());
    }

    /** Polls a remote command until its stdout satisfies the condition; returns that stdout. */
    private String await(String what, Duration limit, String command, java.util.function.Predicate<String> done)
            throws InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            ExecResult r = ssh.exec(tb.target(), command, T);
            last = r.stdout().strip() + (r.stderr().isBlank() ? "" : " / " + r.stderr().strip());
            if (r.ok() && done.test(r.stdout().strip())) {
                return r.stdout().strip();
            }
            Thread.sleep(200);
        }
        fail("waited " + limit.toSeconds() + " s for " + what + "; last: " + last);
        return last;
    }
}
