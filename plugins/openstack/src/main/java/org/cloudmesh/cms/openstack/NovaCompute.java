package org.cloudmesh.cms.openstack;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.KeyInfo;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.openstack4j.api.OSClient;
import org.openstack4j.api.exceptions.AuthenticationException;
import org.openstack4j.api.exceptions.ConnectionException;
import org.openstack4j.api.exceptions.ResponseException;
import org.openstack4j.api.types.Facing;
import org.openstack4j.core.transport.Config;
import org.openstack4j.model.common.ActionResponse;
import org.openstack4j.model.common.Identifier;
import org.openstack4j.model.compute.Action;
import org.openstack4j.model.compute.Address;
import org.openstack4j.model.compute.Flavor;
import org.openstack4j.model.compute.Image;
import org.openstack4j.model.compute.Keypair;
import org.openstack4j.model.compute.Server;
import org.openstack4j.model.compute.ServerCreate;
import org.openstack4j.model.compute.builder.ServerCreateBuilder;
import org.openstack4j.model.identity.v2.Access;
import org.openstack4j.model.identity.v3.Token;
import org.openstack4j.openstack.OSFactory;

/**
 * One OpenStack project: Nova servers named as cms names them, found through Keystone's catalog. openstack4j binds a
 * session to a thread, so every call makes a client for its own thread from the token (no new sign-in).
 */
final class NovaCompute implements Compute {
    private final ProviderConfig cloud;
    private final String authUrl;
    private final boolean v2;
    private final String user;
    private final String password;
    private final String project;
    private final String projectDomain;
    private final String userDomain;
    private final String region;
    private final Config config;
    private Token token;
    private Access access;
    private List<? extends Image> images;
    private List<? extends Flavor> flavors;

    NovaCompute(ProviderConfig cloud) {
        this.cloud = cloud;
        this.authUrl = cloud.endpoint().map(URI::toString).orElseGet(() -> cloud.credential("OS_AUTH_URL"));
        if (!authUrl.startsWith("http://") && !authUrl.startsWith("https://")) {
            throw new CmsException("cloud '" + cloud.name() + "': OS_AUTH_URL '" + authUrl + "' is not a URL such as https://keystone:5000/v3");
        }
        this.v2 = authUrl.replaceAll("/+$", "").endsWith("/v2.0");
        this.user = cloud.credential("OS_USERNAME");
        this.password = cloud.credential("OS_PASSWORD");
        this.project = cloud.credential("OS_TENANT_NAME");
        this.projectDomain = cloud.credentialOr("OS_PROJECT_DOMAIN", cloud.credentialOr("OS_PROJECT_DOMAIN_NAME", "Default").orElseThrow()).orElseThrow();
        this.userDomain = cloud.credentialOr("OS_USER_DOMAIN", cloud.credentialOr("OS_USER_DOMAIN_NAME", "Default").orElseThrow()).orElseThrow();
        this.region = cloud.credentialOr("OS_REGION", cloud.credentialOr("OS_REGION_NAME", null).orElse(null)).orElse(null);
        Duration t = cloud.timeout();
        this.config = Config.newConfig().withConnectionTimeout((int) t.toMillis()).withReadTimeout((int) t.toMillis());
    }

    /** A client for this thread, signing in once per cloud (again when the token is about to expire). */
    private OSClient<?> os() {
        synchronized (this) {
            if (v2) {
                if (access == null || access.getToken().getExpires() != null
                        && access.getToken().getExpires().before(new Date(System.currentTimeMillis() + 60_000))) {
                    access = OSFactory.builderV2().endpoint(authUrl).credentials(user, password).tenantName(project)
                            .withConfig(config).perspective(Facing.PUBLIC).authenticate().getAccess();
                }
            } else if (token == null || token.getExpires() != null && token.getExpires().before(new Date(System.currentTimeMillis() + 60_000))) {
                token = OSFactory.builderV3().endpoint(authUrl).credentials(user, password, Identifier.byName(userDomain))
                        .scopeToProject(Identifier.byName(project), Identifier.byName(projectDomain))
                        .withConfig(config).perspective(Facing.PUBLIC).authenticate().getToken();
            }
        }
        OSClient<?> c = v2 ? OSFactory.clientFromAccess(access, Facing.PUBLIC, config) : OSFactory.clientFromToken(token, Facing.PUBLIC, config);
        if (region != null) c.useRegion(region);
        return c;
    }

