package org.cloudmesh.cms.aws;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.KeyInfo;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import software.amazon.awssdk.auth.credentials.AwsBasicCredentials;
import software.amazon.awssdk.auth.credentials.StaticCredentialsProvider;
import software.amazon.awssdk.awscore.exception.AwsErrorDetails;
import software.amazon.awssdk.core.SdkBytes;
import software.amazon.awssdk.core.exception.ApiCallTimeoutException;
import software.amazon.awssdk.core.exception.SdkClientException;
import software.amazon.awssdk.http.urlconnection.UrlConnectionHttpClient;
import software.amazon.awssdk.regions.Region;
import software.amazon.awssdk.services.ec2.Ec2Client;
import software.amazon.awssdk.services.ec2.Ec2ClientBuilder;
import software.amazon.awssdk.services.ec2.model.Ec2Exception;
import software.amazon.awssdk.services.ec2.model.Filter;
import software.amazon.awssdk.services.ec2.model.Instance;
import software.amazon.awssdk.services.ec2.model.InstanceStateChange;
import software.amazon.awssdk.services.ec2.model.Reservation;
import software.amazon.awssdk.services.ec2.model.ResourceType;
import software.amazon.awssdk.services.ec2.model.RunInstancesRequest;
import software.amazon.awssdk.services.ec2.model.SecurityGroup;
import software.amazon.awssdk.services.ec2.model.Subnet;
import software.amazon.awssdk.services.ec2.model.Tag;
import software.amazon.awssdk.services.ec2.model.TagSpecification;

/** One EC2 region (or endpoint). Instances are named by their {@code Name} tag, as the AWS console shows them. */
final class Ec2Compute implements Compute {
    private final ProviderConfig cloud;
    private final Ec2Client ec2;
    private final String where;

    Ec2Compute(ProviderConfig cloud) {
        this.cloud = cloud;
        String id = cloud.credential("EC2_ACCESS_ID");
        String secret = cloud.credential("EC2_SECRET_KEY");
        // EC2_REGION is cloudmesh's name for it
        String region = cloud.credentialOr("region", cloud.credentialOr("EC2_REGION", "us-east-1").orElseThrow()).orElseThrow();
        Duration timeout = cloud.timeout();
        Ec2ClientBuilder b = Ec2Client.builder()
                .region(Region.of(region))
                .credentialsProvider(StaticCredentialsProvider.create(AwsBasicCredentials.create(id, secret)))
                .httpClient(UrlConnectionHttpClient.builder().connectionTimeout(timeout).socketTimeout(timeout).build())
                .overrideConfiguration(c -> {
                    c.apiCallTimeout(timeout);
                    cloud.endpoint().flatMap(EndpointPath::of).ifPresent(c::addExecutionInterceptor);
                });
        cloud.endpoint().ifPresent(b::endpointOverride);
        this.where = cloud.endpoint().map(URI::toString).orElse("https://ec2." + region + ".amazonaws.com");
        this.ec2 = b.build();
    }

    private final java.util.Set<String> keysImported = new java.util.HashSet<>();

    @Override
    public List<Vm> list() {
        List<Vm> vms = new ArrayList<>();
        call("DescribeInstances", null, () -> {
            for (Reservation r : ec2.describeInstances().reservations()) for (Instance i : r.instances()) vms.add(toVm(i));
            return null;
        });
        return vms;
    }

    private Vm toVm(Instance i) {
        String name = i.instanceId();
        for (Tag t : i.tags()) if ("Name".equals(t.key()) && t.value() != null && !t.value().isBlank()) name = t.value();
        Map<String, String> details = new LinkedHashMap<>();
        if (i.keyName() != null) details.put("key", i.keyName());
        if (i.placement() != null && i.placement().availabilityZone() != null) details.put("zone", i.placement().availabilityZone());
        return new Vm(name, cloud.name(), "aws", i.instanceId(), state(i.state() == null ? null : i.state().nameAsString()),
                i.imageId(), i.instanceTypeAsString(), i.publicIpAddress(), i.privateIpAddress(), null,
                i.launchTime() == null ? null : i.launchTime().toString(), details);
    }

