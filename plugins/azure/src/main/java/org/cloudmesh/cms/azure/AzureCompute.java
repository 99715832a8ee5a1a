package org.cloudmesh.cms.azure;

import com.azure.core.credential.TokenCredential;
import com.azure.core.exception.ClientAuthenticationException;
import com.azure.core.exception.HttpResponseException;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.policy.FixedDelayOptions;
import com.azure.core.http.policy.RetryOptions;
import com.azure.core.management.AzureEnvironment;
import com.azure.core.management.exception.ManagementException;
import com.azure.core.management.profile.AzureProfile;
import com.azure.core.util.Context;
import com.azure.core.util.polling.LongRunningOperationStatus;
import com.azure.core.util.polling.PollResponse;
import com.azure.core.util.polling.SyncPoller;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.resourcemanager.compute.ComputeManager;
import com.azure.resourcemanager.compute.fluent.SshPublicKeysClient;
import com.azure.resourcemanager.compute.fluent.VirtualMachinesClient;
import com.azure.resourcemanager.compute.fluent.models.SshPublicKeyResourceInner;
import com.azure.resourcemanager.compute.fluent.models.VirtualMachineInner;
import com.azure.resourcemanager.compute.models.DeleteOptions;
import com.azure.resourcemanager.compute.models.DiskCreateOptionTypes;
import com.azure.resourcemanager.compute.models.DiskDeleteOptionTypes;
import com.azure.resourcemanager.compute.models.ExpandTypeForListVMs;
import com.azure.resourcemanager.compute.models.HardwareProfile;
import com.azure.resourcemanager.compute.models.ImageReference;
import com.azure.resourcemanager.compute.models.InstanceViewStatus;
import com.azure.resourcemanager.compute.models.LinuxConfiguration;
import com.azure.resourcemanager.compute.models.NetworkInterfaceReference;
import com.azure.resourcemanager.compute.models.NetworkProfile;
import com.azure.resourcemanager.compute.models.OSDisk;
import com.azure.resourcemanager.compute.models.OSProfile;
import com.azure.resourcemanager.compute.models.SshConfiguration;
import com.azure.resourcemanager.compute.models.SshPublicKey;
import com.azure.resourcemanager.compute.models.StorageProfile;
import com.azure.resourcemanager.compute.models.VirtualMachineSizeTypes;
import com.azure.resourcemanager.network.fluent.NetworkManagementClient;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceInner;
import com.azure.resourcemanager.network.fluent.models.NetworkInterfaceIpConfigurationInner;
import com.azure.resourcemanager.network.fluent.models.NetworkSecurityGroupInner;
import com.azure.resourcemanager.network.fluent.models.PublicIpAddressInner;
import com.azure.resourcemanager.network.fluent.models.SubnetInner;
import com.azure.resourcemanager.network.fluent.models.VirtualNetworkInner;
import com.azure.resourcemanager.network.models.AddressSpace;
import com.azure.resourcemanager.network.models.IpAllocationMethod;
import com.azure.resourcemanager.network.models.PublicIpAddressSku;
import com.azure.resourcemanager.network.models.PublicIpAddressSkuName;
import com.azure.resourcemanager.resources.fluent.models.ResourceGroupInner;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.KeyInfo;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Names;

/**
 * One Azure subscription and resource group ({@code default.group}, default {@code cloudmesh}) in one region. A VM
 * {@code NAME} is the Resource Manager resource {@code virtualMachines/NAME} with its network interface
 * {@code NAME-nic} and public address {@code NAME-ip} (both deleted with the VM), on subnet {@code default} of the
 * virtual network {@code default.network} (default {@code cms-vnet}), created when missing. Only the SDK's
 * generated service clients are used, so every call is one documented Resource Manager operation.
 */
final class AzureCompute implements Compute {
    static final String PUBLIC_ARM = "https://management.azure.com/";
    static final String PUBLIC_AUTHORITY = "https://login.microsoftonline.com/";
    /** How long a long-running operation (start, stop, delete, network set-up) may take in all. */
    static final Duration OPERATION_LIMIT = Duration.ofMinutes(6);

