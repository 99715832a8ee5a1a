package org.cloudmesh.cms.cluster;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;

/**
 * Kind {@code loopback}, for tests: a cloud whose VMs are all the testbed's sshd. Booting records the VM with
 * address {@code credentials.address} (or the one {@code credentials.addresses.NAME} gives) and, as cloud-init
 * would, adds the VM's public key to {@code credentials.authorized_keys} (the sshd's file for the test user);
 * terminating takes one copy out again. Names in {@code credentials.fail} (comma-separated) fail to boot; a boot
 * takes {@code cm.boot_ms} milliseconds (a cloud call's latency).
 */
final class LoopbackProvider implements ComputeProvider {
    static final Map<String, Map<String, Vm>> CLOUDS = new ConcurrentHashMap<>();
    private static final Object KEYS = new Object();

    @Override
    public String kind() {
        return "loopback";
    }

    @Override
    public Compute open(ProviderConfig cloud) {
        Map<String, Vm> vms = CLOUDS.computeIfAbsent(cloud.name(), k -> new ConcurrentHashMap<>());
        return new Compute() {
            @Override
            public List<Vm> list() {
                return new ArrayList<>(vms.values());
            }

            @Override
            public Vm boot(BootRequest r) {
                long ms = Long.parseLong(String.valueOf(cloud.cm().getOrDefault("boot_ms", "0")));
                sleep(ms);
                if (List.of(cloud.credentialOr("fail", "").orElse("").split(",")).contains(r.name())) {
                    throw new CmsException("cloud '" + cloud.name() + "': cannot boot vm " + r.name() + ": quota exceeded");
                }
                String ip = cloud.credentialOr("address", "127.0.0.1").orElseThrow();
                if (cloud.credentials().get("addresses") instanceof Map<?, ?> m && m.get(r.name()) != null) ip = String.valueOf(m.get(r.name()));
                authorize(cloud, r.publicKey(), true);
                Map<String, String> details = new java.util.LinkedHashMap<>(Map.of("vcpus", "1", "memory_mib", "256"));
                if (r.publicKey() != null) details.put("key", r.publicKey());
                Vm vm = new Vm(r.name(), cloud.name(), "loopback", "id-" + r.name(), Vm.RUNNING, r.image(), r.flavor(), null,
                        ip, r.username(), null, details);
                vms.put(r.name(), vm);
                return vm;
            }

            @Override
            public Vm start(Vm vm) {
                return vms.computeIfPresent(vm.name(), (k, v) -> v.withState(Vm.RUNNING));
            }

            @Override
            public Vm stop(Vm vm) {
                return vms.computeIfPresent(vm.name(), (k, v) -> v.withState(Vm.STOPPED));
            }

            @Override
            public void terminate(Vm vm) {
                Vm gone = vms.remove(vm.name());
                if (gone != null) authorize(cloud, gone.details().get("key"), false);
            }
        };
    }

    private static void authorize(ProviderConfig cloud, String publicKey, boolean add) {
        String file = cloud.credentialOr("authorized_keys", null).orElse(null);
        if (file == null || publicKey == null) return;
        synchronized (KEYS) {
            Path p = Path.of(file);
            // test JVMs of other modules or checkouts may change the same file at once: one at a time, across processes
            try (var lock = java.nio.channels.FileChannel.open(p.resolveSibling("." + p.getFileName() + ".lock"),
                    java.nio.file.StandardOpenOption.CREATE, java.nio.file.StandardOpenOption.WRITE).lock()) {
                List<String> lines = new ArrayList<>(Files.readAllLines(p));
                if (add) lines.add(publicKey.strip());
                else lines.remove(publicKey.strip());
                // replaced atomically, keeping owner and mode: the sshd may read it at any moment
                Path tmp = p.resolveSibling("." + p.getFileName() + ".cms-test");
                Files.write(tmp, lines);
                Files.setPosixFilePermissions(tmp, Files.getPosixFilePermissions(p));
                var from = Files.readAttributes(p, java.nio.file.attribute.PosixFileAttributes.class);
                var to = Files.getFileAttributeView(tmp, java.nio.file.attribute.PosixFileAttributeView.class);
                to.setOwner(from.owner());
                to.setGroup(from.group());
                Files.move(tmp, p, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            } catch (IOException e) {
                throw new CmsException("cannot change " + file + ": " + e.getMessage());
            }
        }
    }

    static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
