package org.cloudmesh.cms.api;

import java.nio.file.Path;
import java.util.Map;
import java.util.Optional;
import org.yaml.snakeyaml.Yaml;

/** A read-only {@link Config} over a YAML tree in memory, for tests of code that only reads the config. */
public final class MapConfig implements Config {
    private final Path file;
    private final Map<String, Object> root;

    public MapConfig(Path file, Map<String, Object> root) {
        this.file = file;
        this.root = root;
    }

    public static MapConfig parse(Path file, String yaml) {
        return new MapConfig(file, new Yaml().load(yaml));
    }

    @Override
    public Path file() {
        return file;
    }

    @Override
    @SuppressWarnings("unchecked")
    public Optional<Object> get(String path) {
        Object o = root;
        for (String part : path.split("\\.")) {
            if (!(o instanceof Map)) return Optional.empty();
            o = ((Map<String, Object>) o).get(part);
        }
        return Optional.ofNullable(o);
    }

    @Override
    public void set(String path, String value) {
        throw new UnsupportedOperationException("a MapConfig is read-only");
    }

    @Override
    public void merge(Map<String, Object> fragment) {
        throw new UnsupportedOperationException("a MapConfig is read-only");
    }

    @Override
    public void reload() {
    }
}
