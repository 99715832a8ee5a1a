package org.cloudmesh.cms.aws;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.cloudmesh.cms.api.PluginTestContext;
import org.cloudmesh.cms.api.PluginTestContext.Run;
import org.cloudmesh.cms.vm.VmPlugin;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The vm commands on an EC2-compatible cloud served under a path, as a user meets it: EC2 lists a terminated
 * instance with its Name tag for about an hour, and some EC2 implementations keep no tags at all.
 */
class AwsVmTest {
    @TempDir
    Path tmp;
    Ec2Endpoint ec2;
    PluginTestContext shell;

    @BeforeEach
    void start() throws Exception {
        ec2 = new Ec2Endpoint("AKIATESTKEY", "s3cr3t", "/aws-mock/ec2-endpoint/");
        shell = new PluginTestContext(tmp.resolve("home"), """
                cloudmesh:
                  profile: {user: alice}
                  cloud:
                    awsm:
                      cm: {kind: aws, timeout: 10}
                      default: {image: ami-0abc, flavor: t3.micro, username: ubuntu}
                      credentials: {EC2_ACCESS_ID: AKIATESTKEY, EC2_SECRET_KEY: s3cr3t, region: us-east-1}
                      endpoint: %s
                """.formatted(ec2.url()), new VmPlugin(), new AwsProvider());
        shell.vars.put("cloud", "awsm");
    }

    @AfterEach
    void stop() {
        ec2.close();
    }

    Run ok(String... words) {
        Run r = shell.cms(words);
        assertEquals(0, r.status(), String.join(" ", words) + ": " + r);
        return r;
    }

    String csv(String... more) {
        List<String> words = new java.util.ArrayList<>(List.of("vm", "list", "--output", "csv"));
        words.addAll(List.of(more));
        return ok(words.toArray(String[]::new)).out();
    }

    @Test
    void aTerminatedOrDeletedNameCanBeBootedAgainAndADeletedVmDoesNotComeBack() {
        ok("vm", "boot", "--name", "web[1-3]");
        ok("vm", "terminate", "web3");
        assertTrue(csv().contains("web3,awsm,terminated,"), "terminated VMs are shown as such");
        // EC2 still lists the instance, shutting down, with its Name tag: it blocks nothing
        Run again = ok("vm", "boot", "--name", "web3");
        assertTrue(again.out().contains("| web3 | awsm  | pending |"), again.toString());
        String listed = csv("--refresh");
        assertEquals(1, listed.lines().filter(l -> l.startsWith("web3,")).count(), listed);
        assertTrue(listed.contains("web3,awsm,running,"), "the new web3, not the old one: " + listed);

        ok("vm", "delete", "web3");
        assertFalse(csv("--refresh").contains("web3"), "a deleted VM does not come back while EC2 still lists it");
        assertFalse(csv("--refresh").contains("web3"), "nor once EC2 lists it as terminated");
        assertEquals(2, ec2.instances.values().stream().filter(i -> i.name().equals("web3")).count(), "EC2 lists both ended web3s");
        ok("vm", "boot", "--name", "web3");
        assertEquals(List.of("pending"), ec2.instances.values().stream().filter(i -> i.name().equals("web3")).map(i -> i.state()[1])
                .filter(st -> !st.equals("terminated") && !st.equals("shutting-down")).toList(), "three web3s booted, the last one live");
        assertEquals(1, csv("--refresh").lines().filter(l -> l.startsWith("web3,awsm,running,")).count());
    }

    @Test
    void aCloudThatReturnsNoTagsKeepsTheNamesUsersAndBootTimesCmsRecorded() {
        ok("vm", "boot", "--name", "web[1-2]");
        String before = ok("vm", "info", "web1", "--output", "json").out();
        ec2.tags = false;
        String listed = csv("--refresh");
        assertTrue(listed.contains("web1,awsm,running,ami-0abc,t3.micro,127.0.0.1,"), listed);
        assertTrue(listed.contains("web2,awsm,running,"), listed);
        assertTrue(listed.lines().noneMatch(l -> l.startsWith("i-")), "no record under the instance id: " + listed);
        String after = ok("vm", "info", "web1", "--output", "json").out();
        assertTrue(after.contains("\"username\" : \"ubuntu\""), after);
        assertEquals(field(before, "created"), field(after, "created"));
        assertEquals(field(before, "id"), field(after, "id"));
    }

    private static String field(String json, String key) {
        int i = json.indexOf("\"" + key + "\" : ");
        return i < 0 ? null : json.substring(i, json.indexOf('\n', i));
    }
}
