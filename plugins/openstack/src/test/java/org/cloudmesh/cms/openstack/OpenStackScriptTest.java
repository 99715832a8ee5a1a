package org.cloudmesh.cms.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.cloudmesh.cms.api.BuiltShell;
import org.cloudmesh.cms.api.BuiltShell.Result;
import org.cloudmesh.cms.api.TestbedSupport;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The script on OpenStack, run through the built shell (build/cms, made by scripts/build) as a user would pipe
 * it: {@code set cloud=openstack; vm boot; vm ssh --command hostname}. Keystone v3 and Nova are a local endpoint
 * speaking their JSON; the server's floating address is the testbed's sshd.
 */
@Tag(TestbedSupport.INTEGRATION)
class OpenStackScriptTest {
    @TempDir
    Path tmp;

    Result cms(String stdin, String... args) throws Exception {
        BuiltShell.requirePlugin("openstack");
        return BuiltShell.run(tmp.resolve("home"), stdin, args);
    }

    @Test
    void setCloudBootSshAsAThreeLinePipedScript() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        try (OpenStackEndpoint os = new OpenStackEndpoint("alice", "e2e-secret-value", "cms-project")) {
            os.floatingIp = tb.sshHost();
            Path fragment = tmp.resolve("openstack.yaml");
            Files.writeString(fragment, """
                    cloudmesh:
                      profile: {user: alice}
                      cloud:
                        openstack:
                          cm: {kind: openstack, timeout: 10}
                          default: {image: ubuntu-22.04, flavor: m1.small, username: %s, ssh_port: %d}
                          credentials: {OS_AUTH_URL: %s, OS_USERNAME: alice, OS_PASSWORD: e2e-secret-value, OS_TENANT_NAME: cms-project,
                                        OS_PROJECT_DOMAIN: Default, OS_USER_DOMAIN: Default}
                    """.formatted(tb.user(), tb.sshPort(), os.authUrl()));
            assertEquals(0, cms(null, "config", "import", fragment.toString()).status());
            Result key = cms(null, "key", "add", "--name", "alice", tb.sshKey() + ".pub");
            assertEquals(0, key.status(), key.toString());

            Result r = cms("set cloud=openstack\nvm boot\nvm ssh --command hostname\n");
            assertEquals(0, r.status(), r.toString());
            String hostname = new String(new ProcessBuilder("hostname").start().getInputStream().readAllBytes()).strip();
            assertTrue(r.out().contains("| alice-vm-1 | openstack | pending | ubuntu-22.04 | m1.small |"), r.toString());
            assertTrue(r.out().contains("alice-vm-1: " + hostname + "\n"), r.toString());
            assertTrue(os.keypairs.containsKey("alice"), "boot uploaded the default key");
            assertFalse((r.out() + r.err()).contains("e2e-secret-value"), "the password is never printed");

            Result list = cms(null, "vm", "list", "--output", "csv");
            assertTrue(list.out().contains("alice-vm-1,openstack,running,ubuntu-22.04,m1.small," + tb.sshHost() + ",10.0.0."), list.toString());

            Result image = cms(null, "vm", "boot", "--image", "centos-7");
            assertEquals(1, image.status());
            assertEquals("ERROR: cloud 'openstack': image 'centos-7' not found (images: cirros-0.6, ubuntu-22.04)", image.err().strip(), image.toString());
            os.instanceQuota = 1;
            Result quota = cms(null, "vm", "boot");
            assertEquals(1, quota.status());
            assertTrue(quota.err().strip().startsWith("ERROR: cloud 'openstack': boot for vm alice-vm-2 failed: HTTP 403: Quota exceeded for instances"),
                    quota.toString());
            assertFalse(cms(null, "vm", "list").out().contains("alice-vm-2"), "a refused boot leaves no record");

            Result del = cms(null, "vm", "delete", "alice-vm-1");
            assertEquals(0, del.status(), del.toString());
            assertTrue(os.servers.isEmpty(), "the server is gone at the cloud");
        }
    }
}