    private final ProviderConfig cloud;
    private final String subscription;
    private final String region;
    private final String group;
    private final String vnet;
    private final String where;
    private final String authority;
    private final VirtualMachinesClient vms;
    private final SshPublicKeysClient sshKeys;
    private final NetworkManagementClient net;
    private final ComputeManager manager;
    private volatile boolean networkReady;

    AzureCompute(ProviderConfig cloud) {
        this.cloud = cloud;
        String tenant = cloud.credential("AZURE_TENANT_ID");
        this.subscription = cloud.credential("AZURE_SUBSCRIPTION_ID");
        String app = cloud.credential("AZURE_APPLICATION_ID");
        String secret = cloud.credential("AZURE_SECRET_KEY");
        this.region = cloud.credential("AZURE_REGION");
        this.group = name("default.group", cloud.defaultValue("group").orElse("cloudmesh"));
        this.vnet = name("default.network", cloud.defaultValue("network").orElse("cms-vnet"));
        Duration timeout = cloud.timeout();
        String arm = cloud.endpoint().map(URI::toString).orElse(PUBLIC_ARM);
        // Resource Manager may sit under a path; a sign-in authority (Entra ID, AD FS) is a host, the tenant follows it
        this.authority = option("authority").orElse(cloud.endpoint().map(e -> e.getScheme() + "://" + e.getRawAuthority() + "/")
                .orElse(PUBLIC_AUTHORITY));
        for (String[] u : new String[][] {{"endpoint", arm}, {"cm.authority", authority}}) {
            if (!u[1].startsWith("https://")) {
                throw new CmsException("cloud '" + cloud.name() + "': " + u[0] + " '" + u[1] + "' must be an https:// URL"
                        + " (Azure sends its tokens over TLS only; trust a private CA with " + ProviderConfig.PREFIX
                        + cloud.name() + ".cm.cacert)");
            }
        }
        String authorityPath = URI.create(authority).getRawPath();
        if (authorityPath != null && !authorityPath.isEmpty() && !authorityPath.equals("/")) {
            throw new CmsException("cloud '" + cloud.name() + "': cm.authority '" + authority + "' has a path: give the sign-in host"
                    + " only, e.g. https://login.microsoftonline.com/ (the tenant AZURE_TENANT_ID follows it)");
        }
        this.where = arm;

        java.net.http.HttpClient.Builder jdk = java.net.http.HttpClient.newBuilder().connectTimeout(timeout);
        option("cacert").ifPresent(file -> jdk.sslContext(Trust.with(Path.of(file), cloud.name())));
        HttpClient http = new JdkHttpClientBuilder(jdk).connectionTimeout(timeout).responseTimeout(timeout)
                .readTimeout(timeout).writeTimeout(timeout).build();
        // a timed-out call is not repeated (the user waits one timeout, not three); throttling and 5xx are
        RetryOptions retry = new RetryOptions(new FixedDelayOptions(2, Duration.ofMillis(300))).setShouldRetryCondition(c -> {
            if (c.getResponse() != null) {
                int s = c.getResponse().getStatusCode();
                return s == 408 || s == 429 || s >= 500 && s != 501 && s != 505;
            }
            return !timedOut(c.getThrowable()) && cause(c.getThrowable(), ConnectException.class) == null;
        });
        ClientSecretCredentialBuilder cred = new ClientSecretCredentialBuilder().tenantId(tenant).clientId(app)
                .clientSecret(secret).authorityHost(authority).httpClient(http).retryOptions(retry);
        if (!authority.equals(PUBLIC_AUTHORITY)) cred.disableInstanceDiscovery(); // a private or test authority
        TokenCredential credential = cred.build();

        Map<String, String> endpoints = new HashMap<>(AzureEnvironment.AZURE.getEndpoints());
        if (cloud.endpoint().isPresent()) {
            // the SDK puts "/subscriptions/..." after it: an endpoint under a path loses its last slash, or the
            // request would go to PATH//subscriptions
            String base = URI.create(arm).getRawPath().length() > 1 ? arm.replaceAll("/+$", "") : arm;
            endpoints.put("resourceManagerEndpointUrl", base);
            endpoints.put("managementEndpointUrl", base);
        }
        endpoints.put("activeDirectoryEndpointUrl", authority);
        AzureProfile profile = new AzureProfile(tenant, subscription, new AzureEnvironment(endpoints));
        this.manager = ComputeManager.configure().withHttpClient(http).withRetryOptions(retry).authenticate(credential, profile);
        this.vms = manager.serviceClient().getVirtualMachines();
        this.sshKeys = manager.serviceClient().getSshPublicKeys();
        this.net = manager.networkManager().serviceClient();
    }

