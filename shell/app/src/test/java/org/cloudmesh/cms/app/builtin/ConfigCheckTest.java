package org.cloudmesh.cms.app.builtin;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.cloudmesh.cms.app.Shell;
import org.cloudmesh.cms.app.config.ConfigFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Where the cloud config is: the template's example entries, and what 'config check' says about an entry. */
class ConfigCheckTest {
    @TempDir
    Path tmp;

    record Run(int status, String out, String err) {
    }

    Run cms(String yaml, String... words) throws Exception {
        Path home = tmp.resolve("home");
        if (yaml != null) {
            Files.createDirectories(home);
            Files.setPosixFilePermissions(home, PosixFilePermissions.fromString("rwx------"));
            Path file = home.resolve("cloudmesh.yaml");
            Files.writeString(file, yaml);
            Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
        }
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        Shell shell = new Shell(home, null, new PrintWriter(out, true), new PrintWriter(err, true), false, false, false, false);
        int status = shell.run(List.of(words));
        return new Run(status, out.toString(), err.toString());
    }

    @Test
    void theTemplateCarriesAnExampleEntryPerKindWithItsKeys() {
        Map<String, Map<String, Object>> examples = CloudExamples.parse(ConfigFile.template(null));
        assertEquals(Set.of("aws", "azure", "openstack", "libvirt"), examples.keySet());
        assertEquals(Map.of("EC2_ACCESS_ID", "TBD", "EC2_SECRET_KEY", "TBD", "region", "us-east-1"), examples.get("aws").get("credentials"));
        assertTrue(examples.get("aws").containsKey("endpoint"));
        assertTrue(((Map<?, ?>) examples.get("azure").get("credentials")).keySet().containsAll(
                List.of("AZURE_TENANT_ID", "AZURE_SUBSCRIPTION_ID", "AZURE_APPLICATION_ID", "AZURE_SECRET_KEY", "AZURE_REGION")));
        assertTrue(((Map<?, ?>) examples.get("openstack").get("credentials")).keySet().containsAll(
                List.of("OS_AUTH_URL", "OS_USERNAME", "OS_PASSWORD", "OS_TENANT_NAME")));
        for (Map<String, Object> e : examples.values()) {
            assertTrue(((Map<?, ?>) e.get("default")).keySet().containsAll(List.of("image", "flavor", "username", "key", "ssh_port")), e.toString());
        }
    }

    @Test
    void checkNamesMissingAndMisspelledKeysOfACloudEntry() throws Exception {
        Run r = cms("""
                cloudmesh:
                  profile: {user: alice}
                  cloud:
                    awsm:
                      cm: {kind: aws, timeout: 30}
                      default: {image: ami-0abc, flavour: t3.micro}
                      credentials: {EC2_ACESS_ID: AKIAEXAMPLE, EC2_SECRET_KEY: TBD, region: us-east-1}
                      endpoints: http://127.0.0.1:8773/services/compute
                    chameleon:
                      cm: {kind: openstack}
                      default: {image: CC-Ubuntu22.04, flavor: m1.small}
                      credentials: {OS_USERNAME: alice, OS_PASSWORD: pw, OS_TENANT_NAME: p1, OS_REGION_NAME: RegionOne,
                                    OS_PROJECT_DOMAIN_NAME: Default}
                      endpoint: http://127.0.0.1/identity/v3
                    local:
                      cm: {kind: libvirt, active: true}
                      default: {image: cms-guest, flavor: nano, username: root}
                      credentials: {uri: "test+unix:///default"}
                """, "config", "check");
        assertEquals(1, r.status(), r.toString());
        String file = tmp.resolve("home/cloudmesh.yaml").toString();
        assertEquals(file + ": cloudmesh.cloud.awsm.endpoints is not a section of a cloud entry: did you mean endpoint?\n"
                + file + ": cloudmesh.cloud.awsm.default.flavour is not a key kind aws reads: did you mean flavor?\n"
                + file + ": cloudmesh.cloud.awsm.credentials.EC2_ACCESS_ID is missing: kind aws needs it"
                + " (config set cloudmesh.cloud.awsm.credentials.EC2_ACCESS_ID=VALUE)\n"
                + file + ": cloudmesh.cloud.awsm.credentials.EC2_SECRET_KEY is TBD: kind aws needs it"
                + " (config set cloudmesh.cloud.awsm.credentials.EC2_SECRET_KEY=VALUE)\n"
                + file + ": cloudmesh.cloud.awsm.credentials.EC2_ACESS_ID is not a key kind aws reads: did you mean EC2_ACCESS_ID?\n"
                + "ERROR: 5 problems in " + file + "\n", r.err(), "aliases (OS_REGION_NAME) and cloudmesh's own keys (cm.active) pass");
    }

    @Test
    void aCompleteEntryPasses() throws Exception {
        Run r = cms("""
                cloudmesh:
                  cloud:
                    aws:
                      cm: {kind: aws}
                      default: {image: ami-0abc, flavor: t3.micro}
                      credentials: {EC2_ACCESS_ID: AKIAEXAMPLE, EC2_SECRET_KEY: s3cr3t}
                """, "config", "check");
        assertEquals(0, r.status(), r.toString());
        assertTrue(r.out().endsWith(": ok (1 clouds, 0 comet endpoints)\n"), r.toString());
    }

    @Test
    void theCheckSummaryIsOneSentenceInConfigHelp() throws Exception {
        Run r = cms(null, "config", "--help");
        assertEquals(0, r.status(), r.toString());
        String text = r.out().replaceAll("\\s+", " ");
        assertTrue(text.contains("check Check cloudmesh.yaml: syntax, file permissions, and that every cloud entry names its kind, has default"
                + " and credentials sections, and has every key its kind needs, none misspelled (as in the template's example entries)."), r.out());
    }
}
