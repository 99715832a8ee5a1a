package org.cloudmesh.cms.aws;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A local EC2 endpoint for tests: the EC2 Query API as AWS speaks it (POST form {@code Action=RunInstances&...},
 * a SigV4 signature checked over method, path, headers and body, XML answers in the
 * {@code http://ec2.amazonaws.com/doc/2016-11-15/} namespace, errors as {@code <Response><Errors><Error><Code>}), for
 * the calls the aws provider makes. It listens under {@link #path} (as EC2-compatible private clouds do, e.g.
 * Eucalyptus's {@code /services/compute}); any other path gets the HTML 404 page of the web server in front of it.
 * Instances start pending and are running at the next describe; a terminated instance is shutting-down at the next
 * describe and terminated from the one after, and stays listed with its tags, as on EC2 for about an hour. With {@link #tags} false the instances come back without tags (an emulator that keeps
 * none). The default VPC {@link #DEFAULT_VPC} and the VPC {@link #VPC} (subnet {@link #SUBNET}) each hold a security
 * group {@code web}; in a non-default VPC groups are taken by id only ({@code InvalidParameterCombination} otherwise).
 * Known images: {@link #IMAGES}; at most {@link #limit} instances that are not terminated.
 */
final class Ec2Endpoint implements AutoCloseable {
    static final String NS = "http://ec2.amazonaws.com/doc/2016-11-15/";
    static final Set<String> IMAGES = Set.of("ami-0ubuntu2204", "ami-0abc");
    static final String DEFAULT_VPC = "vpc-0default";
    static final String VPC = "vpc-0a1b2c3d";
    static final String SUBNET = "subnet-0a1b2c3d";
    static final String DEFAULT_SUBNET = "subnet-0default";

    record Instance(String id, String name, String image, String type, String key, String cloudTag, String[] state,
                    String publicIp, String privateIp, String launched, String subnet, List<String> groupIds) {
    }

    record Group(String id, String name, String vpc) {
    }

    final HttpServer server;
    final String accessKeyId;
    final String secretKey;
    final String path;
    final Map<String, String> subnets = Map.of(SUBNET, VPC, DEFAULT_SUBNET, DEFAULT_VPC); // subnet -> its VPC
    final List<Group> groups = List.of(new Group("sg-0default0web", "web", DEFAULT_VPC), new Group("sg-0a1b2c3dweb", "web", VPC));
    final Map<String, Instance> instances = new LinkedHashMap<>();
    final Map<String, String> keyPairs = new LinkedHashMap<>(); // name -> fingerprint
    final List<String> actions = new ArrayList<>();
    final AtomicInteger counter = new AtomicInteger();
    final Map<String, Integer> shuttingDown = new LinkedHashMap<>(); // instance id -> describes seen while shutting down
    volatile int limit = 20;
    volatile String publicIp = "127.0.0.1";
    volatile long delayMillis = 0;
    volatile boolean tags = true;
    /** The region this endpoint serves: requests signed for another are refused, as by EC2. */
    volatile String region = "us-east-1";
    /** Set: every call answers this EC2 error code without a message, as some EC2 implementations do. */
    volatile String bareError;

    /** At the root path, as AWS's own endpoints. */
    Ec2Endpoint(String accessKeyId, String secretKey) throws IOException {
        this(accessKeyId, secretKey, "/");
    }

    /** Under {@code path}, e.g. {@code /aws-mock/ec2-endpoint/}. */
    Ec2Endpoint(String accessKeyId, String secretKey, String path) throws IOException {
        this.accessKeyId = accessKeyId;
        this.secretKey = secretKey;
        this.path = path;
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.setExecutor(Executors.newFixedThreadPool(8));
        server.createContext("/", this::handle);
        server.start();
    }

    /** The endpoint to configure: {@code http://127.0.0.1:PORT} plus the path (none at the root). */
    String url() {
        return root() + (path.equals("/") ? "" : path);
    }

    String root() {
        return "http://127.0.0.1:" + server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
    }

    private void handle(HttpExchange ex) throws IOException {
        try (ex) {
            int status = 200;
            String body;
            try {
                byte[] raw = ex.getRequestBody().readAllBytes();
                if (delayMillis > 0) Thread.sleep(delayMillis);
                if (!ex.getRequestURI().getRawPath().equals(path) || !ex.getRequestMethod().equals("POST")) {
                    // what the web server in front of the API answers for any other path
                    byte[] page = ("<html>\r\n<head><title>404 Not Found</title></head>\r\n<body>\r\n<center><h1>404 Not Found</h1></center>\r\n"
                            + "<hr><center>nginx/1.24.0</center>\r\n</body>\r\n</html>\r\n").getBytes(StandardCharsets.UTF_8);
                    ex.getResponseHeaders().set("Content-Type", "text/html");
                    ex.sendResponseHeaders(404, page.length);
                    ex.getResponseBody().write(page);
                    return;
                }
                Map<String, String> p = form(new String(raw, StandardCharsets.UTF_8));
                String auth = ex.getRequestHeaders().getFirst("Authorization");
                if (auth == null || !auth.startsWith("AWS4-HMAC-SHA256 Credential=" + accessKeyId + "/")) {
                    throw new Ec2Error("AuthFailure", "AWS was not able to validate the provided access credentials");
                }
                String scoped = auth.split("/").length > 2 ? auth.split("/")[2] : "";
                if (!scoped.equals(region)) {
                    throw new Ec2Error("AuthFailure", "Credential should be scoped to a valid region, not '" + scoped + "'. ");
                }
                if (!SigV4.valid(ex, raw, secretKey)) {
                    throw new Ec2Error("SignatureDoesNotMatch", "The request signature we calculated does not match the signature you provided."
                            + " Check your AWS Secret Access Key and signing method. Consult the service documentation for details.");
                }
                if (bareError != null) {
                    send(ex, 503, "<Response><Errors><Error><Code>" + bareError + "</Code></Error></Errors><RequestID>" + rid() + "</RequestID></Response>");
                    return;
                }
                body = answer(p.getOrDefault("Action", ""), p);
            } catch (Ec2Error e) {
                status = 400;
                body = error(e.code, e.getMessage());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            send(ex, status, body);
        }
    }

    private synchronized String answer(String action, Map<String, String> p) {
        actions.add(action);
        return switch (action) {
            case "DescribeInstances" -> describeInstances();
            case "RunInstances" -> runInstances(p);
            case "StartInstances" -> change(p, "StartInstancesResponse", "", new String[] {"0", "pending"});
            case "StopInstances" -> change(p, "StopInstancesResponse", "", new String[] {"64", "stopping"});
            case "TerminateInstances" -> change(p, "TerminateInstancesResponse", "", new String[] {"32", "shutting-down"});
            case "DescribeKeyPairs" -> describeKeyPairs();
            case "DescribeSubnets" -> describeSubnets(p);
            case "DescribeSecurityGroups" -> describeSecurityGroups(p);
            case "ImportKeyPair" -> importKeyPair(p);
            default -> throw new Ec2Error("InvalidAction", "The action " + action + " is not valid for this web service.");
        };
    }

    static final class Ec2Error extends RuntimeException {
        final String code;

        Ec2Error(String code, String message) {
            super(message);
            this.code = code;
        }
    }

    private String runInstances(Map<String, String> p) {
        String image = p.get("ImageId");
        if (!IMAGES.contains(image)) throw new Ec2Error("InvalidAMIID.NotFound", "The image id '[" + image + "]' does not exist");
        long live = instances.values().stream().filter(i -> !i.state()[1].equals("terminated")).count();
        if (live >= limit) {
            throw new Ec2Error("InstanceLimitExceeded", "You have requested more instances (" + (live + 1)
                    + ") than your current instance limit of " + limit + " allows for the specified instance type.");
        }
        String key = p.get("KeyName");
        if (key != null && !keyPairs.containsKey(key)) throw new Ec2Error("InvalidKeyPair.NotFound", "The key pair '" + key + "' does not exist");
        String subnet = p.get("SubnetId");
        String vpc = subnet == null ? DEFAULT_VPC : subnets.get(subnet);
        if (vpc == null) throw new Ec2Error("InvalidSubnetID.NotFound", "The subnet ID '" + subnet + "' does not exist");
        if (p.containsKey("SecurityGroup.1") && !vpc.equals(DEFAULT_VPC)) {
            throw new Ec2Error("InvalidParameterCombination", "The parameter groupName cannot be used with the parameter subnet");
        }
        List<String> groupIds = new ArrayList<>();
        for (int i = 1; p.containsKey("SecurityGroup." + i); i++) {
            String g = p.get("SecurityGroup." + i);
            groupIds.add(groups.stream().filter(x -> x.name().equals(g) && x.vpc().equals(DEFAULT_VPC)).findFirst().orElseThrow(() ->
                    new Ec2Error("InvalidGroup.NotFound", "The security group '" + g + "' does not exist in default VPC '" + DEFAULT_VPC + "'")).id());
        }
        for (int i = 1; p.containsKey("SecurityGroupId." + i); i++) {
            String g = p.get("SecurityGroupId." + i);
            if (groups.stream().noneMatch(x -> x.id().equals(g) && x.vpc().equals(vpc))) {
                throw new Ec2Error("InvalidGroup.NotFound", "The security group '" + g + "' does not exist in VPC '" + vpc + "'");
            }
            groupIds.add(g);
        }
        String name = null;
        String cloudTag = null;
        for (int i = 1; p.containsKey("TagSpecification.1.Tag." + i + ".Key"); i++) {
            String k = p.get("TagSpecification.1.Tag." + i + ".Key");
            if (k.equals("Name")) name = p.get("TagSpecification.1.Tag." + i + ".Value");
            if (k.equals("cm.cloud")) cloudTag = p.get("TagSpecification.1.Tag." + i + ".Value");
        }
        int n = counter.incrementAndGet();
        Instance inst = new Instance(String.format("i-%017x", n), name, image, p.getOrDefault("InstanceType", "m1.small"), key,
                cloudTag, new String[] {"0", "pending"}, publicIp, "10.0.0." + n, Instant.now().toString().replaceAll("\\.\\d+Z$", ".000Z"),
                subnet == null ? DEFAULT_SUBNET : subnet, List.copyOf(groupIds));
        instances.put(inst.id(), inst);
        return "<RunInstancesResponse xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><reservationId>r-" + inst.id().substring(2)
                + "</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>" + item(inst)
                + "</instancesSet></RunInstancesResponse>";
    }

    private String describeInstances() {
        StringBuilder b = new StringBuilder("<DescribeInstancesResponse xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><reservationSet>");
        for (Instance i : instances.values()) {
            // what the cloud did meanwhile: a pending instance came up, a stopping one stopped, a terminating one ended
            switch (i.state()[1]) {
                case "pending" -> set(i, "16", "running");
                case "stopping" -> set(i, "80", "stopped");
                case "shutting-down" -> {
                    // still shutting down at the first look after TerminateInstances, terminated from the next
                    if (shuttingDown.merge(i.id(), 1, Integer::sum) > 1) set(i, "48", "terminated");
                }
                default -> { }
            }
            b.append("<item><reservationId>r-").append(i.id().substring(2)).append("</reservationId><ownerId>123456789012</ownerId><groupSet/><instancesSet>")
                    .append(item(i)).append("</instancesSet></item>");
        }
        return b.append("</reservationSet></DescribeInstancesResponse>").toString();
    }

    private static void set(Instance i, String code, String name) {
        i.state()[0] = code;
        i.state()[1] = name;
    }

    private String change(Map<String, String> p, String response, String unused, String[] to) {
        String id = p.get("InstanceId.1");
        Instance i = instances.get(id);
        if (i == null || i.state()[1].equals("terminated") && !response.startsWith("Terminate")) {
            throw new Ec2Error("InvalidInstanceID.NotFound", "The instance ID '" + id + "' does not exist");
        }
        String[] before = i.state().clone();
        set(i, to[0], to[1]);
        return "<" + response + " xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><instancesSet><item><instanceId>" + id
                + "</instanceId><currentState><code>" + to[0] + "</code><name>" + to[1] + "</name></currentState><previousState><code>"
                + before[0] + "</code><name>" + before[1] + "</name></previousState></item></instancesSet></" + response + ">";
    }

    private String describeSubnets(Map<String, String> p) {
        StringBuilder b = new StringBuilder("<DescribeSubnetsResponse xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><subnetSet>");
        List<String> wanted = new ArrayList<>();
        for (int i = 1; p.containsKey("SubnetId." + i); i++) wanted.add(p.get("SubnetId." + i));
        for (String id : wanted) {
            if (!subnets.containsKey(id)) throw new Ec2Error("InvalidSubnetID.NotFound", "The subnet ID '" + id + "' does not exist");
        }
        subnets.forEach((id, vpc) -> {
            if (!wanted.isEmpty() && !wanted.contains(id)) return;
            b.append("<item><subnetId>").append(id).append("</subnetId><subnetArn>arn:aws:ec2:us-east-1:123456789012:subnet/").append(id)
                    .append("</subnetArn><state>available</state><ownerId>123456789012</ownerId><vpcId>").append(vpc)
                    .append("</vpcId><cidrBlock>10.0.").append(vpc.equals(VPC) ? 1 : 0).append(".0/24</cidrBlock><availableIpAddressCount>251")
                    .append("</availableIpAddressCount><availabilityZone>us-east-1a</availabilityZone><defaultForAz>")
                    .append(vpc.equals(DEFAULT_VPC)).append("</defaultForAz><mapPublicIpOnLaunch>").append(vpc.equals(DEFAULT_VPC))
                    .append("</mapPublicIpOnLaunch></item>");
        });
        return b.append("</subnetSet></DescribeSubnetsResponse>").toString();
    }

    /** Filters {@code group-name} and {@code vpc-id}, or {@code GroupName.N} (default VPC only, as EC2). */
    private String describeSecurityGroups(Map<String, String> p) {
        Map<String, List<String>> filters = new LinkedHashMap<>();
        for (int i = 1; p.containsKey("Filter." + i + ".Name"); i++) {
            List<String> values = new ArrayList<>();
            for (int j = 1; p.containsKey("Filter." + i + ".Value." + j); j++) values.add(p.get("Filter." + i + ".Value." + j));
            filters.put(p.get("Filter." + i + ".Name"), values);
        }
        for (String f : filters.keySet()) {
            if (!f.equals("group-name") && !f.equals("vpc-id") && !f.equals("group-id")) {
                throw new Ec2Error("InvalidParameterValue", "The filter '" + f + "' is invalid");
            }
        }
        List<String> names = new ArrayList<>();
        for (int i = 1; p.containsKey("GroupName." + i); i++) names.add(p.get("GroupName." + i));
        StringBuilder b = new StringBuilder("<DescribeSecurityGroupsResponse xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><securityGroupInfo>");
        for (String n : names) {
            if (groups.stream().noneMatch(g -> g.name().equals(n) && g.vpc().equals(DEFAULT_VPC))) {
                throw new Ec2Error("InvalidGroup.NotFound", "The security group '" + n + "' does not exist in default VPC '" + DEFAULT_VPC + "'");
            }
        }
        for (Group g : groups) {
            if (!names.isEmpty() && !(names.contains(g.name()) && g.vpc().equals(DEFAULT_VPC))) continue;
            if (filters.containsKey("group-name") && !filters.get("group-name").contains(g.name())) continue;
            if (filters.containsKey("group-id") && !filters.get("group-id").contains(g.id())) continue;
            if (filters.containsKey("vpc-id") && !filters.get("vpc-id").contains(g.vpc())) continue;
            b.append("<item><ownerId>123456789012</ownerId><groupId>").append(g.id()).append("</groupId><groupName>").append(esc(g.name()))
                    .append("</groupName><groupDescription>web servers</groupDescription><vpcId>").append(g.vpc())
                    .append("</vpcId><ipPermissions/><ipPermissionsEgress/></item>");
        }
        return b.append("</securityGroupInfo></DescribeSecurityGroupsResponse>").toString();
    }

    private String describeKeyPairs() {
        StringBuilder b = new StringBuilder("<DescribeKeyPairsResponse xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><keySet>");
        keyPairs.forEach((k, f) -> b.append("<item><keyPairId>key-").append(Integer.toHexString(k.hashCode())).append("</keyPairId><keyName>")
                .append(esc(k)).append("</keyName><keyFingerprint>").append(f).append("</keyFingerprint></item>"));
        return b.append("</keySet></DescribeKeyPairsResponse>").toString();
    }

    private String importKeyPair(Map<String, String> p) {
        String name = p.get("KeyName");
        if (keyPairs.containsKey(name)) throw new Ec2Error("InvalidKeyPair.Duplicate", "The keypair already exists");
        String material = new String(Base64.getDecoder().decode(p.get("PublicKeyMaterial")), StandardCharsets.UTF_8);
        String[] parts = material.strip().split("\\s+");
        if (parts.length < 2) throw new Ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
        String fp;
        try {
            byte[] d = MessageDigest.getInstance("MD5").digest(Base64.getDecoder().decode(parts[1]));
            StringBuilder h = new StringBuilder();
            for (byte x : d) h.append(h.length() == 0 ? "" : ":").append(String.format("%02x", x));
            fp = h.toString();
        } catch (Exception e) {
            throw new Ec2Error("InvalidKey.Format", "Key is not in valid OpenSSH public key format");
        }
        keyPairs.put(name, fp);
        return "<ImportKeyPairResponse xmlns=\"" + NS + "\"><requestId>" + rid() + "</requestId><keyName>" + esc(name)
                + "</keyName><keyFingerprint>" + fp + "</keyFingerprint></ImportKeyPairResponse>";
    }

    private String item(Instance i) {
        StringBuilder groupSet = new StringBuilder("<groupSet>");
        for (String g : i.groupIds()) {
            groups.stream().filter(x -> x.id().equals(g)).findFirst().ifPresent(x -> groupSet.append("<item><groupId>").append(x.id())
                    .append("</groupId><groupName>").append(esc(x.name())).append("</groupName></item>"));
        }
        groupSet.append("</groupSet>");
        return "<item><instanceId>" + i.id() + "</instanceId><imageId>" + esc(i.image()) + "</imageId><instanceState><code>"
                + i.state()[0] + "</code><name>" + i.state()[1] + "</name></instanceState><privateDnsName>ip-10-0-0-1.ec2.internal</privateDnsName>"
                + (i.key() == null ? "" : "<keyName>" + esc(i.key()) + "</keyName>") + "<amiLaunchIndex>0</amiLaunchIndex><instanceType>"
                + esc(i.type()) + "</instanceType><launchTime>" + i.launched() + "</launchTime><placement><availabilityZone>us-east-1a</availabilityZone>"
                + "<tenancy>default</tenancy></placement><monitoring><state>disabled</state></monitoring>"
                + (i.state()[1].equals("running") ? "<privateIpAddress>" + i.privateIp() + "</privateIpAddress><ipAddress>" + i.publicIp() + "</ipAddress>" : "")
                + "<subnetId>" + i.subnet() + "</subnetId><vpcId>" + subnets.get(i.subnet()) + "</vpcId>" + groupSet
                + "<architecture>x86_64</architecture><rootDeviceType>ebs</rootDeviceType><tagSet>"
                + (!tags || i.name() == null ? "" : "<item><key>Name</key><value>" + esc(i.name()) + "</value></item>")
                + (!tags || i.cloudTag() == null ? "" : "<item><key>cm.cloud</key><value>" + esc(i.cloudTag()) + "</value></item>")
                + "</tagSet></item>";
    }

    private static String error(String code, String message) {
        return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error><Code>" + code + "</Code><Message>" + esc(message)
                + "</Message></Error></Errors><RequestID>" + rid() + "</RequestID></Response>";
    }

    private static String rid() {
        return java.util.UUID.randomUUID().toString();
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    private static Map<String, String> form(String body) {
        Map<String, String> m = new LinkedHashMap<>();
        for (String pair : body.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            m.put(k, v);
        }
        return m;
    }

    private static void send(HttpExchange ex, int status, String body) throws IOException {
        byte[] bytes = (body.startsWith("<?xml") ? body : "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + body).getBytes(StandardCharsets.UTF_8);
        ex.getResponseHeaders().set("Content-Type", "text/xml;charset=UTF-8");
        ex.sendResponseHeaders(status, bytes.length);
        ex.getResponseBody().write(bytes);
    }
}