    private java.util.Optional<String> option(String key) {
        Object v = cloud.cm().get(key);
        String s = v == null ? "" : String.valueOf(v).strip();
        return s.isEmpty() || s.equalsIgnoreCase("TBD") ? java.util.Optional.empty() : java.util.Optional.of(s);
    }

    private String name(String key, String value) {
        if (!Names.isValid(value)) {
            throw new CmsException("cloud '" + cloud.name() + "': " + ProviderConfig.PREFIX + cloud.name() + "." + key
                    + " '" + value + "' is not a valid Azure name: use letters, digits, '.', '_' and '-'");
        }
        return value;
    }

    private String rgId() {
        return "/subscriptions/" + subscription + "/resourceGroups/" + group;
    }

    private String id(String provider, String type, String name) {
        return rgId() + "/providers/" + provider + "/" + type + "/" + name;
    }

    // ------------------------------------------------------------------------------------------------ list

    @Override
    public List<Vm> list() {
        return call("list virtual machines", null, () -> {
            List<VirtualMachineInner> found = new ArrayList<>();
            try {
                vms.listByResourceGroup(group, null, ExpandTypeForListVMs.INSTANCE_VIEW, Context.NONE).forEach(found::add);
            } catch (ManagementException e) {
                if (notFound(e)) return List.<Vm>of(); // no resource group yet: no VMs
                throw e;
            }
            if (found.isEmpty()) return List.<Vm>of();
            Map<String, NetworkInterfaceInner> nics = new HashMap<>();
            net.getNetworkInterfaces().listByResourceGroup(group).forEach(n -> nics.put(lower(n.id()), n));
            Map<String, PublicIpAddressInner> ips = new HashMap<>();
            net.getPublicIpAddresses().listByResourceGroup(group).forEach(p -> ips.put(lower(p.id()), p));
            List<Vm> result = new ArrayList<>();
            for (VirtualMachineInner v : found) result.add(toVm(v, nics, ips));
            return result;
        });
    }

    private Vm toVm(VirtualMachineInner v, Map<String, NetworkInterfaceInner> nics, Map<String, PublicIpAddressInner> ips) {
        String privateIp = null;
        String publicIp = null;
        if (v.networkProfile() != null && v.networkProfile().networkInterfaces() != null) {
            for (NetworkInterfaceReference ref : v.networkProfile().networkInterfaces()) {
                NetworkInterfaceInner nic = nics.get(lower(ref.id()));
                if (nic == null || nic.ipConfigurations() == null) continue;
                for (NetworkInterfaceIpConfigurationInner c : nic.ipConfigurations()) {
                    if (privateIp == null) privateIp = c.privateIpAddress();
                    if (publicIp == null && c.publicIpAddress() != null) {
                        PublicIpAddressInner p = ips.get(lower(c.publicIpAddress().id()));
                        if (p != null) publicIp = p.ipAddress();
                    }
                }
            }
        }
        Map<String, String> details = new LinkedHashMap<>();
        details.put("location", v.location());
        details.put("group", group);
        if (v.vmId() != null) details.put("vm_id", v.vmId());
        if (v.provisioningState() != null) details.put("provisioning", v.provisioningState());
        String image = null;
        if (v.storageProfile() != null && v.storageProfile().imageReference() != null) {
            ImageReference i = v.storageProfile().imageReference();
            image = i.id() != null ? i.id() : String.join(":", i.publisher(), i.offer(), i.sku(), i.version());
        }
        String flavor = v.hardwareProfile() == null || v.hardwareProfile().vmSize() == null ? null : v.hardwareProfile().vmSize().toString();
        String user = v.osProfile() == null ? null : v.osProfile().adminUsername();
        return new Vm(v.name(), cloud.name(), "azure", v.id(), state(v), image, flavor, publicIp, privateIp, user,
                v.timeCreated() == null ? null : v.timeCreated().toInstant().toString(), details);
    }

