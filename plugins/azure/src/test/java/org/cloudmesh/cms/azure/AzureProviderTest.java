package org.cloudmesh.cms.azure;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The azure provider, through the Azure SDK, against a local HTTPS endpoint speaking Entra ID and Resource Manager. */
class AzureProviderTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa805st+WyZijeGLz5FY/L+BM8CE+rEEUExoyS0PTnE alice";
    static final String UBUNTU = "Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest";
    static final String TENANT = "72f988bf-86f1-41af-91ab-2d7cd011db47";
    static final String SUB = "00000000-1111-2222-3333-444444444444";
    static final String APP = "0b5a1d6e-7c1f-4e21-9d55-app000000001";

    @TempDir
    static Path tmp;
    static AzureEndpoint azure;

    @BeforeAll
    static void start() throws Exception {
        azure = new AzureEndpoint(tmp, TENANT, SUB, APP, "s3cr3t-value");
    }

    @AfterAll
    static void stop() {
        azure.close();
    }

    @BeforeEach
    void fresh() {
        azure.resources.clear();
        azure.calls.clear();
        azure.vmLimit = 20;
        azure.delayMillis = 0;
    }

    static ProviderConfig cloud(String secret, String endpoint, Object timeout, String cacert) {
        Map<String, Object> cm = new LinkedHashMap<>(Map.of("kind", "azure"));
        if (timeout != null) cm.put("timeout", timeout);
        if (cacert != null) cm.put("cacert", cacert);
        Map<String, Object> creds = new LinkedHashMap<>(Map.of("AZURE_TENANT_ID", TENANT, "AZURE_SUBSCRIPTION_ID", SUB,
                "AZURE_APPLICATION_ID", APP, "AZURE_SECRET_KEY", secret, "AZURE_REGION", "eastus"));
        return new ProviderConfig("az", "azure", cm, Map.of("group", "cms-test"), creds, Optional.of(URI.create(endpoint)));
    }

    static ProviderConfig cloud() {
        return cloud("s3cr3t-value", azure.url(), null, azure.cacert.toString());
    }

    @Test
    void bootListStopStartDeleteSpeakResourceManagerWithLongRunningOperations() {
        try (Compute c = new AzureProvider().open(cloud())) {
            assertEquals(List.of(), c.list(), "no resource group yet: no VMs");
            Vm vm = c.boot(new BootRequest("alice-vm-1", UBUNTU, "Standard_B1s", "alice", KEY, null, null, "azureuser"));
            assertEquals("alice-vm-1", vm.name());
            assertEquals(Vm.PENDING, vm.state());
            assertTrue(vm.id().endsWith("/resourceGroups/cms-test/providers/Microsoft.Compute/virtualMachines/alice-vm-1"), vm.id());
            assertEquals(1, azure.count("Microsoft.Network/virtualNetworks"));
            assertEquals(1, azure.count("Microsoft.Network/networkInterfaces"));
            assertEquals(1, azure.count("Microsoft.Network/publicIPAddresses"));
            assertTrue(azure.calls.stream().anyMatch(s -> s.startsWith("GET /subscriptions/" + SUB + "/providers/Microsoft.Network/locations/eastus/operations/")),
                    "the SDK polled the network operations: " + azure.calls);

            List<Vm> listed = c.list();
            assertEquals(1, listed.size());
            Vm l = listed.get(0);
            assertEquals(Vm.RUNNING, l.state());
            assertEquals(UBUNTU, l.image());
            assertEquals("Standard_B1s", l.flavor());
            assertEquals("azureuser", l.username());
            assertTrue(l.publicIp().startsWith("20.0.0."), l.toString());
            assertTrue(l.privateIp().startsWith("10.0.0."), l.toString());

            assertEquals(Vm.STOPPED, c.stop(vm).state());
            assertEquals(Vm.STOPPED, c.list().get(0).state());
            assertEquals(Vm.RUNNING, c.start(vm).state());
            assertEquals(Vm.RUNNING, c.list().get(0).state());
            assertTrue(azure.calls.contains("POST /subscriptions/" + SUB + "/resourceGroups/cms-test/providers/Microsoft.Compute/virtualMachines/alice-vm-1/powerOff"));

            c.boot(new BootRequest("alice-vm-2", UBUNTU, "Standard_B1s", "alice", KEY, null, null, "azureuser"));
            assertEquals(1, azure.count("Microsoft.Network/virtualNetworks"), "the network is made once");
            c.terminate(vm);
            assertEquals(List.of("alice-vm-2"), c.list().stream().map(Vm::name).toList());
            assertEquals(1, azure.count("Microsoft.Network/networkInterfaces"), "the NIC went with its VM");
            assertEquals(1, azure.count("Microsoft.Network/publicIPAddresses"), "the public address went with its VM");
            c.terminate(vm); // already gone: not an error

            c.uploadKey("alice", KEY);
            assertEquals("alice", c.keys().get(0).name());
            assertTrue(c.keys().get(0).fingerprint().startsWith("SHA256:"));
        }
        assertEquals(1, azure.tokenRequests.get(), "one token for all calls of one cloud");
    }

    @Test
    void theCloudsOwnErrorsAreQuotedAndARefusedBootLeavesNothing() {
        try (Compute c = new AzureProvider().open(cloud())) {
            CmsException image = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v1", "Canonical:nosuch:22_04-lts:latest", "Standard_B1s", null, KEY, null, null, "azureuser")));
            assertTrue(image.getMessage().startsWith("cloud 'az': create virtual machine for vm v1 failed: PlatformImageNotFound: "
                    + "The platform image 'Canonical:nosuch:22_04-lts:latest' is not available."), image.getMessage());
            assertEquals(0, azure.count("Microsoft.Network/networkInterfaces"), "the NIC made for the refused VM is gone");
            assertEquals(0, azure.count("Microsoft.Network/publicIPAddresses"));
            azure.vmLimit = 0;
            CmsException quota = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v2", UBUNTU, "Standard_B1s", null, KEY, null, null, "azureuser")));
            assertTrue(quota.getMessage().contains("OperationNotAllowed: Operation could not be completed as it results in exceeding approved Total Regional Cores quota."),
                    quota.getMessage());
            CmsException urn = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v3", "ubuntu", "Standard_B1s", null, KEY, null, null, "azureuser")));
            assertEquals("cloud 'az': image 'ubuntu' is not an Azure image: give a URN PUBLISHER:OFFER:SKU:VERSION"
                    + " (e.g. Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest) or an image id", urn.getMessage());
            CmsException root = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v4", UBUNTU, "Standard_B1s", null, KEY, null, null, "root")));
            assertTrue(root.getMessage().contains("Azure does not allow the login user 'root'"), root.getMessage());
        }
    }

    @Test
    void resourceManagerAndSignInUnderAPath() throws Exception {
        try (AzureEndpoint proxied = new AzureEndpoint(java.nio.file.Files.createTempDirectory(tmp, "arm"), TENANT, SUB, APP, "s3cr3t-value", "/azure/arm/");
             Compute c = new AzureProvider().open(cloud("s3cr3t-value", proxied.url(), null, proxied.cacert.toString()))) {
            Vm vm = c.boot(new BootRequest("alice-vm-1", UBUNTU, "Standard_B1s", "alice", KEY, null, null, "azureuser"));
            assertEquals(List.of("alice-vm-1"), c.list().stream().map(Vm::name).toList());
            c.stop(vm);
            c.terminate(vm);
            assertEquals(List.of(), c.list());
            assertTrue(proxied.calls.stream().allMatch(x -> x.contains(" /azure/arm/") || x.equals("POST /" + TENANT + "/oauth2/v2.0/token")),
                    "every Resource Manager call went under the path, the sign-in to the host: " + proxied.calls);
        }
        ProviderConfig withPath = new ProviderConfig("az", "azure", Map.of("kind", "azure", "authority", "https://login.example.org/tenants/"),
                Map.of(), cloud().credentials(), cloud().endpoint());
        CmsException e = assertThrows(CmsException.class, () -> new AzureProvider().open(withPath));
        assertEquals("cloud 'az': cm.authority 'https://login.example.org/tenants/' has a path: give the sign-in host only, e.g."
                + " https://login.microsoftonline.com/ (the tenant AZURE_TENANT_ID follows it)", e.getMessage());
    }

    @Test
    void aSignInServiceThatGivesNoTokenIsNamed() throws Exception {
        try (AzureEndpoint proxied = new AzureEndpoint(java.nio.file.Files.createTempDirectory(tmp, "arm"), TENANT, SUB, APP, "s3cr3t-value", "/arm/")) {
            proxied.serveSignIn = false;
            ProviderConfig noLogin = new ProviderConfig("az", "azure", Map.of("kind", "azure", "cacert", proxied.cacert.toString()), cloud().defaults(),
                    cloud().credentials(), Optional.of(URI.create(proxied.url())));
            try (Compute c = new AzureProvider().open(noLogin)) {
                CmsException e = assertThrows(CmsException.class, c::list);
                String m = e.getMessage();
                assertTrue(m.startsWith("cloud 'az': list virtual machines failed: the sign-in service at " + proxied.root() + "/ answered no token and"
                        + " no Entra ID error: \"Not Found The requested URL /" + TENANT + "/oauth2/"), m);
                assertTrue(m.endsWith("\" (check cloudmesh.cloud.az.cm.authority, or the host of the endpoint)"), m);
            }
        }
    }

    @Test
    void anAnswerThatIsNotAnAzureErrorNamesItsStatusAndTheEndpoint() throws Exception {
        // the sign-in works; Resource Manager is looked for at a path nothing serves
        ProviderConfig c0 = cloud();
        try (AzureEndpoint proxied = new AzureEndpoint(java.nio.file.Files.createTempDirectory(tmp, "arm"), TENANT, SUB, APP, "s3cr3t-value", "/arm/")) {
            ProviderConfig wrongArm = new ProviderConfig("az", "azure", Map.of("kind", "azure", "cacert", proxied.cacert.toString()),
                    c0.defaults(), c0.credentials(), Optional.of(URI.create(proxied.root() + "/no-arm/")));
            try (Compute c = new AzureProvider().open(wrongArm)) {
                CmsException e = assertThrows(CmsException.class, c::list);
                String m = e.getMessage();
                assertTrue(m.startsWith("cloud 'az': list virtual machines failed: HTTP 404 from " + proxied.root() + "/no-arm/, which gave no Azure error:"
                        + " \"Not Found The requested URL /no-arm/subscriptions/"), m);
                assertTrue(m.endsWith("...\" (check cloudmesh.cloud.az.endpoint)"), m);
            }
        }
    }

    @Test
    void wrongSecretNamesTheKeysButNeverShowsTheSecret() {
        try (Compute c = new AzureProvider().open(cloud("wrong-secret", azure.url(), null, azure.cacert.toString()))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'az': list virtual machines failed: sign-in refused: AADSTS7000215: Invalid client secret provided."),
                    e.getMessage());
            assertTrue(e.getMessage().contains("cloudmesh.cloud.az.credentials.AZURE_TENANT_ID, AZURE_APPLICATION_ID and AZURE_SECRET_KEY"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-secret"));
            assertEquals(1, e.getMessage().lines().count());
        }
        Map<String, Object> creds = new LinkedHashMap<>(cloud().credentials());
        creds.put("AZURE_SUBSCRIPTION_ID", "TBD");
        ProviderConfig tbd = new ProviderConfig("az", "azure", cloud().cm(), Map.of(), creds, cloud().endpoint());
        CmsException missing = assertThrows(CmsException.class, () -> new AzureProvider().open(tbd));
        assertTrue(missing.getMessage().contains("cloudmesh.cloud.az.credentials.AZURE_SUBSCRIPTION_ID is missing or TBD"), missing.getMessage());
    }

    @Test
    void anUntrustedCertificateOrPlainHttpIsRefusedClearly() {
        try (Compute c = new AzureProvider().open(cloud("s3cr3t-value", azure.url(), 5, null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'az': list virtual machines"), e.getMessage());
            assertTrue(e.getMessage().contains("PKIX") || e.getMessage().contains("certificat"), e.getMessage());
        }
        CmsException http = assertThrows(CmsException.class, () -> new AzureProvider().open(cloud("s", "http://127.0.0.1:1/", null, null)));
        assertTrue(http.getMessage().contains("endpoint 'http://127.0.0.1:1/' must be an https:// URL"), http.getMessage());
    }

    @Test
    void unreachableAndSlowEndpointsFailWithinTheTimeout() throws Exception {
        try (Compute c = new AzureProvider().open(cloud("s3cr3t-value", "https://127.0.0.1:1/", 2, azure.cacert.toString()))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'az': list virtual machines"), e.getMessage());
            assertTrue(e.getMessage().contains("https://127.0.0.1:1/"), e.getMessage());
        }
        azure.delayMillis = 3000;
        long t0 = System.nanoTime();
        try (Compute c = new AzureProvider().open(cloud("s3cr3t-value", azure.url(), 1, azure.cacert.toString()))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().contains("no answer from " + azure.url() + " within 1 s"), e.getMessage());
        }
        long ms = (System.nanoTime() - t0) / 1_000_000;
        assertTrue(ms < 2900, "gave up after the timeout, not after the answer: " + ms + " ms");
    }
}
