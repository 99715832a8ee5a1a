package org.cloudmesh.cms.vm;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Consumer;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.LockedFile;

/**
 * The VMs cms knows, in {@code $CLOUDMESH_HOME/vm/cache.json} (name → record), so that {@code vm list} answers
 * without asking any cloud. A VM is recorded (state {@code booting}) before the cloud is asked to create it, so an
 * interrupted boot never leaves an untracked VM: the next {@code vm list --refresh} settles it. Every change is a
 * read-modify-write under a file lock, written to a temporary file and renamed, so concurrent cms processes never lose
 * each other's records and a reader never sees half a file.
 * <p>
 * Beside it, {@code vm/ended.json} remembers for {@link #ENDED_MEMORY} the cloud ids of the VMs cms terminated or
 * deleted: a cloud goes on listing such a VM for a while (EC2 for about an hour, shutting down and then terminated,
 * with its {@code Name} tag), and it must neither block its name nor come back after {@code vm delete}.
 */
final class VmCache {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final TypeReference<LinkedHashMap<String, Map<String, Object>>> TYPE = new TypeReference<>() {};

    static final Duration ENDED_MEMORY = Duration.ofHours(3);
    private static final TypeReference<LinkedHashMap<String, String>> ENDED = new TypeReference<>() {};

    private final Path file;
    private final Path lock;
    private final Path ended;

    VmCache(Path home) {
        Path dir = home.resolve("vm");
        this.file = dir.resolve("cache.json");
        this.lock = dir.resolve("cache.lock");
        this.ended = dir.resolve("ended.json");
    }

    Path file() {
        return file;
    }

    /** All records, in name order as stored. */
    synchronized Map<String, Vm> all() {
        Map<String, Vm> vms = new LinkedHashMap<>();
        if (!Files.exists(file)) return vms;
        try {
            Map<String, Map<String, Object>> raw = JSON.readValue(file.toFile(), TYPE);
            raw.forEach((k, v) -> vms.put(k, Vm.fromMap(v)));
        } catch (IOException e) {
            throw new CmsException("cannot read the VM cache " + file + ": " + e.getMessage()
                    + " (remove it and run 'vm list --refresh')", e);
        }
        return vms;
    }

    Optional<Vm> get(String name) {
        return Optional.ofNullable(all().get(name));
    }

    void put(Vm vm) {
        update(m -> m.put(vm.name(), vm));
    }

    void remove(String name) {
        update(m -> m.remove(name));
    }

    /** Forgets a VM that cms ended: its id is remembered as ended, its record goes (unless another VM took the name). */
    void forget(Vm vm) {
        ended(vm);
        update(m -> m.computeIfPresent(vm.name(), (k, v) -> java.util.Objects.equals(v.id(), vm.id()) ? null : v));
    }

    /** Remembers that cms ended this VM at its cloud (terminated or deleted it). */
    synchronized void ended(Vm vm) {
        if (vm.id() == null || vm.cloud() == null) return;
        try {
            LockedFile.rewrite(ended, lock, () -> {
                Map<String, String> ids = endedIds();
                ids.put(vm.cloud() + "/" + vm.id(), Instant.now().toString());
                return JSON.writeValueAsBytes(ids);
            });
        } catch (IOException e) {
            throw new CmsException("cannot write " + ended + ": " + e.getMessage(), e);
        }
    }

    /** The ids of the VMs cms ended on this cloud (within {@link #ENDED_MEMORY}). */
    Set<String> endedIds(String cloud) {
        Set<String> ids = new HashSet<>();
        for (String k : endedIds().keySet()) if (k.startsWith(cloud + "/")) ids.add(k.substring(cloud.length() + 1));
        return ids;
    }

    /** The ended ids ({@code cloud/id} → when), those older than {@link #ENDED_MEMORY} left out. */
    synchronized Map<String, String> endedIds() {
        Map<String, String> ids = new LinkedHashMap<>();
        if (!Files.exists(ended)) return ids;
        try {
            Instant cutoff = Instant.now().minus(ENDED_MEMORY);
            JSON.readValue(ended.toFile(), ENDED).forEach((k, v) -> {
                try {
                    if (Instant.parse(v).isAfter(cutoff)) ids.put(k, v);
                } catch (RuntimeException e) {
                    // an unreadable time: forgotten
                }
            });
        } catch (IOException e) {
            return ids; // a damaged memory of ended VMs only costs a name check
        }
        return ids;
    }

    /** Reads, changes and writes the records under the lock. */
    synchronized void update(Consumer<Map<String, Vm>> change) {
        try {
            LockedFile.rewrite(file, lock, () -> {
                Map<String, Vm> vms = all();
                change.accept(vms);
                Map<String, Map<String, Object>> raw = new LinkedHashMap<>();
                vms.forEach((k, v) -> raw.put(k, v.toMap()));
                return JSON.writeValueAsBytes(raw);
            });
        } catch (IOException e) {
            throw new CmsException("cannot write the VM cache " + file + ": " + e.getMessage(), e);
        }
    }
}
