package org.cloudmesh.cms.vm;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.cloudmesh.cms.api.CmsException;
import org.yaml.snakeyaml.DumperOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * VM names {@code {user}-vm-{counter}} with the counter persisted in {@code $CLOUDMESH_HOME/name.yaml}
 * (as cloudmesh: fields {@code counter, kind, schema, user}). Names are reserved under a file lock, so two shells
 * booting at once never get the same name.
 */
final class NameCounter {
    static final String SCHEMA = "{user}-{kind}-{counter}";
    private final Path file;
    private final Path lock;
    private long reservedFrom = -1;
    private long reservedTo = -1;

    NameCounter(Path home) {
        this.file = home.resolve("name.yaml");
        this.lock = home.resolve("name.lock");
    }

    /** The next {@code count} free names (skipping names {@code taken} says exist); reserves them unless peek. */
    synchronized List<String> next(String user, int count, Predicate<String> taken, boolean peek) {
        try {
            Files.createDirectories(file.getParent());
            try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
                 FileLock ignored = ch.lock()) {
                Map<String, Object> data = read();
                long counter = data.get("counter") instanceof Number n ? n.longValue() : 0;
                List<String> names = new ArrayList<>();
                while (names.size() < count) {
                    counter++;
                    String name = SCHEMA.replace("{user}", user).replace("{kind}", "vm")
                            .replace("{counter}", Long.toString(counter));
                    if (!taken.test(name)) names.add(name);
                }
                if (!peek) {
                    reservedFrom = data.get("counter") instanceof Number n ? n.longValue() : 0;
                    reservedTo = counter;
                    data.put("counter", counter);
                    data.put("kind", "vm");
                    data.put("schema", SCHEMA);
                    data.put("user", user);
                    DumperOptions o = new DumperOptions();
                    o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
                    Path tmp = file.resolveSibling("name.yaml.tmp");
                    Files.writeString(tmp, new Yaml(o).dump(data));
                    Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                }
                return names;
            }
        } catch (IOException e) {
            throw new CmsException("cannot update the VM name counter " + file + ": " + e.getMessage(), e);
        }
    }

    /**
     * Gives back the names of the last {@link #next} when none of them was used (the cloud refused the boot), unless
     * another shell reserved names since: a refused boot leaves the counter as it was.
     */
    synchronized void release() {
        if (reservedTo < 0) return;
        try (FileChannel ch = FileChannel.open(lock, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
             FileLock ignored = ch.lock()) {
            Map<String, Object> data = read();
            if (data.get("counter") instanceof Number n && n.longValue() == reservedTo) {
                data.put("counter", reservedFrom);
                DumperOptions o = new DumperOptions();
                o.setDefaultFlowStyle(DumperOptions.FlowStyle.BLOCK);
                Path tmp = file.resolveSibling("name.yaml.tmp");
                Files.writeString(tmp, new Yaml(o).dump(data));
                Files.move(tmp, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            }
            reservedTo = -1;
        } catch (IOException e) {
            throw new CmsException("cannot update the VM name counter " + file + ": " + e.getMessage(), e);
        }
    }

    private Map<String, Object> read() throws IOException {
        if (!Files.exists(file)) return new LinkedHashMap<>();
        Object o = new Yaml().load(Files.readString(file));
        if (o instanceof Map<?, ?> m) {
            Map<String, Object> r = new LinkedHashMap<>();
            m.forEach((k, v) -> r.put(String.valueOf(k), v));
            return r;
        }
        throw new CmsException("the VM name counter " + file + " is not a YAML mapping: fix or remove it");
    }
}
