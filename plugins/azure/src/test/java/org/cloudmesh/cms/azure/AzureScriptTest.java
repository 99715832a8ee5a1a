package org.cloudmesh.cms.azure;

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
 * The script on Azure, run through the built shell (build/cms, made by scripts/build) as a user would pipe it:
 * {@code set cloud=azure; vm boot; vm ssh --command hostname}. Azure is a local HTTPS endpoint speaking Entra ID and
 * Resource Manager (its certificate trusted through cm.cacert); the VM's public address is the testbed's sshd.
 */
@Tag(TestbedSupport.INTEGRATION)
class AzureScriptTest {
    @TempDir
    Path tmp;

    Result cms(String stdin, String... args) throws Exception {
        BuiltShell.requirePlugin("azure");
        return BuiltShell.run(tmp.resolve("home"), stdin, args);
    }

    @Test
    void setCloudBootSshAsAThreeLinePipedScript() throws Exception {
        TestbedSupport tb = TestbedSupport.require();
        try (AzureEndpoint azure = new AzureEndpoint(tmp, "tenant-e2e", "sub-e2e", "app-e2e", "e2e-secret-value")) {
            azure.publicIp = tb.sshHost();
            Path fragment = tmp.resolve("azure.yaml");
            Files.writeString(fragment, """
                    cloudmesh:
                      profile: {user: alice}
                      cloud:
                        azure:
                          cm: {kind: azure, timeout: 10, cacert: %s}
                          default: {image: "Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest", flavor: Standard_B1s, username: %s, ssh_port: %d}
                          credentials: {AZURE_TENANT_ID: tenant-e2e, AZURE_SUBSCRIPTION_ID: sub-e2e, AZURE_APPLICATION_ID: app-e2e,
                                        AZURE_SECRET_KEY: e2e-secret-value, AZURE_REGION: eastus}
                          endpoint: %s
                    """.formatted(azure.cacert, tb.user(), tb.sshPort(), azure.url()));
            assertEquals(0, cms(null, "config", "import", fragment.toString()).status());
            Result key = cms(null, "key", "add", "--name", "alice", tb.sshKey() + ".pub");
            assertEquals(0, key.status(), key.toString());

            Result r = cms("set cloud=azure\nvm boot\nvm ssh --command hostname\n");
            assertEquals(0, r.status(), r.toString());
            String hostname = new String(new ProcessBuilder("hostname").start().getInputStream().readAllBytes()).strip();
            assertTrue(r.out().contains("| alice-vm-1 | azure | pending | Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest | Standard_B1s |"), r.toString());
            assertTrue(r.out().contains("alice-vm-1: " + hostname + "\n"), r.toString());
            assertFalse((r.out() + r.err()).contains("e2e-secret-value"), "the secret is never printed");

            Result list = cms(null, "vm", "list", "--output", "csv");
            assertTrue(list.out().contains("alice-vm-1,azure,running,Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest,Standard_B1s," + tb.sshHost()),
                    list.toString());
            azure.vmLimit = 1;
            Result quota = cms(null, "vm", "boot");
            assertEquals(1, quota.status());
            assertTrue(quota.err().strip().startsWith("ERROR: cloud 'azure': create virtual machine for vm alice-vm-2 failed: OperationNotAllowed:"),
                    quota.toString());
            assertEquals(1, quota.err().strip().lines().count(), quota.toString());
            assertFalse(cms(null, "vm", "list").out().contains("alice-vm-2"), "a refused boot leaves no record");
            assertEquals(1, azure.count("Microsoft.Network/networkInterfaces"), "nor a NIC at the cloud");

            Result del = cms(null, "vm", "delete", "alice-vm-1");
            assertEquals(0, del.status(), del.toString());
            assertEquals(0, azure.count("Microsoft.Compute/virtualMachines"));
            assertEquals(0, azure.count("Microsoft.Network/publicIPAddresses"), "the VM's address went with it");
        }
    }
}
