package org.cloudmesh.cms.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;

/**
 * cloudmesh.yaml, addressed by dotted paths such as {@code cloudmesh.cloud.aws.cm.kind}.
 * Changes are written at once, atomically, keeping the file's comments and key order.
 */
public interface Config {
    Path file();

    /** The value at a dotted path: a String, Number, Boolean, List or Map; empty when absent. */
    Optional<Object> get(String path);

    default Optional<String> getString(String path) {
        return get(path).filter(v -> !(v instanceof Map) && !(v instanceof java.util.List)).map(String::valueOf);
    }

    /** A mapping at a dotted path, empty map when absent. */
    @SuppressWarnings("unchecked")
    default Map<String, Object> getMap(String path) {
        return get(path).filter(v -> v instanceof Map).map(v -> (Map<String, Object>) v).orElse(Map.of());
    }

    /** Sets a scalar at a dotted path, creating the mappings on the way. */
    void set(String path, String value);

    /** Merges a mapping (e.g. a testbed fragment) into the file: scalars of the fragment win. */
    void merge(Map<String, Object> fragment);

    /** Re-reads the file (another process may have changed it). */
    void reload();

    /** True when the last segment of the path names a secret (password, secret, key material...). */
    static boolean isSecret(String path) {
        String last = path.substring(path.lastIndexOf('.') + 1).toLowerCase(java.util.Locale.ROOT);
        return last.contains("password") || last.contains("secret") || last.contains("token")
                || last.equals("api_key") || last.endsWith("_key") && !last.endsWith("public_key")
                || last.contains("passwd");
    }
}