    // ------------------------------------------------------------------------------------------------ list

    @Override
    public List<Vm> list() {
        return call("list servers", null, os -> {
            List<Vm> vms = new ArrayList<>();
            List<? extends Server> servers = os.compute().servers().list(true);
            if (servers.isEmpty()) requireCompute(); // an empty list is believed only from Nova itself
            if (!servers.isEmpty()) {
                images(os); // to show names, as they were given at boot, rather than ids
                flavors(os);
            }
            for (Server s : servers) vms.add(toVm(s));
            return vms;
        });
    }

    private Vm toVm(Server s) {
        String fixed = null;
        String floating = null;
        if (s.getAddresses() != null && s.getAddresses().getAddresses() != null) {
            for (List<? extends Address> list : s.getAddresses().getAddresses().values()) {
                for (Address a : list) {
                    if (a.getVersion() == 6) continue;
                    if ("floating".equalsIgnoreCase(a.getType())) {
                        if (floating == null) floating = a.getAddr();
                    } else if (fixed == null) {
                        fixed = a.getAddr();
                    }
                }
            }
        }
        if (floating == null && s.getAccessIPv4() != null && !s.getAccessIPv4().isBlank()) floating = s.getAccessIPv4();
        Map<String, String> details = new LinkedHashMap<>();
        if (s.getKeyName() != null) details.put("key", s.getKeyName());
        if (s.getStatus() != null) details.put("nova_status", s.getStatus().name());
        if (s.getTaskState() != null) details.put("task_state", s.getTaskState());
        if (s.getFault() != null && s.getFault().getMessage() != null) details.put("fault", s.getFault().getMessage());
        return new Vm(s.getName(), cloud.name(), "openstack", s.getId(), state(s.getStatus(), s.getTaskState()),
                imageName(s.getImageId()), flavorName(s.getFlavorId()), floating, fixed, null,
                s.getCreated() == null ? null : s.getCreated().toInstant().toString(), details);
    }

    static String state(Server.Status status, String task) {
        if (status == null) return Vm.UNKNOWN;
        String t = task == null ? "" : task;
        if (t.equals("powering-off") || t.equals("deleting")) return Vm.STOPPING;
        if (t.equals("powering-on")) return Vm.PENDING;
        return switch (status) {
            case ACTIVE -> Vm.RUNNING;
            case BUILD, REBUILD, REBOOT, HARD_REBOOT, RESIZE, VERIFY_RESIZE, REVERT_RESIZE, MIGRATING, PASSWORD -> Vm.PENDING;
            case SHUTOFF, STOPPED, SUSPENDED, PAUSED, SHELVED, SHELVED_OFFLOADED -> Vm.STOPPED;
            case DELETED -> Vm.TERMINATED;
            default -> Vm.UNKNOWN;
        };
    }

    // ------------------------------------------------------------------------------------------------ boot

    @Override
    public Vm boot(BootRequest r) {
        return call("boot", r.name(), os -> {
            Image image = find(images(os), r.image(), Image::getId, Image::getName, "image");
            Flavor flavor = find(flavors(os), r.flavor(), Flavor::getId, Flavor::getName, "flavor");
            if (r.key() != null && r.publicKey() != null) ensureKey(os, r.key(), r.publicKey());
            ServerCreateBuilder b = os.compute().servers().serverBuilder().name(r.name()).image(image.getId()).flavor(flavor.getId())
                    .addMetadataItem("cm.cloud", cloud.name());
            if (r.key() != null) b.keypairName(r.key());
            if (r.secgroup() != null) b.addSecurityGroup(r.secgroup());
            if (r.network() != null) b.networks(List.of(r.network()));
            ServerCreate sc = b.build();
            Server s = os.compute().servers().boot(sc);
            return new Vm(r.name(), cloud.name(), "openstack", s.getId(), s.getStatus() == null ? Vm.PENDING : state(s.getStatus(), null),
                    image.getName(), flavor.getName(), null, null, r.username(), null, Map.of());
        });
    }

