package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.LockedFile;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;

/**
 * The clusters cms made, in {@code $CLOUDMESH_HOME/cluster/clusters.yaml}. Every change is a read-modify-write under
 * a file lock (other cms processes, the server) and a JVM-wide lock (threads of this process), written to a
 * temporary file and renamed: no writer loses another's change and no reader sees half a file. A VM is recorded
 * before its cloud is asked to boot it, so an interrupted command never leaves a VM cms does not know.
 */
final class ClusterStore {
    private final Path file;
    private final Path lock;

    ClusterStore(Path home) {
        Path dir = home.resolve("cluster");
        this.file = dir.resolve("clusters.yaml");
        this.lock = dir.resolve("clusters.lock");
    }

    Path dir() {
        return file.getParent();
    }

    Map<String, Cluster> all() {
        return read();
    }

    Optional<Cluster> get(String name) {
        return Optional.ofNullable(all().get(name));
    }

    List<Cluster> list() {
        return List.copyOf(all().values());
    }

    /** Applies a change to the named cluster (which must exist) and returns the result. */
    Cluster change(String name, Function<Cluster, Cluster> change) {
        Cluster[] out = new Cluster[1];
        update(m -> {
            Cluster c = m.get(name);
            if (c == null) throw new CmsException("unknown cluster '" + name + "': see 'cluster list'");
            out[0] = change.apply(c);
            m.put(name, out[0]);
        });
        return out[0];
    }

    interface Change {
        void apply(Map<String, Cluster> clusters);
    }

    void update(Change change) {
        try {
            LockedFile.rewrite(file, lock, () -> {
                Map<String, Cluster> clusters = read();
                change.apply(clusters);
                Map<String, Object> raw = new LinkedHashMap<>();
                clusters.forEach((k, v) -> raw.put(k, v.toMap()));
                DumperOptions o = new DumperOptions();
                o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
                return new Yaml(o).dump(Map.of("clusters", raw)).getBytes(java.nio.charset.StandardCharsets.UTF_8);
            });
        } catch (IOException e) {
            throw new CmsException("cannot write the cluster store " + file + ": " + e.getMessage(), e);
        }
    }

    /** The last file read, by path: parsed again only when the file changed (every write renames a new file in). */
    private record Parsed(Object key, java.nio.file.attribute.FileTime modified, long size, Map<String, Cluster> clusters) {
    }

    private static final Map<Path, Parsed> CACHE = new java.util.concurrent.ConcurrentHashMap<>();

    private Map<String, Cluster> read() {
        java.nio.file.attribute.BasicFileAttributes a;
        try {
            a = Files.readAttributes(file, java.nio.file.attribute.BasicFileAttributes.class);
        } catch (IOException e) {
            return new LinkedHashMap<>(); // no file yet
        }
        Parsed p = CACHE.get(file);
        if (p != null && java.util.Objects.equals(p.key(), a.fileKey()) && p.modified().equals(a.lastModifiedTime())
                && p.size() == a.size()) {
            return new LinkedHashMap<>(p.clusters());
        }
        Map<String, Cluster> clusters = parse();
        CACHE.put(file, new Parsed(a.fileKey(), a.lastModifiedTime(), a.size(), java.util.Collections.unmodifiableMap(new LinkedHashMap<>(clusters))));
        return clusters;
    }

    private Map<String, Cluster> parse() {
        Map<String, Cluster> clusters = new LinkedHashMap<>();
        if (!Files.exists(file)) return clusters;
        try {
            Object o = new Yaml(new SafeConstructor(new LoaderOptions())).load(Files.readString(file));
            if (o instanceof Map<?, ?> root && root.get("clusters") instanceof Map<?, ?> m) {
                m.forEach((k, v) -> {
                    if (v instanceof Map<?, ?> c) clusters.put(String.valueOf(k), Cluster.fromMap(c));
                });
            }
        } catch (IOException | RuntimeException e) {
            throw new CmsException("cannot read the cluster store " + file + ": " + e.getMessage()
                    + " (fix or move it away; the VMs stay at their cloud)", e);
        }
        return clusters;
    }
}
