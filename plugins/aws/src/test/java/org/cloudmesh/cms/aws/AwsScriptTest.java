package org.cloudmesh.cms.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.BuiltShell.Result;
import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script, run through the built shell (build/cms, made by scripts/build) as a user would pipe it:
 * {@code set cloud=aws; vm boot; vm ssh --command hostname}. EC2 is a local endpoint speaking the Query API; the
 * instance's public address is the testbed's sshd.
 */
@Tag(TestbedSupport.INTEGRATION)
class AwsScriptTest {
    @TempDir
    Path tmp;

    Result cms(String stdin, String... args) throws Exception {
        BuiltShell.requirePlugin("aws");
        return BuiltShell.run(tmp.resolve("home"), stdin, args);
    }

    @Test
    void setCloudBootSshAsAThreeLinePipedScript() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        try (Ec2Endpoint ec2 = new Ec2Endpoint("AKIAE2ETEST", "e2e-secret-value")) {
            ec2.publicIp = tb.sshHost();
            Path fragment = tmp.resolve("aws.yaml");
            Files.writeString(fragment, """
                    cloudmesh:
                      profile: {user: alice}
                      cloud:
                        aws:
                          cm: {kind: aws, timeout: 10}
                          default: {image: ami-0ubuntu2204, flavor: t3.micro, username: %s, ssh_port: %d}
                          credentials: {EC2_ACCESS_ID: AKIAE2ETEST, EC2_SECRET_KEY: e2e-secret-value, region: us-east-1}
                          endpoint: %s
                    """.formatted(tb.user(), tb.sshPort(), ec2.url()));
            assertEquals(0, cms(null, "config", "import", fragment.toString()).status());
            Result key = cms(null, "key", "add", "--name", "alice", tb.sshKey() + ".pub");
            assertEquals(0, key.status(), key.toString());

            Result r = cms("set cloud=aws\nvm boot\nvm ssh --command hostname\n");
            assertEquals(0, r.status(), r.toString());
            String hostname = new String(new ProcessBuilder("hostname").start().getInputStream().readAllBytes()).strip();
            assertTrue(r.out().contains("| alice-vm-1 | aws   | pending | ami-0ubuntu2204 | t3.micro |"), r.toString());
            assertTrue(r.out().contains("alice-vm-1: " + hostname + "\n"), r.toString());
            assertTrue(ec2.keyPairs.containsKey("alice"), "boot imported the default key");
            assertFalse((r.out() + r.err()).contains("e2e-secret-value"), "the secret is never printed");

            // switching back is one set; the aws VM stays known and listed
            Result list = cms(null, "vm", "list", "--output", "csv");
            assertTrue(list.out().contains("alice-vm-1,aws,running,ami-0ubuntu2204,t3.micro," + tb.sshHost()), list.toString());

            // an unknown cloud names the configured ones; a quota error is quoted; nothing is left half-recorded
            Result unknown = cms(null, "vm", "boot", "--cloud", "gce");
            assertEquals(1, unknown.status());
            assertTrue(unknown.err().contains("unknown cloud 'gce': configured clouds are aws"), unknown.toString());
            ec2.limit = 1;
            Result quota = cms(null, "vm", "boot");
            assertEquals(1, quota.status());
            assertTrue(quota.err().strip().startsWith("ERROR: cloud 'aws': RunInstances for vm alice-vm-2 failed: InstanceLimitExceeded"), quota.toString());
            assertFalse(cms(null, "vm", "list").out().contains("alice-vm-2"), "a refused boot leaves no record");

            Result del = cms(null, "vm", "delete", "alice-vm-1");
            assertEquals(0, del.status(), del.toString());
            assertEquals(List.of("DescribeKeyPairs", "ImportKeyPair", "RunInstances", "DescribeInstances", "TerminateInstances"),
                    ec2.actions.stream().filter(a -> !a.equals("DescribeInstances") || ec2.actions.indexOf(a) < 4).distinct().toList().subList(0, 5));
        }
    }
}