    private final java.util.Set<String> keysImported = new java.util.HashSet<>();

    /**
     * Creates the key pair once for all the VMs of a boot (they boot in parallel on this one cloud); one that another
     * process created meanwhile is there, which is all a boot needs.
     */
    private synchronized void ensureKey(OSClient<?> os, String name, String publicKey) {
        if (keysImported.contains(name)) return;
        if (os.compute().keypairs().list().stream().noneMatch(k -> k.getName().equals(name))) {
            try {
                os.compute().keypairs().create(name, publicKey);
            } catch (RuntimeException e) {
                if (os.compute().keypairs().list().stream().noneMatch(k -> k.getName().equals(name))) throw e;
            }
        }
        keysImported.add(name);
    }

    private synchronized List<? extends Image> images(OSClient<?> os) {
        if (images == null) images = os.compute().images().list(true);
        return images;
    }

    private synchronized List<? extends Flavor> flavors(OSClient<?> os) {
        if (flavors == null) flavors = os.compute().flavors().list(true);
        return flavors;
    }

    private String imageName(String id) {
        if (id == null) return null;
        List<? extends Image> known;
        synchronized (this) {
            known = images;
        }
        if (known != null) for (Image i : known) if (id.equals(i.getId())) return i.getName();
        return id;
    }

    private String flavorName(String id) {
        if (id == null) return null;
        List<? extends Flavor> known;
        synchronized (this) {
            known = flavors;
        }
        if (known != null) for (Flavor f : known) if (id.equals(f.getId())) return f.getName();
        return id;
    }

    /** An image or flavor by id or name; not found (or a name used twice) is a one-line error naming what exists. */
    private <T> T find(List<? extends T> all, String want, Function<T, String> id, Function<T, String> name, String what) {
        for (T t : all) if (want.equals(id.apply(t))) return t;
        List<T> named = new ArrayList<>();
        for (T t : all) if (want.equals(name.apply(t))) named.add(t);
        if (named.size() == 1) return named.get(0);
        if (named.size() > 1) {
            throw new CmsException("cloud '" + cloud.name() + "': " + what + " name '" + want + "' is used " + named.size()
                    + " times: give its id (" + String.join(", ", named.stream().map(id).toList()) + ")");
        }
        if (all.isEmpty()) requireCompute();
        List<String> names = all.stream().map(name).sorted().limit(10).toList();
        throw new CmsException("cloud '" + cloud.name() + "': " + what + " '" + want + "' not found (" + what + "s: "
                + (names.isEmpty() ? "none" : String.join(", ", names) + (all.size() > 10 ? ", ..." : "")) + ")");
    }

    // ------------------------------------------------------------------------------------------------ power

    @Override
    public Vm start(Vm vm) {
        call("start", vm.name(), os -> checked(os.compute().servers().action(vm.id(), Action.START)));
        return vm.withState(Vm.PENDING);
    }

    @Override
    public Vm stop(Vm vm) {
        call("stop", vm.name(), os -> checked(os.compute().servers().action(vm.id(), Action.STOP)));
        return vm.withState(Vm.STOPPING);
    }

    @Override
    public void terminate(Vm vm) {
        call("delete", vm.name(), os -> {
            ActionResponse r = os.compute().servers().delete(vm.id());
            if (r.getCode() == 404) return null; // already gone
            return checked(r);
        });
    }