    static String state(String ec2) {
        if (ec2 == null) return Vm.UNKNOWN;
        return switch (ec2) {
            case "pending" -> Vm.PENDING;
            case "running" -> Vm.RUNNING;
            case "stopping", "shutting-down" -> Vm.STOPPING;
            case "stopped" -> Vm.STOPPED;
            case "terminated" -> Vm.TERMINATED;
            default -> Vm.UNKNOWN;
        };
    }

    @Override
    public Vm boot(BootRequest r) {
        if (r.key() != null && r.publicKey() != null) ensureKey(r.key(), r.publicKey());
        RunInstancesRequest.Builder req = RunInstancesRequest.builder()
                .imageId(r.image()).instanceType(r.flavor()).minCount(1).maxCount(1)
                .tagSpecifications(TagSpecification.builder().resourceType(ResourceType.INSTANCE)
                        .tags(Tag.builder().key("Name").value(r.name()).build(),
                                Tag.builder().key("cm.cloud").value(cloud.name()).build()).build());
        if (r.key() != null) req.keyName(r.key());
        if (r.network() != null) req.subnetId(r.network());
        if (r.secgroup() != null && r.secgroup().startsWith("sg-")) {
            req.securityGroupIds(r.secgroup());
        } else if (r.secgroup() != null && r.network() != null) {
            req.securityGroupIds(groupId(r.secgroup(), r.network(), r.name())); // a VPC takes groups by id only
        } else if (r.secgroup() != null) {
            req.securityGroups(r.secgroup());
        }
        return call("RunInstances", r.name(), () -> toVm(ec2.runInstances(req.build()).instances().get(0)));
    }

    /** The id of security group {@code name} in the VPC of {@code subnet}; not found is an error naming both. */
    private String groupId(String name, String subnet, String vm) {
        String vpc = call("DescribeSubnets", vm, () -> ec2.describeSubnets(b -> b.subnetIds(subnet)).subnets().stream()
                .map(Subnet::vpcId).findFirst().orElse(null));
        if (vpc == null) throw new CmsException("cloud '" + cloud.name() + "': subnet '" + subnet + "' not found (the network of vm " + vm + ")");
        List<String> ids = call("DescribeSecurityGroups", vm, () -> ec2.describeSecurityGroups(b -> b.filters(
                Filter.builder().name("group-name").values(name).build(), Filter.builder().name("vpc-id").values(vpc).build()))
                .securityGroups().stream().map(SecurityGroup::groupId).toList());
        if (ids.isEmpty()) {
            throw new CmsException("cloud '" + cloud.name() + "': security group '" + name + "' not found in " + vpc + " (the VPC of subnet "
                    + subnet + "): give a group of that VPC by name or id with --secgroup");
        }
        return ids.get(0);
    }

    /**
     * Imports the key pair once for all the VMs of a boot (they boot in parallel on this one cloud); a key another
     * process imported meanwhile (InvalidKeyPair.Duplicate) is there, which is all a boot needs.
     */
    private synchronized void ensureKey(String name, String publicKey) {
        if (keysImported.contains(name)) return;
        if (keys().stream().noneMatch(k -> k.name().equals(name))) {
            try {
                uploadKey(name, publicKey);
            } catch (CmsException e) {
                if (!e.getMessage().contains("InvalidKeyPair.Duplicate")) throw e;
            }
        }
        keysImported.add(name);
    }

    @Override
    public Vm start(Vm vm) {
        return call("StartInstances", vm.name(), () -> changed(vm, ec2.startInstances(b -> b.instanceIds(vm.id())).startingInstances()));
    }

    @Override
    public Vm stop(Vm vm) {
        return call("StopInstances", vm.name(), () -> changed(vm, ec2.stopInstances(b -> b.instanceIds(vm.id())).stoppingInstances()));
    }

