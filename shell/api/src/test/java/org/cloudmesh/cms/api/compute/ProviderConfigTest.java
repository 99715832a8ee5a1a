package org.cloudmesh.cms.api.compute;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.MapConfig;
import org.junit.jupiter.api.Test;

/** How a cloud entry of cloudmesh.yaml is read, and the one-line errors a user sees for a bad one. */
class ProviderConfigTest {
    static final String YAML = """
            cloudmesh:
              cloud:
                aws:
                  cm: {kind: aws, timeout: 5}
                  default: {image: ami-0abc, flavor: t3.micro, username: TBD}
                  credentials: {EC2_ACCESS_ID: AKIAEXAMPLE, EC2_SECRET_KEY: TBD, region: us-east-1}
                  endpoint: http://127.0.0.1:8111
                local:
                  cm: {kind: libvirt}
                  credentials: {uri: "test+unix:///default"}
                broken:
                  default: {image: x}
            """;

    static Config config(String yaml) {
        return MapConfig.parse(Path.of("/home/user/.cloudmesh/cloudmesh.yaml"), yaml);
    }

    @Test
    void readsKindDefaultsCredentialsEndpointAndTimeout() {
        ProviderConfig aws = ProviderConfig.of(config(YAML), "aws");
        assertEquals("aws", aws.kind());
        assertEquals("ami-0abc", aws.defaultValue("image").orElseThrow());
        assertTrue(aws.defaultValue("username").isEmpty(), "TBD is no value");
        assertEquals("AKIAEXAMPLE", aws.credential("EC2_ACCESS_ID"));
        assertEquals("http://127.0.0.1:8111", aws.endpoint().orElseThrow().toString());
        assertEquals(Duration.ofSeconds(5), aws.timeout());
        assertEquals(ProviderConfig.DEFAULT_TIMEOUT, ProviderConfig.of(config(YAML), "local").timeout());
        assertFalse(aws.toString().contains("AKIAEXAMPLE"), "credentials are never shown: " + aws);
    }

    @Test
    void tbdCredentialNamesTheYamlKeyAndHidesValues() {
        ProviderConfig aws = ProviderConfig.of(config(YAML), "aws");
        CmsException e = assertThrows(CmsException.class, () -> aws.credential("EC2_SECRET_KEY"));
        assertEquals("cloud 'aws': credential cloudmesh.cloud.aws.credentials.EC2_SECRET_KEY is missing or TBD: "
                + "set it with 'config set cloudmesh.cloud.aws.credentials.EC2_SECRET_KEY=VALUE'", e.getMessage());
    }

    @Test
    void unknownCloudListsTheConfiguredOnes() {
        CmsException e = assertThrows(CmsException.class, () -> ProviderConfig.of(config(YAML), "azure"));
        assertTrue(e.getMessage().startsWith("unknown cloud 'azure': configured clouds are aws, local, broken"), e.getMessage());
        CmsException none = assertThrows(CmsException.class, () -> ProviderConfig.of(config(YAML), null));
        assertTrue(none.getMessage().startsWith("no cloud chosen"), none.getMessage());
    }

    @Test
    void entryWithoutKindAndBadEndpointAreRefused() {
        CmsException e = assertThrows(CmsException.class, () -> ProviderConfig.of(config(YAML), "broken"));
        assertTrue(e.getMessage().contains("set cloudmesh.cloud.broken.cm.kind"), e.getMessage());
        CmsException ep = assertThrows(CmsException.class, () -> ProviderConfig.of(config(
                "cloudmesh: {cloud: {x: {cm: {kind: aws}, endpoint: 'not a url'}}}"), "x"));
        assertTrue(ep.getMessage().contains("endpoint 'not a url' is not a URL"), ep.getMessage());
    }
}