    private static ActionResponse checked(ActionResponse r) {
        if (r != null && !r.isSuccess()) throw new ResponseException(r.getFault(), r.getCode());
        return r;
    }

    // ------------------------------------------------------------------------------------------------ keys

    @Override
    public List<KeyInfo> keys() {
        return call("list key pairs", null, os -> {
            List<KeyInfo> keys = new ArrayList<>();
            for (Keypair k : os.compute().keypairs().list()) keys.add(new KeyInfo(k.getName(), k.getFingerprint()));
            return keys;
        });
    }

    @Override
    public void uploadKey(String name, String publicKey) {
        call("upload key pair " + name, null, os -> os.compute().keypairs().create(name, publicKey));
    }

    // ------------------------------------------------------------------------------------------------ calls

    /**
     * Runs openstack4j calls; the cloud's error is quoted, the endpoint named when it cannot be reached or when what
     * answered gave no OpenStack error (a web server's page for a wrong path).
     */
    private <T> T call(String action, String vm, Function<OSClient<?>, T> body) {
        String what = "cloud '" + cloud.name() + "': " + action + (vm == null ? "" : " for vm " + vm);
        OSClient<?> os;
        try {
            os = os();
        } catch (RuntimeException e) {
            String key = ProviderConfig.PREFIX + cloud.name() + (cloud.endpoint().isPresent() ? ".endpoint" : ".credentials.OS_AUTH_URL");
            throw failed(what, e, authUrl, "check " + key);
        }
        try {
            return body.apply(os);
        } catch (RuntimeException e) {
            String compute = computeUrl();
            throw failed(what, e, compute == null ? "the compute service of the catalog of " + authUrl : compute,
                    "check the compute endpoint in the catalog of " + authUrl);
        }
    }

    private CmsException failed(String what, RuntimeException e, String where, String hint) {
        if (e instanceof CmsException c) return c;
        if (e instanceof AuthenticationException a) {
            return new CmsException(what + " failed: Keystone refused the sign-in (HTTP " + a.getStatus() + "): " + oneLine(a.getMessage())
                    + " (check " + ProviderConfig.PREFIX + cloud.name() + ".credentials.OS_USERNAME, OS_PASSWORD, OS_TENANT_NAME and the domains)");
        }
        if (timedOut(e)) {
            return new CmsException(what + ": no answer from " + where + " within " + cloud.timeout().toSeconds()
                    + " s (raise " + ProviderConfig.PREFIX + cloud.name() + ".cm.timeout, or check the endpoint)");
        }
        if (e instanceof NotNova n) {
            return new CmsException(what + " failed: HTTP " + n.status + " from " + n.url + ", which is not Nova" + n.glimpse + " (" + hint + ")");
        }
        if (e instanceof ConnectionException) return new CmsException(what + ": cannot reach " + where + ": " + oneLine(rootMessage(e)));
        if (e instanceof ResponseException r) {
            if (noText(r)) {
                return new CmsException(what + " failed: HTTP " + r.getStatus() + " from " + where + ", which gave no OpenStack error"
                        + (r.getMessage() == null || r.getMessage().isBlank() ? "" : " (" + oneLine(r.getMessage()) + ")") + " (" + hint + ")");
            }
            return new CmsException(what + " failed: HTTP " + r.getStatus() + ": " + oneLine(r.getMessage()));
        }
        return new CmsException(what + " failed: " + oneLine(rootMessage(e)));
    }

    /** Whether the error holds only the HTTP reason phrase: the body was no OpenStack error document. */
    static boolean noText(ResponseException r) {
        String m = r.getMessage() == null ? "" : r.getMessage().strip();
        return m.isEmpty() || m.equalsIgnoreCase(REASONS.getOrDefault(r.getStatus(), "")) || m.equals(String.valueOf(r.getStatus()));
    }