    /** The VM's state from its instance view: the PowerState status, else the provisioning state. */
    static String state(VirtualMachineInner v) {
        String power = null;
        String provisioning = v.provisioningState();
        if (v.instanceView() != null && v.instanceView().statuses() != null) {
            for (InstanceViewStatus s : v.instanceView().statuses()) {
                String code = s.code() == null ? "" : s.code();
                if (code.startsWith("PowerState/")) power = code.substring("PowerState/".length());
                if (code.startsWith("ProvisioningState/") && provisioning == null) provisioning = code.substring("ProvisioningState/".length());
            }
        }
        String p = provisioning == null ? "" : provisioning.toLowerCase(Locale.ROOT);
        if (p.equals("deleting")) return Vm.STOPPING;
        if (power != null) {
            return switch (power) {
                case "running" -> Vm.RUNNING;
                case "starting" -> Vm.PENDING;
                case "stopping", "deallocating" -> Vm.STOPPING;
                case "stopped", "deallocated" -> Vm.STOPPED;
                default -> Vm.UNKNOWN;
            };
        }
        return switch (p) {
            case "creating", "updating", "" -> Vm.PENDING;
            default -> Vm.UNKNOWN;
        };
    }

    // ------------------------------------------------------------------------------------------------ boot

    @Override
    public Vm boot(BootRequest r) {
        ImageReference image = image(r.image());
        if (r.publicKey() == null) {
            throw new CmsException("cloud '" + cloud.name() + "': vm " + r.name() + " needs an ssh public key for its login"
                    + " user (Azure VMs here take no password): add one with 'key add [PATH]'");
        }
        if (r.username() == null || r.username().equals("root")) {
            throw new CmsException("cloud '" + cloud.name() + "': vm " + r.name() + ": Azure does not allow the login user '"
                    + r.username() + "': set " + ProviderConfig.PREFIX + cloud.name() + ".default.username (e.g. azureuser) or give --username");
        }
        ensureNetwork();
        String ipName = r.name() + "-ip";
        String nicName = r.name() + "-nic";
        boolean ok = false;
        try {
            call("create public address " + ipName, r.name(), () -> done(net.getPublicIpAddresses().beginCreateOrUpdate(group, ipName,
                    new PublicIpAddressInner().withLocation(region)
                            .withSku(new PublicIpAddressSku().withName(PublicIpAddressSkuName.STANDARD))
                            .withPublicIpAllocationMethod(IpAllocationMethod.STATIC))));
            NetworkInterfaceInner nic = new NetworkInterfaceInner().withIpConfigurations(List.of(new NetworkInterfaceIpConfigurationInner()
                    .withName("ipconfig1")
                    .withSubnet(new SubnetInner().withId(id("Microsoft.Network", "virtualNetworks", vnet) + "/subnets/default"))
                    .withPrivateIpAllocationMethod(IpAllocationMethod.DYNAMIC)
                    .withPublicIpAddress(new PublicIpAddressInner().withDeleteOption(com.azure.resourcemanager.network.models.DeleteOptions.DELETE)
                            .withId(id("Microsoft.Network", "publicIPAddresses", ipName)))));
            nic.withLocation(region);
            if (r.secgroup() != null) {
                nic.withNetworkSecurityGroup(new NetworkSecurityGroupInner().withId(id("Microsoft.Network", "networkSecurityGroups", r.secgroup())));
            }
            call("create network interface " + nicName, r.name(), () -> done(net.getNetworkInterfaces().beginCreateOrUpdate(group, nicName, nic)));

            VirtualMachineInner vm = new VirtualMachineInner()
                    .withHardwareProfile(new HardwareProfile().withVmSize(VirtualMachineSizeTypes.fromString(r.flavor())))
                    .withStorageProfile(new StorageProfile().withImageReference(image)
                            .withOsDisk(new OSDisk().withCreateOption(DiskCreateOptionTypes.FROM_IMAGE).withDeleteOption(DiskDeleteOptionTypes.DELETE)))
                    .withOsProfile(new OSProfile().withComputerName(r.name()).withAdminUsername(r.username())
                            .withLinuxConfiguration(new LinuxConfiguration().withDisablePasswordAuthentication(true)
                                    .withSsh(new SshConfiguration().withPublicKeys(List.of(new SshPublicKey()
                                            .withPath("/home/" + r.username() + "/.ssh/authorized_keys").withKeyData(r.publicKey()))))))
                    .withNetworkProfile(new NetworkProfile().withNetworkInterfaces(List.of(new NetworkInterfaceReference()
                            .withId(id("Microsoft.Network", "networkInterfaces", nicName)).withPrimary(true).withDeleteOption(DeleteOptions.DELETE))));
            vm.withLocation(region).withTags(Map.of("cm.cloud", cloud.name()));
            // the create is accepted (the cloud answers 201 and goes on provisioning): the VM is pending from here
            call("create virtual machine", r.name(), () -> vms.beginCreateOrUpdate(group, r.name(), vm));
            ok = true;
            return new Vm(r.name(), cloud.name(), "azure", id("Microsoft.Compute", "virtualMachines", r.name()), Vm.PENDING,
                    r.image(), r.flavor(), null, null, r.username(), null, Map.of("location", region, "group", group));
        } finally {
            if (!ok) {
                // the cloud refused the VM: what was made for it goes again (bad input changes nothing)
                quietly(() -> net.getNetworkInterfaces().beginDelete(group, nicName).waitForCompletion(OPERATION_LIMIT));
                quietly(() -> net.getPublicIpAddresses().beginDelete(group, ipName).waitForCompletion(OPERATION_LIMIT));
            }
        }
    }

