package org.cloudmesh.cms.set;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;

/** cloudmesh.yaml as nested maps, for tests; {@code broken} makes every read fail as a malformed file would. */
final class MapConfig implements Config {
    final Map<String, Object> root = new LinkedHashMap<>();
    final Path file = Path.of("/home/u/.cloudmesh/cloudmesh.yaml");
    boolean broken;

    @Override
    public Path file() {
        return file;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Object> get(String path) {
        if (broken) throw new CmsException("malformed " + file + " at line 3, column 1: bad indentation");
        Object node = root;
        for (String part : path.split("\\.")) {
            if (!(node instanceof Map)) return Optional.empty();
            node = ((Map<String, Object>) node).get(part);
            if (node == null) return Optional.empty();
        }
        return Optional.of(node);
    }

    @Override
    @SuppressWarnings("unchecked")
    public void set(String path, String value) {
        String[] parts = path.split("\\.");
        Map<String, Object> node = root;
        for (int i = 0; i < parts.length - 1; i++) {
            node = (Map<String, Object>) node.computeIfAbsent(parts[i], k -> new LinkedHashMap<String, Object>());
        }
        node.put(parts[parts.length - 1], value);
    }

    @Override
    public void merge(Map<String, Object> fragment) {
        throw new UnsupportedOperationException();
    }

    @Override
    public void reload() {
        // nothing to re-read
    }
}
