package org.cloudmesh.cms.api.compute;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;

/**
 * One cloud entry of cloudmesh.yaml, {@code cloudmesh.cloud.NAME}:
 * <pre>
 * cloudmesh:
 *   cloud:
 *     aws:
 *       cm: {kind: aws, timeout: 30}          # kind chooses the provider plugin; timeout in seconds per cloud call
 *       default: {image: ami-..., flavor: t3.micro, username: ubuntu, key: ..., secgroup: ..., ssh_port: 22}
 *       credentials: {EC2_ACCESS_ID: ..., EC2_SECRET_KEY: ..., region: us-east-1}
 *       endpoint: http://127.0.0.1:8080       # optional: a private cloud or a test endpoint instead of the public one
 * </pre>
 * Keys other than {@code cm}, {@code default}, {@code credentials} and {@code endpoint} are the kind's own
 * {@code settings} (for libvirt: {@code images}, {@code pool}).
 * Credentials are read with {@link #credential}, which refuses a missing or {@code TBD} value by naming its YAML key
 * and never shows a value.
 */
public record ProviderConfig(String name, String kind, Map<String, Object> cm, Map<String, Object> defaults,
                             Map<String, Object> credentials, Optional<URI> endpoint, Map<String, Object> settings) {
    public static final String PREFIX = "cloudmesh.cloud.";
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    public ProviderConfig {
        cm = Map.copyOf(nonNull(cm));
        defaults = Map.copyOf(nonNull(defaults));
        credentials = Map.copyOf(nonNull(credentials));
        endpoint = endpoint == null ? Optional.empty() : endpoint;
        settings = Map.copyOf(nonNull(settings));
    }

    /** A cloud without settings of its kind's own. */
    public ProviderConfig(String name, String kind, Map<String, Object> cm, Map<String, Object> defaults,
                          Map<String, Object> credentials, Optional<URI> endpoint) {
        this(name, kind, cm, defaults, credentials, endpoint, Map.of());
    }

    /** The names of the configured clouds, in file order. */
    public static List<String> clouds(Config config) {
        return new ArrayList<>(config.getMap("cloudmesh.cloud").keySet());
    }

    /** Reads {@code cloudmesh.cloud.NAME}; an unknown name or an entry without {@code cm.kind} is a one-line error. */
    public static ProviderConfig of(Config config, String name) {
        if (name == null || name.isBlank()) {
            throw new CmsException("no cloud chosen: use 'set cloud=NAME' or --cloud NAME (configured: "
                    + listed(config) + ")");
        }
        Map<String, Object> entry = config.getMap("cloudmesh.cloud").containsKey(name)
                ? asMap(config.getMap("cloudmesh.cloud").get(name)) : null;
        if (entry == null) {
            throw new CmsException("unknown cloud '" + name + "': configured clouds are " + listed(config)
                    + " (add one under cloudmesh.cloud in " + config.file() + ")");
        }
        Map<String, Object> cm = asMap(entry.get("cm"));
        Object kind = cm.get("kind");
        if (kind == null || String.valueOf(kind).isBlank()) {
            throw new CmsException("cloud '" + name + "' has no provider kind: set " + PREFIX + name
                    + ".cm.kind (libvirt, aws, azure or openstack)");
        }
        Object ep = entry.containsKey("endpoint") ? entry.get("endpoint") : cm.get("endpoint");
        Optional<URI> endpoint = Optional.empty();
        if (ep != null && !String.valueOf(ep).isBlank()) {
            try {
                URI uri = URI.create(String.valueOf(ep).trim());
                if (uri.getScheme() == null || uri.getHost() == null) throw new IllegalArgumentException();
                endpoint = Optional.of(uri);
            } catch (IllegalArgumentException e) {
                throw new CmsException("cloud '" + name + "': endpoint '" + ep + "' is not a URL such as https://host:port");
            }
        }
        Map<String, Object> settings = new LinkedHashMap<>(entry);
        settings.keySet().removeAll(List.of("cm", "default", "credentials", "endpoint"));
        return new ProviderConfig(name, String.valueOf(kind), cm, asMap(entry.get("default")),
                asMap(entry.get("credentials")), endpoint, settings);
    }

    /** A required credential; missing, empty or TBD is an error naming the YAML key (the value is never shown). */
    public String credential(String key) {
        return credentialOr(key, null).orElseThrow(() -> new CmsException("cloud '" + name + "': credential "
                + PREFIX + name + ".credentials." + key + " is missing or TBD: set it with 'config set "
                + PREFIX + name + ".credentials." + key + "=VALUE'"));
    }

    /** An optional credential; TBD counts as absent. */
    public Optional<String> credentialOr(String key, String fallback) {
        Object v = credentials.get(key);
        String s = v == null ? null : String.valueOf(v).trim();
        if (s == null || s.isEmpty() || s.equalsIgnoreCase("TBD")) return Optional.ofNullable(fallback);
        return Optional.of(s);
    }

    /** A value of the cloud's {@code default} section, empty when absent or TBD. */
    public Optional<String> defaultValue(String key) {
        Object v = defaults.get(key);
        String s = v == null ? null : String.valueOf(v).trim();
        return s == null || s.isEmpty() || s.equalsIgnoreCase("TBD") ? Optional.empty() : Optional.of(s);
    }

    /** A setting of the kind's own that is a map ({@code images}), empty when absent. */
    public Map<String, Object> settingMap(String key) {
        return asMap(settings.get(key));
    }

    /** A setting of the kind's own as text, empty when absent or blank. */
    public Optional<String> setting(String key) {
        Object v = settings.get(key);
        return v == null || String.valueOf(v).isBlank() ? Optional.empty() : Optional.of(String.valueOf(v).strip());
    }

    /** How long one call to the cloud may take ({@code cm.timeout} seconds, default 30). */
    public Duration timeout() {
        Object v = cm.get("timeout");
        if (v == null) return DEFAULT_TIMEOUT;
        try {
            double seconds = Double.parseDouble(String.valueOf(v));
            if (seconds > 0) return Duration.ofMillis((long) (seconds * 1000));
        } catch (NumberFormatException e) {
            // fall through
        }
        throw new CmsException("cloud '" + name + "': " + PREFIX + name + ".cm.timeout must be a number of seconds, not '" + v + "'");
    }

    private static String listed(Config config) {
        List<String> names = clouds(config);
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        if (!(o instanceof Map<?, ?> m)) return Map.of();
        Map<String, Object> r = new LinkedHashMap<>();
        ((Map<Object, Object>) m).forEach((k, v) -> {
            if (v != null) r.put(String.valueOf(k), v);
        });
        return r;
    }

    private static Map<String, Object> nonNull(Map<String, Object> m) {
        if (m == null) return Map.of();
        Map<String, Object> r = new LinkedHashMap<>();
        m.forEach((k, v) -> {
            if (k != null && v != null) r.put(k, v);
        });
        return r;
    }

    @Override
    public String toString() {
        // credentials are never shown
        return "ProviderConfig[" + name + ", kind " + kind + ", endpoint " + endpoint.map(URI::toString).orElse("default") + "]";
    }
}