    /** An image: a marketplace URN {@code publisher:offer:sku:version} (as the az CLI takes it) or an image resource id. */
    ImageReference image(String urn) {
        if (urn != null && urn.startsWith("/subscriptions/")) return new ImageReference().withId(urn);
        String[] p = urn == null ? new String[0] : urn.split(":", -1);
        if (p.length != 4 || java.util.Arrays.stream(p).anyMatch(String::isBlank)) {
            throw new CmsException("cloud '" + cloud.name() + "': image '" + urn + "' is not an Azure image: give a URN"
                    + " PUBLISHER:OFFER:SKU:VERSION (e.g. Canonical:0001-com-ubuntu-server-jammy:22_04-lts:latest) or an image id");
        }
        return new ImageReference().withPublisher(p[0]).withOffer(p[1]).withSku(p[2]).withVersion(p[3]);
    }

    /** The resource group and the virtual network with its subnet, made once when missing. */
    private synchronized void ensureNetwork() {
        if (networkReady) return;
        call("create resource group " + group, null, () -> manager.resourceManager().serviceClient().getResourceGroups()
                .createOrUpdate(group, new ResourceGroupInner().withLocation(region)));
        boolean exists = call("read virtual network " + vnet, null, () -> {
            try {
                net.getVirtualNetworks().getByResourceGroup(group, vnet);
                return true;
            } catch (ManagementException e) {
                if (notFound(e)) return false;
                throw e;
            }
        });
        if (!exists) {
            VirtualNetworkInner v = new VirtualNetworkInner()
                    .withAddressSpace(new AddressSpace().withAddressPrefixes(List.of("10.0.0.0/16")))
                    .withSubnets(List.of(new SubnetInner().withName("default").withAddressPrefix("10.0.0.0/24")));
            v.withLocation(region);
            call("create virtual network " + vnet, null, () -> done(net.getVirtualNetworks().beginCreateOrUpdate(group, vnet, v)));
        }
        networkReady = true;
    }

    // ------------------------------------------------------------------------------------------------ power

    @Override
    public Vm start(Vm vm) {
        call("start", vm.name(), () -> done(vms.beginStart(group, vm.name())));
        return vm.withState(Vm.RUNNING);
    }

    @Override
    public Vm stop(Vm vm) {
        call("power off", vm.name(), () -> done(vms.beginPowerOff(group, vm.name())));
        return vm.withState(Vm.STOPPED);
    }