    @Override
    public void terminate(Vm vm) {
        try {
            call("TerminateInstances", vm.name(), () -> ec2.terminateInstances(b -> b.instanceIds(vm.id())));
        } catch (GoneException e) {
            // already gone: nothing to end
        }
    }

    private static Vm changed(Vm vm, List<InstanceStateChange> changes) {
        if (changes.isEmpty() || changes.get(0).currentState() == null) return vm;
        return vm.withState(state(changes.get(0).currentState().nameAsString()));
    }

    @Override
    public List<KeyInfo> keys() {
        return call("DescribeKeyPairs", null, () -> ec2.describeKeyPairs().keyPairs().stream()
                .map(k -> new KeyInfo(k.keyName(), k.keyFingerprint())).toList());
    }

    @Override
    public void uploadKey(String name, String publicKey) {
        call("ImportKeyPair", null, () -> ec2.importKeyPair(b -> b.keyName(name).publicKeyMaterial(SdkBytes.fromUtf8String(publicKey))));
    }

    private static final class GoneException extends CmsException {
        GoneException(String m) {
            super(m);
        }
    }

    /** Runs one API call; the cloud's error is quoted with its code, the endpoint named when it cannot be reached. */
    private <T> T call(String action, String vm, Supplier<T> body) {
        String what = "cloud '" + cloud.name() + "': " + action + (vm == null ? "" : " for vm " + vm);
        try {
            return body.get();
        } catch (Ec2Exception e) {
            AwsErrorDetails d = e.awsErrorDetails();
            String code = d == null ? null : d.errorCode();
            String msg = d == null ? null : d.errorMessage();
            if ((msg == null || msg.isBlank()) && code != null && code.matches("[A-Za-z][A-Za-z0-9.]*")) {
                msg = "(HTTP " + e.statusCode() + " from " + where + ")"; // an EC2 error code without text
            }
            if (msg == null || msg.isBlank()) {
                // not an EC2 error document (a web server's error page, a proxy, a wrong path): say what answered
                throw new CmsException(what + " failed: HTTP " + e.statusCode() + " from " + where + ", which gave no EC2 error"
                        + answered(d) + " (check " + ProviderConfig.PREFIX + cloud.name() + ".endpoint)");
            }
            String text = what + " failed: " + (code == null ? "HTTP " + e.statusCode() + ": " : code + ": ") + oneLine(msg);
            if ("InvalidInstanceID.NotFound".equals(code)) throw new GoneException(text);
            if (code != null && (code.startsWith("AuthFailure") || code.equals("UnauthorizedOperation") || code.contains("SignatureDoesNotMatch"))) {
                text += " (check " + ProviderConfig.PREFIX + cloud.name() + ".credentials.EC2_ACCESS_ID and EC2_SECRET_KEY)";
            }
            throw new CmsException(text);
        } catch (ApiCallTimeoutException e) {
            throw new CmsException(what + ": no answer from " + where + " within " + cloud.timeout().toSeconds()
                    + " s (raise " + ProviderConfig.PREFIX + cloud.name() + ".cm.timeout, or check the endpoint)");
        } catch (SdkClientException e) {
            throw new CmsException(what + ": cannot reach " + where + ": " + oneLine(rootMessage(e)));
        }
    }

    /** A glimpse of a body that is not an EC2 error, e.g. {@code : "404 Not Found nginx/1.24.0"}; empty when none. */
    static String answered(AwsErrorDetails d) {
        if (d == null || d.rawResponse() == null) return "";
        String text = d.rawResponse().asUtf8String().replaceAll("(?s)<(script|style|head)[^>]*>.*?</\\1>", " ").replaceAll("<[^>]*>", " ")
                .replaceAll("\\s+", " ").strip();
        if (text.isEmpty()) return "";
        return ": \"" + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + "\"";
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }

    @Override
    public void close() {
        ec2.close();
    }
}
