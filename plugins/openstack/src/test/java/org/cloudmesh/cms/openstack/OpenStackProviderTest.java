package org.cloudmesh.cms.openstack;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The openstack provider, through openstack4j, against a local Keystone v3 + Nova endpoint speaking their JSON. */
class OpenStackProviderTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa805st+WyZijeGLz5FY/L+BM8CE+rEEUExoyS0PTnE alice";
    OpenStackEndpoint os;

    @BeforeEach
    void start() throws Exception {
        os = new OpenStackEndpoint("alice", "pw-value", "cms-project");
    }

    @AfterEach
    void stop() {
        os.close();
    }

    ProviderConfig cloud(String password, String authUrl, Object timeout) {
        Map<String, Object> cm = new LinkedHashMap<>(Map.of("kind", "openstack"));
        if (timeout != null) cm.put("timeout", timeout);
        Map<String, Object> creds = new LinkedHashMap<>(Map.of("OS_AUTH_URL", authUrl, "OS_USERNAME", "alice", "OS_PASSWORD", password,
                "OS_TENANT_NAME", "cms-project"));
        return new ProviderConfig("chameleon", "openstack", cm, Map.of(), creds, Optional.empty());
    }

    @Test
    void bootListStopStartDeleteSpeakKeystoneAndNova() {
        try (Compute c = new OpenStackProvider().open(cloud("pw-value", os.authUrl(), null))) {
            Vm vm = c.boot(new BootRequest("alice-vm-1", "ubuntu-22.04", "m1.small", "alice", KEY, "default", null, "ubuntu"));
            assertEquals("alice-vm-1", vm.name());
            assertEquals(Vm.PENDING, vm.state());
            assertEquals("ubuntu-22.04", vm.image());
            assertTrue(os.keypairs.containsKey("alice"), "boot uploaded the key");
            List<Vm> listed = c.list();
            assertEquals(1, listed.size());
            Vm l = listed.get(0);
            assertEquals(Vm.RUNNING, l.state());
            assertEquals("172.24.4.10", l.publicIp());
            assertTrue(l.privateIp().startsWith("10.0.0."), l.toString());
            assertEquals("ubuntu-22.04", l.image());
            assertEquals("m1.small", l.flavor());
            assertEquals(Vm.STOPPING, c.stop(l).state());
            assertEquals(Vm.STOPPED, c.list().get(0).state());
            assertEquals(Vm.PENDING, c.start(l).state());
            assertEquals(Vm.RUNNING, c.list().get(0).state());
            CmsException conflict = assertThrows(CmsException.class, () -> c.start(l));
            assertTrue(conflict.getMessage().startsWith("cloud 'chameleon': start for vm alice-vm-1 failed: HTTP 409: Cannot 'start' instance"),
                    conflict.getMessage());
            c.terminate(l);
            assertEquals(List.of(), c.list());
            c.terminate(l); // already gone: not an error
            c.boot(new BootRequest("alice-vm-2", "cirros-0.6", "1", "alice", KEY, null, null, "root"));
            assertEquals(1, os.calls.stream().filter(x -> x.equals("POST /compute/v2.1/os-keypairs")).count(), "a known key is not uploaded again");
            assertEquals("alice", c.keys().get(0).name());
        }
        assertEquals(1, os.calls.stream().filter(x -> x.equals("POST /v3/auth/tokens")).count(), "one sign-in for all calls");
    }

    @Test
    void unknownImageOrFlavorAndQuotaAreOneLine() {
        try (Compute c = new OpenStackProvider().open(cloud("pw-value", os.authUrl(), null))) {
            CmsException image = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v1", "centos-7", "m1.small", null, null, null, null, "root")));
            assertEquals("cloud 'chameleon': image 'centos-7' not found (images: cirros-0.6, ubuntu-22.04)", image.getMessage());
            CmsException flavor = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v1", "cirros-0.6", "m1.huge", null, null, null, null, "root")));
            assertEquals("cloud 'chameleon': flavor 'm1.huge' not found (flavors: m1.small, m1.tiny)", flavor.getMessage());
            os.instanceQuota = 0;
            CmsException quota = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v1", "cirros-0.6", "m1.tiny", null, null, null, null, "root")));
            assertEquals("cloud 'chameleon': boot for vm v1 failed: HTTP 403: Quota exceeded for instances: Requested 1, but already used 0 of 0 instances",
                    quota.getMessage());
            assertTrue(os.servers.isEmpty());
        }
    }

    @Test
    void wrongPasswordNamesTheKeysButNeverShowsThePassword() {
        try (Compute c = new OpenStackProvider().open(cloud("wrong-pw", os.authUrl(), null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'chameleon': list servers failed: Keystone refused the sign-in"), e.getMessage());
            assertTrue(e.getMessage().contains("cloudmesh.cloud.chameleon.credentials.OS_USERNAME, OS_PASSWORD"), e.getMessage());
            assertFalse(e.getMessage().contains("wrong-pw"));
        }
        CmsException tbd = assertThrows(CmsException.class, () -> new OpenStackProvider().open(cloud("TBD", os.authUrl(), null)));
        assertTrue(tbd.getMessage().contains("cloudmesh.cloud.chameleon.credentials.OS_PASSWORD is missing or TBD"), tbd.getMessage());
    }

    @Test
    void theEndpointOverridesTheAuthUrl() {
        ProviderConfig c = cloud("pw-value", "https://keystone.example.org:5000/v3", null);
        ProviderConfig overridden = new ProviderConfig(c.name(), c.kind(), c.cm(), c.defaults(), c.credentials(), Optional.of(URI.create(os.authUrl())));
        try (Compute compute = new OpenStackProvider().open(overridden)) {
            assertEquals(List.of(), compute.list());
        }
    }

    @Test
    void keystoneUnderAPathAsDevStackServesIt() throws Exception {
        try (OpenStackEndpoint devstack = new OpenStackEndpoint("alice", "pw-value", "cms-project", "/identity");
             Compute c = new OpenStackProvider().open(cloud("pw-value", devstack.authUrl(), null))) {
            assertTrue(devstack.authUrl().endsWith("/identity/v3"));
            Vm vm = c.boot(new BootRequest("alice-vm-1", "cirros-0.6", "m1.tiny", null, null, null, null, "root"));
            assertEquals(List.of("alice-vm-1"), c.list().stream().map(Vm::name).toList());
            c.terminate(vm);
            assertEquals(List.of(), c.list());
            assertTrue(devstack.calls.contains("POST /identity/v3/auth/tokens"), devstack.calls.toString());
        }
    }

    @Test
    void anAnswerThatIsNotOpenStacksNamesItsStatusAndTheEndpoint() {
        String wrong = os.base() + "/keystone/v3";
        try (Compute c = new OpenStackProvider().open(cloud("pw-value", wrong, null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertEquals("cloud 'chameleon': list servers failed: HTTP 404 from " + wrong + ", which gave no OpenStack error (Not Found)"
                    + " (check cloudmesh.cloud.chameleon.credentials.OS_AUTH_URL)", e.getMessage());
        }
        os.computePath = "/nova/v2.1";
        try (Compute c = new OpenStackProvider().open(cloud("pw-value", os.authUrl(), null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            // openstack4j takes a 404 for an empty list: the empty list is not believed
            assertEquals("cloud 'chameleon': list servers failed: HTTP 404 from " + os.base() + "/nova/v2.1, which is not Nova:"
                    + " \"Not Found The requested URL was not found on this server. Apache/2.4.58 (Ubun...\""
                    + " (check the compute endpoint in the catalog of " + os.authUrl() + ")", e.getMessage());
            CmsException boot = assertThrows(CmsException.class, () -> c.boot(new BootRequest("v1", "cirros-0.6", "m1.tiny", null, null, null, null, "root")));
            assertTrue(boot.getMessage().startsWith("cloud 'chameleon': boot for vm v1 failed: HTTP 404 from " + os.base() + "/nova/v2.1, which is not Nova"),
                    boot.getMessage());
        }
    }

    @Test
    void unreachableAndSlowEndpointsFailWithinTheTimeout() {
        os.close();
        try (Compute c = new OpenStackProvider().open(cloud("pw-value", os.authUrl(), 2))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'chameleon': list servers: cannot reach " + os.authUrl()), e.getMessage());
        }
    }

    @Test
    void slowEndpointTimesOut() throws Exception {
        os.delayMillis = 3000;
        long t0 = System.nanoTime();
        try (Compute c = new OpenStackProvider().open(cloud("pw-value", os.authUrl(), 1))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().contains("no answer from " + os.authUrl() + " within 1 s"), e.getMessage());
        }
        assertTrue((System.nanoTime() - t0) / 1_000_000 < 2900, "gave up after the timeout");
    }
}