    @Override
    public void terminate(Vm vm) {
        call("delete", vm.name(), () -> {
            try {
                done(vms.beginDelete(group, vm.name()));
            } catch (ManagementException e) {
                if (!notFound(e)) throw e; // already gone
            }
            // a cloud that ignores deleteOption keeps them: they go too
            quietly(() -> done(net.getNetworkInterfaces().beginDelete(group, vm.name() + "-nic")));
            quietly(() -> done(net.getPublicIpAddresses().beginDelete(group, vm.name() + "-ip")));
            return null;
        });
    }

    // ------------------------------------------------------------------------------------------------ keys

    @Override
    public List<KeyInfo> keys() {
        return call("list ssh public keys", null, () -> {
            List<KeyInfo> keys = new ArrayList<>();
            try {
                for (SshPublicKeyResourceInner k : sshKeys.listByResourceGroup(group)) keys.add(new KeyInfo(k.name(), fingerprint(k.publicKey())));
            } catch (ManagementException e) {
                if (!notFound(e)) throw e;
            }
            return keys;
        });
    }

    @Override
    public void uploadKey(String name, String publicKey) {
        Names.require("key", name);
        ensureNetwork();
        SshPublicKeyResourceInner k = new SshPublicKeyResourceInner().withPublicKey(publicKey);
        k.withLocation(region);
        call("upload ssh public key " + name, null, () -> sshKeys.create(group, name, k));
    }

    static String fingerprint(String key) {
        try {
            String[] p = key == null ? new String[0] : key.strip().split("\\s+");
            if (p.length < 2) return "";
            byte[] d = MessageDigest.getInstance("SHA-256").digest(Base64.getDecoder().decode(p[1]));
            return "SHA256:" + Base64.getEncoder().withoutPadding().encodeToString(d);
        } catch (Exception e) {
            return "";
        }
    }

    // ------------------------------------------------------------------------------------------------ calls

    /** Waits for a long-running operation; its failure is the cloud's error. */
    private static <T, U> U done(SyncPoller<T, U> poller) {
        PollResponse<T> r = poller.waitForCompletion(OPERATION_LIMIT);
        if (r.getStatus() != LongRunningOperationStatus.SUCCESSFULLY_COMPLETED) {
            return poller.getFinalResult(); // throws the cloud's error
        }
        return poller.getFinalResult();
    }

    private static void quietly(Runnable r) {
        try {
            r.run();
        } catch (RuntimeException e) {
            // best effort
        }
    }

    private static boolean notFound(ManagementException e) {
        return e.getResponse() != null && e.getResponse().getStatusCode() == 404;
    }

    /** Runs SDK calls; the cloud's error is quoted with its code, the endpoint named when it cannot be reached. */
    private <T> T call(String action, String vm, Supplier<T> body) {
        String what = "cloud '" + cloud.name() + "': " + action + (vm == null || action.contains(vm) ? "" : " for vm " + vm);
        try {
            return body.get();
        } catch (CmsException e) {
            throw e;
        } catch (ManagementException e) {
            if (e.getValue() == null || e.getValue().getCode() == null && e.getValue().getMessage() == null) {
                throw new CmsException(notAzure(what, e, where, ProviderConfig.PREFIX + cloud.name() + ".endpoint"));
            }
            String code = e.getValue() == null ? null : e.getValue().getCode();
            String msg = e.getValue() == null || e.getValue().getMessage() == null ? e.getMessage() : e.getValue().getMessage();
            int status = e.getResponse() == null ? 0 : e.getResponse().getStatusCode();
            String text = what + " failed: " + (code == null ? "HTTP " + status : code) + ": " + oneLine(msg);
            if (status == 401 || status == 403 || "AuthorizationFailed".equals(code) || "InvalidAuthenticationToken".equals(code)) {
                text += " (check " + ProviderConfig.PREFIX + cloud.name() + ".credentials: the application needs a role on subscription AZURE_SUBSCRIPTION_ID)";
            }
            throw new CmsException(text);
        } catch (ClientAuthenticationException e) {
            if (noSignInAnswer(e) != null) throw new CmsException(noSignIn(what, e));
            throw new CmsException(what + " failed: sign-in refused: " + oneLine(aadMessage(e)) + " (check " + ProviderConfig.PREFIX
                    + cloud.name() + ".credentials.AZURE_TENANT_ID, AZURE_APPLICATION_ID and AZURE_SECRET_KEY)");
        } catch (RuntimeException e) {
            if (timedOut(e)) {
                throw new CmsException(what + ": no answer from " + where + " within " + cloud.timeout().toSeconds()
                        + " s (raise " + ProviderConfig.PREFIX + cloud.name() + ".cm.timeout, or check the endpoint)");
            }
            if (e instanceof HttpResponseException h && h.getResponse() != null) {
                throw new CmsException(notAzure(what, h, where, ProviderConfig.PREFIX + cloud.name() + ".endpoint"));
            }
            if (noSignInAnswer(e) != null) throw new CmsException(noSignIn(what, e));
            Throwable auth = cause(e, ClientAuthenticationException.class);
            if (auth == null) auth = cause(e, com.microsoft.aad.msal4j.MsalServiceException.class);
            if (auth != null) {
                throw new CmsException(what + " failed: sign-in refused: " + oneLine(aadMessage(auth)) + " (check " + ProviderConfig.PREFIX
                        + cloud.name() + ".credentials.AZURE_TENANT_ID, AZURE_APPLICATION_ID and AZURE_SECRET_KEY)");
            }
            throw new CmsException(what + ": cannot reach " + where + ": " + oneLine(rootMessage(e)));
        }
    }

