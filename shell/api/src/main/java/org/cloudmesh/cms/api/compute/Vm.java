package org.cloudmesh.cms.api.compute;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A virtual machine as cms records it. {@code state} is one of {@link #BOOTING}, {@link #PENDING}, {@link #RUNNING},
 * {@link #STOPPING}, {@link #STOPPED}, {@link #TERMINATED}, {@link #UNKNOWN} (providers map their own words to these).
 * {@code id} is the cloud's identifier (instance id, domain UUID...). Missing values are null.
 */
public record Vm(String name, String cloud, String kind, String id, String state, String image, String flavor,
                 String publicIp, String privateIp, String username, String created, Map<String, String> details) {
    public static final String BOOTING = "booting";
    public static final String PENDING = "pending";
    public static final String RUNNING = "running";
    public static final String STOPPING = "stopping";
    public static final String STOPPED = "stopped";
    public static final String TERMINATED = "terminated";
    public static final String UNKNOWN = "unknown";

    public Vm {
        details = details == null ? Map.of() : Map.copyOf(details);
    }

    /** The address to log in to: the public one, else the private one; null when the VM has none. */
    public String ip() {
        return publicIp != null && !publicIp.isEmpty() ? publicIp : privateIp != null && !privateIp.isEmpty() ? privateIp : null;
    }

    public Vm withState(String newState) {
        return new Vm(name, cloud, kind, id, newState, image, flavor, publicIp, privateIp, username, created, details);
    }

    public Vm withCloud(String newCloud, String newKind) {
        return new Vm(name, newCloud, newKind, id, state, image, flavor, publicIp, privateIp, username, created, details);
    }

    /** The record as an ordered map (for listings and the cache). */
    public Map<String, Object> toMap() {
        Map<String, Object> m = new LinkedHashMap<>();
        m.put("name", name);
        m.put("cloud", cloud);
        m.put("kind", kind);
        m.put("id", id);
        m.put("state", state);
        m.put("image", image);
        m.put("flavor", flavor);
        m.put("public_ip", publicIp);
        m.put("private_ip", privateIp);
        m.put("username", username);
        m.put("created", created);
        m.put("details", new LinkedHashMap<>(details));
        return m;
    }

    @SuppressWarnings("unchecked")
    public static Vm fromMap(Map<String, Object> m) {
        Map<String, String> d = new LinkedHashMap<>();
        if (m.get("details") instanceof Map<?, ?> dm) dm.forEach((k, v) -> d.put(String.valueOf(k), String.valueOf(v)));
        return new Vm(s(m, "name"), s(m, "cloud"), s(m, "kind"), s(m, "id"), s(m, "state"), s(m, "image"),
                s(m, "flavor"), s(m, "public_ip"), s(m, "private_ip"), s(m, "username"), s(m, "created"), d);
    }

    private static String s(Map<String, Object> m, String k) {
        Object v = m.get(k);
        return v == null ? null : String.valueOf(v);
    }
}