    private static final Map<Integer, String> REASONS = Map.ofEntries(Map.entry(400, "Bad Request"), Map.entry(401, "Unauthorized"),
            Map.entry(403, "Forbidden"), Map.entry(404, "Not Found"), Map.entry(405, "Method Not Allowed"), Map.entry(406, "Not Acceptable"),
            Map.entry(409, "Conflict"), Map.entry(413, "Request Entity Too Large"), Map.entry(415, "Unsupported Media Type"),
            Map.entry(429, "Too Many Requests"), Map.entry(500, "Internal Server Error"), Map.entry(501, "Not Implemented"),
            Map.entry(502, "Bad Gateway"), Map.entry(503, "Service Unavailable"), Map.entry(504, "Gateway Timeout"));

    /**
     * Checks that the compute service of the catalog is Nova. openstack4j reads any 404 as an empty list (or no
     * item), so a catalog pointing at a wrong path would look like a cloud without servers, images or flavors; Nova's
     * own root answers its version document.
     */
    private void requireCompute() {
        String url = computeUrl();
        String id;
        synchronized (this) {
            id = token == null ? null : token.getId();
        }
        if (url == null || id == null) return; // Keystone v2: not checked
        java.net.http.HttpResponse<String> r;
        try {
            java.net.http.HttpClient http = java.net.http.HttpClient.newBuilder().connectTimeout(cloud.timeout()).build();
            r = http.send(java.net.http.HttpRequest.newBuilder(URI.create(url)).timeout(cloud.timeout()).header("X-Auth-Token", id)
                    .header("Accept", "application/json").GET().build(), java.net.http.HttpResponse.BodyHandlers.ofString());
        } catch (java.io.IOException e) {
            throw new ConnectionException(rootMessage(e), 0, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("cloud '" + cloud.name() + "': interrupted");
        }
        if (r.statusCode() / 100 == 2 && r.body().contains("\"version")) return;
        String text = r.body().replaceAll("(?s)<(script|style|head)[^>]*>.*?</\\1>", " ").replaceAll("<[^>]*>", " ").replaceAll("\\s+", " ").strip();
        throw new NotNova(r.statusCode(), url, text.isEmpty() ? "" : ": \"" + (text.length() > 80 ? text.substring(0, 77) + "..." : text) + "\"");
    }

    /** The catalog's compute address answered, but not as Nova. */
    private static final class NotNova extends RuntimeException {
        final int status;
        final String url;
        final String glimpse;

        NotNova(int status, String url, String glimpse) {
            super("HTTP " + status, null, false, false);
            this.status = status;
            this.url = url;
            this.glimpse = glimpse;
        }
    }

    /** The compute service's public address from the Keystone v3 catalog, or null. */
    private synchronized String computeUrl() {
        try {
            if (token == null || token.getCatalog() == null) return null;
            for (org.openstack4j.model.identity.v3.Service svc : token.getCatalog()) {
                if (!"compute".equals(svc.getType())) continue;
                for (org.openstack4j.model.identity.v3.Endpoint ep : svc.getEndpoints()) {
                    if (ep.getIface() == Facing.PUBLIC && (region == null || region.equals(ep.getRegion()))) return String.valueOf(ep.getUrl());
                }
            }
        } catch (RuntimeException e) {
            // best effort: the caller names the catalog instead
        }
        return null;
    }

    private static boolean timedOut(Throwable t) {
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c instanceof java.net.SocketTimeoutException || c instanceof java.io.InterruptedIOException
                    && String.valueOf(c.getMessage()).toLowerCase(Locale.ROOT).contains("timeout")) return true;
        }
        return false;
    }

    private static String rootMessage(Throwable t) {
        Throwable r = t;
        while (r.getCause() != null && r.getCause() != r) r = r.getCause();
        return r.getMessage() == null ? r.getClass().getSimpleName() : r.getClass().getSimpleName() + ": " + r.getMessage();
    }

    private static String oneLine(String s) {
        return s == null ? "" : s.replaceAll("\\s*\\R\\s*", " ").strip();
    }
}