    /** An answer that is no Resource Manager error document (a proxy's page for a wrong path): its status and where. */
    private static String notAzure(String what, HttpResponseException e, String where, String key) {
        String m = e.getMessage() == null ? "" : e.getMessage();
        int q = m.indexOf('"'); // azure-core: Status code 404, "<body>"
        String body = q < 0 ? "" : m.substring(q + 1, m.endsWith("\"") && m.length() > q + 1 ? m.length() - 1 : m.length());
        return what + " failed: HTTP " + e.getResponse().getStatusCode() + " from " + where + ", which gave no Azure error" + glimpse(body)
                + " (check " + key + ")";
    }

    /** The body a sign-in service gave instead of a token or an Entra ID error (MSAL could not read it), or null. */
    private static String noSignInAnswer(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t.getClass().getSimpleName().equals("MsalJsonParsingException") || String.valueOf(t.getMessage()).contains("Unexpected character ('<'")) {
                String m = String.valueOf(t.getMessage());
                int i = m.indexOf("(String)\"");
                if (i < 0) return "";
                int end = m.lastIndexOf("\"; line:");
                return end > i ? m.substring(i + 9, end) : m.substring(i + 9);
            }
        }
        return null;
    }

    private String noSignIn(String what, Throwable e) {
        return what + " failed: the sign-in service at " + authority + " answered no token and no Entra ID error" + glimpse(noSignInAnswer(e))
                + " (check " + ProviderConfig.PREFIX + cloud.name() + ".cm.authority, or the host of the endpoint)";
    }

    /** A glimpse of a body that is not the service's own, e.g. {@code : "404 Not Found ..."}; empty when none. */
    static String glimpse(String body) {
        String text = body == null ? "" : body.replaceAll("(?s)<(script|style|head)[^>]*>.*?</\\1>", " ").replaceAll("<[^>]*>", " ")
                .replaceAll("\\s+", " ").strip();
        if (text.isEmpty()) return "";
        return ": \"" + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + "\"";
    }

    /** The Entra ID (AAD) error in an authentication failure, e.g. "AADSTS7000215: Invalid client secret provided". */
    private static String aadMessage(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String m = t.getMessage();
            if (m != null) {
                int i = m.indexOf("AADSTS");
                if (i >= 0) {
                    String s = m.substring(i);
                    int end = s.indexOf(". ");
                    return end > 0 ? s.substring(0, end + 1) : s;
                }
            }
        }
        return rootMessage(e);
    }

    static boolean timedOut(Throwable t) {
        return cause(t, HttpTimeoutException.class) != null || cause(t, TimeoutException.class) != null
                || cause(t, java.net.SocketTimeoutException.class) != null;
    }

    static Throwable cause(Throwable t, Class<? extends Throwable> type) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (type.isInstance(c)) return c;
            for (Throwable s : c.getSuppressed()) if (type.isInstance(s)) return s;
        }
        return null;
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    private static String lower(String s) {
        return s == null ? "" : s.toLowerCase(Locale.ROOT);
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
