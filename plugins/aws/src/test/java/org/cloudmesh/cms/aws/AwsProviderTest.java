package org.cloudmesh.cms.aws;

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

/** The aws provider against a local endpoint speaking the EC2 Query API. */
class AwsProviderTest {
    static final String KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIKa805st+WyZijeGLz5FY/L+BM8CE+rEEUExoyS0PTnE alice";
    Ec2Endpoint ec2;

    @BeforeEach
    void start() throws Exception {
        ec2 = new Ec2Endpoint("AKIATESTKEY", "s3cr3t");
    }

    @AfterEach
    void stop() {
        ec2.close();
    }

    ProviderConfig cloud(String id, String secret, String endpoint, Object timeout) {
        Map<String, Object> cm = new LinkedHashMap<>(Map.of("kind", "aws"));
        if (timeout != null) cm.put("timeout", timeout);
        return new ProviderConfig("aws", "aws", cm, Map.of(), Map.of("EC2_ACCESS_ID", id, "EC2_SECRET_KEY", secret, "region", "us-east-1"),
                Optional.of(URI.create(endpoint)));
    }

    @Test
    void bootListStopStartTerminateSpeakTheEc2QueryApi() {
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), null))) {
            Vm vm = c.boot(new BootRequest("alice-vm-1", "ami-0ubuntu2204", "t3.micro", "alice", KEY, null, null, "ubuntu"));
            assertEquals("alice-vm-1", vm.name());
            assertEquals(Vm.PENDING, vm.state());
            assertTrue(vm.id().startsWith("i-"));
            assertEquals(List.of("DescribeKeyPairs", "ImportKeyPair", "RunInstances"), ec2.actions, "the key is imported once, then used");
            List<Vm> listed = c.list();
            assertEquals(1, listed.size());
            assertEquals(Vm.RUNNING, c.list().get(0).state());
            assertEquals("127.0.0.1", c.list().get(0).publicIp());
            assertEquals("t3.micro", listed.get(0).flavor());
            assertEquals(Vm.STOPPING, c.stop(vm).state());
            assertEquals(Vm.STOPPED, c.list().get(0).state());
            assertEquals(Vm.PENDING, c.start(vm).state());
            c.terminate(vm);
            assertEquals(Vm.STOPPING, c.list().get(0).state(), "shutting-down");
            assertEquals(Vm.TERMINATED, c.list().get(0).state());
            c.boot(new BootRequest("alice-vm-2", "ami-0abc", "t3.micro", "alice", KEY, null, null, "ubuntu"));
            assertEquals(1, ec2.actions.stream().filter("ImportKeyPair"::equals).count(), "a known key is not imported again");
            assertEquals("alice", c.keys().get(0).name());
        }
    }

    @Test
    void anEndpointUnderAPathIsCalledAtThatPath() throws Exception {
        try (Ec2Endpoint underPath = new Ec2Endpoint("AKIATESTKEY", "s3cr3t", "/aws-mock/ec2-endpoint/");
             Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", underPath.url(), null))) {
            Vm vm = c.boot(new BootRequest("alice-vm-1", "ami-0abc", "t3.micro", "alice", KEY, null, null, "ubuntu"));
            assertEquals(List.of("alice-vm-1"), c.list().stream().map(Vm::name).toList());
            c.stop(vm);
            c.start(vm);
            c.terminate(vm);
            assertEquals(List.of("DescribeKeyPairs", "ImportKeyPair", "RunInstances", "DescribeInstances", "StopInstances",
                    "StartInstances", "TerminateInstances"), underPath.actions, "every call reached the API under its path, signed");
        }
    }

    @Test
    void anAnswerThatIsNotAnEc2ErrorNamesItsStatusAndTheEndpoint() throws Exception {
        try (Ec2Endpoint underPath = new Ec2Endpoint("AKIATESTKEY", "s3cr3t", "/aws-mock/ec2-endpoint/");
             Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", underPath.root() + "/aws-mock/", null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertEquals("cloud 'aws': DescribeInstances failed: HTTP 404 from " + underPath.root() + "/aws-mock/, which gave no EC2 error:"
                    + " \"404 Not Found nginx/1.24.0\" (check cloudmesh.cloud.aws.endpoint)", e.getMessage());
        }
        ec2.bareError = "Unavailable";
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertEquals("cloud 'aws': DescribeInstances failed: Unavailable: (HTTP 503 from " + ec2.url() + ")", e.getMessage());
        }
    }

    @Test
    void aSecurityGroupNameIsSentAsItsIdInTheVpcOfTheSubnet() {
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), null))) {
            c.boot(new BootRequest("in-vpc", "ami-0abc", "t3.micro", null, null, "web", Ec2Endpoint.SUBNET, "ubuntu"));
            assertEquals(List.of("sg-0a1b2c3dweb"), ec2.instances.values().iterator().next().groupIds(), "the VPC's own group 'web'");
            c.boot(new BootRequest("by-id", "ami-0abc", "t3.micro", null, null, "sg-0a1b2c3dweb", Ec2Endpoint.SUBNET, "ubuntu"));
            c.boot(new BootRequest("classic", "ami-0abc", "t3.micro", null, null, "web", null, "ubuntu"));
            assertEquals(List.of(List.of("sg-0a1b2c3dweb"), List.of("sg-0a1b2c3dweb"), List.of("sg-0default0web")),
                    ec2.instances.values().stream().map(Ec2Endpoint.Instance::groupIds).toList());
            CmsException none = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v4", "ami-0abc", "t3.micro", null, null, "db", Ec2Endpoint.SUBNET, "ubuntu")));
            assertEquals("cloud 'aws': security group 'db' not found in " + Ec2Endpoint.VPC + " (the VPC of subnet " + Ec2Endpoint.SUBNET
                    + "): give a group of that VPC by name or id with --secgroup", none.getMessage());
            CmsException subnet = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v5", "ami-0abc", "t3.micro", null, null, "web", "subnet-nosuch", "ubuntu")));
            assertEquals("cloud 'aws': DescribeSubnets for vm v5 failed: InvalidSubnetID.NotFound: The subnet ID 'subnet-nosuch' does not exist",
                    subnet.getMessage());
            assertEquals(3, ec2.instances.size(), "a refused boot made nothing");
        }
    }

    @Test
    void theCloudsOwnErrorsAreQuotedOnOneLine() {
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), null))) {
            CmsException image = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v1", "ami-nosuch", "t3.micro", null, null, null, null, "root")));
            assertEquals("cloud 'aws': RunInstances for vm v1 failed: InvalidAMIID.NotFound: The image id '[ami-nosuch]' does not exist",
                    image.getMessage());
            ec2.limit = 0;
            CmsException quota = assertThrows(CmsException.class, () ->
                    c.boot(new BootRequest("v2", "ami-0abc", "t3.micro", null, null, null, null, "root")));
            assertTrue(quota.getMessage().contains("InstanceLimitExceeded: You have requested more instances (1) than your current instance limit of 0"),
                    quota.getMessage());
        }
    }

    @Test
    void wrongCredentialsNameTheKeysButNeverShowTheSecret() {
        try (Compute c = new AwsProvider().open(cloud("AKIAWRONG", "s3cr3t", ec2.url(), null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'aws': DescribeInstances failed: AuthFailure"), e.getMessage());
            assertTrue(e.getMessage().contains("cloudmesh.cloud.aws.credentials.EC2_ACCESS_ID"), e.getMessage());
            assertFalse(e.getMessage().contains("s3cr3t"));
        }
        CmsException tbd = assertThrows(CmsException.class, () -> new AwsProvider().open(cloud("AKIA", "TBD", ec2.url(), null)));
        assertTrue(tbd.getMessage().contains("cloudmesh.cloud.aws.credentials.EC2_SECRET_KEY is missing or TBD"), tbd.getMessage());
    }

    @Test
    void theRegionIsReadAsCloudmeshNamesItToo() {
        ec2.region = "eu-west-1";
        ProviderConfig ec2Region = new ProviderConfig("aws", "aws", Map.of("kind", "aws"), Map.of(),
                Map.of("EC2_ACCESS_ID", "AKIATESTKEY", "EC2_SECRET_KEY", "s3cr3t", "EC2_REGION", "eu-west-1"), Optional.of(URI.create(ec2.url())));
        try (Compute c = new AwsProvider().open(ec2Region)) {
            assertEquals(List.of(), c.list());
        }
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), null))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'aws': DescribeInstances failed: AuthFailure: Credential should be scoped to a valid region"),
                    e.getMessage());
        }
    }

    @Test
    void unreachableAndSlowEndpointsFailWithinTheTimeout() {
        ec2.close();
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), 2))) {
            CmsException e = assertThrows(CmsException.class, c::list);
            assertTrue(e.getMessage().startsWith("cloud 'aws': DescribeInstances: cannot reach " + ec2.url()), e.getMessage());
        }
    }

    @Test
    void slowEndpointTimesOut() throws Exception {
        ec2.delayMillis = 3000;
        try (Compute c = new AwsProvider().open(cloud("AKIATESTKEY", "s3cr3t", ec2.url(), 1))) {
            // only the call is timed: building the SDK client takes seconds on a loaded machine
            long t0 = System.nanoTime();
            CmsException e = assertThrows(CmsException.class, c::list);
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(e.getMessage().contains("no answer from " + ec2.url() + " within 1 s"), e.getMessage());
            assertTrue(ms < 2900, "gave up after the 1 s timeout, before the endpoint's 3 s answer (took " + ms + " ms)");
        }
    }
}
