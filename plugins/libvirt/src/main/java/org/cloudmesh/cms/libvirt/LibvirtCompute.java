package org.cloudmesh.cms.libvirt;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.Link;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.libvirt.DomainState;
import org.cloudmesh.cms.api.libvirt.DomainXml;
import org.cloudmesh.cms.api.libvirt.Flavors;
import org.cloudmesh.cms.api.libvirt.ForwardedPorts;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.cloudmesh.cms.api.libvirt.NoCloudSeed;
import org.cloudmesh.cms.api.util.Names;

/**
 * One libvirt cloud. Only domains that carry cms metadata for this cloud are listed or touched.
 *
 * <p>An image is one of: the name of an entry of the cloud's {@code images} (a kernel, an initrd and a command line:
 * direct kernel boot, optionally with a {@code disk} image), a disk image file (qcow2 or raw: each VM gets a
 * copy-on-write qcow2 overlay backed by it, as {@code virt-install --import} does), an ISO (a cdrom), or {@code none}.
 * Every VM of a hypervisor that runs guests gets a NoCloud seed with its name and the user's public key. The overlay
 * and the seed are volumes of the cloud's storage {@code pool} named after the VM, and go with it.
 *
 * <p>Networks ({@code default.network} or {@code --network}): {@code user} gives user-mode networking with a port on
 * 127.0.0.1 of the hypervisor's host forwarded to the guest's ssh port (the guest is reached as 127.0.0.1:PORT); any
 * other value names a libvirt network (the address comes from its DHCP leases).
 */
final class LibvirtCompute implements Compute {
    static final String NS = "http://cloudmesh.org/cms/vm/1.0";
    static final String USER_NETWORK = "user";
    private static final int GUEST_SSH_PORT = 22;
    /** Where a guest on qemu's user-mode network reaches its host's loopback: how peers of one host reach each other. */
    static final String SLIRP_HOST = "10.0.2.2";

    private final ProviderConfig cloud;
    private final String uri;
    private LibvirtConnection conn;

    LibvirtCompute(ProviderConfig cloud, String uri) {
        this.cloud = cloud;
        this.uri = uri;
    }

    private synchronized Hypervisor hv() {
        if (conn == null) {
            try {
                conn = LibvirtConnection.open(uri);
            } catch (CmsException e) {
                throw new CmsException("cloud '" + cloud.name() + "': " + e.getMessage()
                        + (uri.startsWith("test+unix") || uri.contains("/session") ? " (for the testbed: scripts/testbed start)" : ""));
            }
        }
        return conn;
    }

    private String domainType() {
        Object t = cloud.cm().get("domain_type");
        if (t != null) return String.valueOf(t);
        return hv().isTestDriver() ? "test" : "qemu";
    }

    private String pool() {
        return cloud.setting("pool").orElse("default");
    }

    private String forwardAddress() {
        return cloud.setting("forward_address").orElse("127.0.0.1");
    }

    // ------------------------------------------------------------------------------------------------ list

    @Override
    public List<Vm> list() {
        List<Vm> vms = new ArrayList<>();
        for (Hypervisor.Described d : hv().describe()) {
            Vm vm = toVm(d);
            if (vm != null) vms.add(vm);
        }
        return vms;
    }

    /** The VM of a domain, or null when the domain is not a VM of this cloud. */
    private Vm toVm(Hypervisor.Described d) {
        Map<String, String> meta = DomainXml.metadata(d.xml(), NS, "vm");
        if (!cloud.name().equals(meta.get("cloud"))) return null;
        String state = state(d.state());
        String publicIp = null;
        String privateIp = null;
        Map<String, String> details = new LinkedHashMap<>();
        details.put("uuid", d.uuid());
        details.put("uri", uri);
        if (meta.get("_vcpu") != null) details.put("vcpus", meta.get("_vcpu"));
        if (meta.get("_memory_mib") != null) details.put("memory_mib", meta.get("_memory_mib"));
        if (meta.get("mac") != null) details.put("mac", meta.get("mac"));
        else if (meta.get("_mac") != null) details.put("mac", meta.get("_mac"));
        if (meta.get("key") != null) details.put("key", meta.get("key"));
        if (meta.get("host_key") != null) details.put("host_key", meta.get("host_key"));
        if (meta.get("ssh_port") != null) {
            details.put("ssh_port", meta.get("ssh_port"));
            details.put("ssh", meta.get("ssh_address") + ":" + meta.get("ssh_port"));
            details.put("peer_address", SLIRP_HOST);
            if (Vm.RUNNING.equals(state)) publicIp = meta.get("ssh_address");
        } else if (Vm.RUNNING.equals(state)) {
            privateIp = leaseAddress(d.name());
        }
        return new Vm(d.name(), cloud.name(), "libvirt", d.uuid(), state, meta.get("image"), meta.get("flavor"),
                publicIp, privateIp, meta.get("user"), meta.get("created"), details);
    }

    /** The first IPv4 address the hypervisor knows of a domain (DHCP lease), if any; the test driver has none. */
    private String leaseAddress(String name) {
        LibvirtConnection c = conn;
        if (c == null) return null;
        try {
            var d = c.connect().domainLookupByName(name);
            try {
                for (var i : d.interfaceAddresses(0, 0)) {
                    for (var a : i.addrs) {
                        if (a.address instanceof java.net.Inet4Address && !a.address.isLoopbackAddress()) return a.address.getHostAddress();
                    }
                }
            } finally {
                d.free();
            }
        } catch (org.libvirt.LibvirtException | RuntimeException e) {
            // no address source on this driver
        }
        return null;
    }

    static String state(DomainState s) {
        return switch (s) {
            case RUNNING, BLOCKED -> Vm.RUNNING;
            case SHUTDOWN -> Vm.STOPPING;
            case SHUTOFF, CRASHED -> Vm.STOPPED;
            case PAUSED, PMSUSPENDED -> "paused";
            default -> Vm.UNKNOWN;
        };
    }

    // ------------------------------------------------------------------------------------------------ boot

    /** An image entry of the cloud: kernel boot (kernel, initrd, cmdline) and/or a disk image. */
    private record Image(String kernel, String initrd, String cmdline, String disk, boolean iso) {
    }

    private Image image(String name, boolean testDriver) {
        if (name == null || name.equals("none")) return new Image(null, null, null, null, false);
        Map<String, Object> entry = cloud.settingMap("images").containsKey(name)
                ? asMap(cloud.settingMap("images").get(name)) : null;
        Image img;
        if (entry != null) {
            String kernel = str(entry.get("kernel"));
            if (kernel == null && str(entry.get("disk")) == null) {
                throw new CmsException("cloud '" + cloud.name() + "': image '" + name + "' names neither a kernel nor a disk: set "
                        + ProviderConfig.PREFIX + cloud.name() + ".images." + name + ".kernel (with initrd, cmdline) or .disk");
            }
            img = new Image(kernel, str(entry.get("initrd")), str(entry.get("cmdline")), str(entry.get("disk")), false);
        } else {
            img = new Image(null, null, null, name, name.toLowerCase(Locale.ROOT).endsWith(".iso"));
        }
        if (!testDriver && onThisMachine()) {
            for (String[] f : new String[][] {{"kernel", img.kernel()}, {"initrd", img.initrd()}, {"disk image", img.disk()}}) {
                if (f[1] != null && !Files.isRegularFile(Path.of(f[1]))) {
                    throw new CmsException("cloud '" + cloud.name() + "': image '" + name + "': " + f[0] + " " + f[1]
                            + " not found" + (entry == null && !name.startsWith("/")
                            ? " (give the path of a disk image or ISO, the name of an entry of " + ProviderConfig.PREFIX
                            + cloud.name() + ".images" + imageNames() + ", or 'none')" : ""));
                }
            }
        }
        return img;
    }

    private String imageNames() {
        var names = cloud.settingMap("images").keySet();
        return names.isEmpty() ? "" : ": " + String.join(", ", names);
    }

    /** True when the hypervisor runs on this machine, so that its files can be checked here. */
    private boolean onThisMachine() {
        try {
            String host = URI.create(uri).getHost();
            return host == null || host.equals("127.0.0.1") || host.equals("localhost") || host.equals("::1");
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    @Override
    public Vm boot(BootRequest r) {
        Names.require("VM", r.name());
        Flavors.Flavor flavor = Flavors.of(r.flavor()).orElseThrow(() -> new CmsException("cloud '" + cloud.name()
                + "': flavor '" + r.flavor() + "' not found: use one of " + Flavors.names()));
        String type = domainType();
        boolean test = type.equals("test");
        Image img = image(r.image(), test);
        String network = r.network() != null ? r.network() : cloud.defaultValue("network").orElse(null);
        String mac = mac();
        List<String> volumes = new ArrayList<>();
        Map<String, String> meta = new LinkedHashMap<>();
        meta.put("cloud", cloud.name());
        meta.put("image", r.image());
        meta.put("flavor", r.flavor());
        meta.put("key", r.key());
        meta.put("user", r.username());
        meta.put("mac", mac);
        meta.put("created", java.time.Instant.now().toString());
        Hypervisor h = hv();
        int port = 0;
        try {
            String disk = null;
            String seed = null;
            if (!test) {
                if (img.disk() != null && !img.iso()) {
                    String file = r.name() + ".qcow2";
                    disk = h.createVolume(pool(), DomainXml.overlay(file, capacity(img.disk()), img.disk(), format(img.disk())));
                    volumes.add(file);
                }
                String seedFile = r.name() + "-seed.iso";
                String[] hostKey = hostKey(r.name());
                meta.put("host_key", hostKey[1]);
                seed = h.uploadVolume(pool(), seedFile, NoCloudSeed.iso(UUID.randomUUID().toString(), r.name(),
                        r.publicKey() == null ? List.of() : List.of(r.publicKey()), hostKey[0]));
                volumes.add(seedFile);
            }
            meta.put("pool", volumes.isEmpty() ? null : pool());
            meta.put("volumes", volumes.isEmpty() ? null : String.join(",", volumes));
            boolean forward = USER_NETWORK.equals(network) && !test;
            for (int attempt = 1; ; attempt++) {
                if (forward) {
                    port = ForwardedPorts.choose(forwardAddress(), portsInUse());
                    meta.put("ssh_address", forwardAddress());
                    meta.put("ssh_port", Integer.toString(port));
                }
                String xml = xml(type, r.name(), flavor, img, disk, seed, network, forward, mac, port, meta, r.links());
                h.define(xml);
                if (forward) ForwardedPorts.release(port); // defined: portsInUse() sees it from now on
                try {
                    h.start(r.name());
                    break;
                } catch (CmsException e) {
                    if (forward && attempt < 3 && ForwardedPorts.clash(e)) continue; // another program took the port: another one
                    throw e;
                }
            }
        } catch (RuntimeException e) {
            if (port != 0) ForwardedPorts.release(port);
            undo(r.name(), volumes);
            throw new CmsException("cloud '" + cloud.name() + "': cannot boot vm " + r.name() + ": " + e.getMessage(), e);
        }
        Vm vm = list().stream().filter(v -> v.name().equals(r.name())).findFirst().orElse(null);
        if (vm == null) throw new CmsException("cloud '" + cloud.name() + "': vm " + r.name() + " vanished right after boot");
        return vm;
    }

    /**
     * A new ed25519 host key for the guest (OpenSSH's ssh-keygen): its private key goes into the seed, its public key
     * into the domain's metadata, so that cms pins it before the first login and the guest keeps it across reboots.
     * Returns {private key text, public key line}.
     */
    private static String[] hostKey(String name) {
        Path dir = null;
        try {
            dir = Files.createTempDirectory("cms-hostkey");
            Path key = dir.resolve("key");
            Process p = new ProcessBuilder("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "root@" + name, "-f", key.toString())
                    .redirectErrorStream(true).start();
            p.getOutputStream().close();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8).strip();
            if (p.waitFor() != 0) throw new CmsException("ssh-keygen could not make a host key for " + name + ": " + out);
            String pub = Files.readString(Path.of(key + ".pub")).strip();
            return new String[] {Files.readString(key), pub.substring(0, pub.lastIndexOf(' '))};
        } catch (IOException e) {
            throw new CmsException("cannot make a host key for " + name + " with ssh-keygen (install openssh-client): " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted while making a host key for " + name);
        } finally {
            if (dir != null) {
                try (var files = Files.list(dir)) {
                    for (Path f : files.toList()) Files.deleteIfExists(f);
                    Files.deleteIfExists(dir);
                } catch (IOException ignored) {
                    // a temporary directory of ours
                }
            }
        }
    }

    private String xml(String type, String name, Flavors.Flavor flavor, Image img, String disk, String seed, String network,
                       boolean forward, String mac, int port, Map<String, String> meta, List<Link> links) {
        DomainXml.Builder b = DomainXml.domain(type, name).metadata(NS, "cms", "vm", meta)
                .memoryMiB(flavor.memoryMiB()).vcpus(flavor.vcpus());
        if (img.kernel() != null) b.kernel(img.kernel(), img.initrd(), img.cmdline());
        else b.boot("hd", "cdrom");
        if (disk != null) b.disk(disk, "qcow2", "vda", "virtio", false);
        else if (img.iso()) b.cdrom(img.disk(), "hdc", "ide");
        else if (img.disk() != null) b.disk(img.disk(), "qcow2", "vda", "virtio", true); // test driver: a record
        if (seed != null) b.seed(seed);
        if (forward) b.forwardedNetwork(mac, forwardAddress(), port, GUEST_SSH_PORT);
        else if (network != null && !network.equals(USER_NETWORK)) b.network(network, mac);
        else if (network != null || uri.contains("/session")) b.userNetwork();
        for (Link l : links) b.udpLink(l.mac(), l.localPort(), l.remotePort());
        if (!type.equals("test")) b.acpi().rng().serialConsole().vnc();
        return b.build();
    }

    /** The ports that the domains of this hypervisor forward (a stopped VM keeps its port). */
    private Set<Integer> portsInUse() {
        Set<Integer> ports = new HashSet<>();
        for (Hypervisor.Described d : hv().describe()) {
            String p = DomainXml.metadata(d.xml(), NS, "vm").get("ssh_port");
            if (p != null && p.matches("[0-9]{1,5}")) ports.add(Integer.parseInt(p));
        }
        return ports;
    }

    /** The overlay's size: the backing image's virtual size (qcow2 header or raw file size), at least 1 GiB. */
    private long capacity(String backing) {
        long size = 1L << 30;
        if (onThisMachine()) {
            try (InputStream in = Files.newInputStream(Path.of(backing))) {
                byte[] head = in.readNBytes(32);
                if (head.length == 32 && head[0] == 'Q' && head[1] == 'F' && head[2] == 'I') {
                    size = Math.max(size, ByteBuffer.wrap(head, 24, 8).getLong());
                } else {
                    size = Math.max(size, Files.size(Path.of(backing)));
                }
            } catch (IOException e) {
                // the default size
            }
        }
        return size;
    }

    private static String format(String image) {
        String i = image.toLowerCase(Locale.ROOT);
        return i.endsWith(".img") || i.endsWith(".raw") ? "raw" : "qcow2";
    }

    /** A locally administered MAC in qemu's range. */
    private static String mac() {
        ThreadLocalRandom r = ThreadLocalRandom.current();
        return String.format("52:54:00:%02x:%02x:%02x", r.nextInt(256), r.nextInt(256), r.nextInt(256));
    }

    /** After a failed boot: no domain of that name defined by us, no volume of it left. */
    private void undo(String name, List<String> volumes) {
        Hypervisor h = hv();
        try {
            if (h.exists(name) && cloud.name().equals(DomainXml.metadata(h.xml(name), NS, "vm").get("cloud"))) {
                if (h.state(name).active()) h.destroy(name);
                h.undefine(name);
            }
        } catch (CmsException ignored) {
            // best effort: the error that made us undo is what the user needs to read
        }
        for (String v : volumes) {
            try {
                h.deleteVolume(pool(), v);
            } catch (CmsException ignored) {
                // as above
            }
        }
    }

    /** A hypervisor that runs guests joins them with loopback links (a record of the test driver would not). */
    @Override
    public boolean joinsLinks() {
        return !domainType().equals("test");
    }

    // ------------------------------------------------------------------------------------------------ power

    private Map<String, String> ours(Vm vm) {
        Hypervisor h = hv();
        if (!h.exists(vm.name())) {
            throw new CmsException("vm " + vm.name() + " is not on cloud '" + cloud.name() + "' (" + uri + ") any more");
        }
        Map<String, String> meta = DomainXml.metadata(h.xml(vm.name()), NS, "vm");
        if (!cloud.name().equals(meta.get("cloud"))) {
            throw new CmsException("domain " + vm.name() + " at " + uri + " was not made by cms for cloud '" + cloud.name()
                    + "': not touched");
        }
        return meta;
    }

    @Override
    public Vm start(Vm vm) {
        Map<String, String> meta = ours(vm);
        Hypervisor h = hv();
        if (!h.state(vm.name()).active()) {
            String port = meta.get("ssh_port");
            if (port != null && !ForwardedPorts.free(meta.get("ssh_address"), Integer.parseInt(port))) {
                // another program took the VM's port while it was off: it gets a new one
                Set<Integer> taken = portsInUse();
                int next = ForwardedPorts.choose(meta.get("ssh_address"), taken);
                String xml = h.xml(vm.name())
                        .replace(":" + port + "-:" + GUEST_SSH_PORT + "\"", ":" + next + "-:" + GUEST_SSH_PORT + "\"")
                        .replace(":" + port + "-:" + GUEST_SSH_PORT + "'", ":" + next + "-:" + GUEST_SSH_PORT + "'")
                        .replace(">" + port + "</cms:ssh_port>", ">" + next + "</cms:ssh_port>");
                h.define(xml);
                ForwardedPorts.release(next);
            }
            h.start(vm.name());
        }
        return current(vm);
    }

    @Override
    public Vm stop(Vm vm) {
        ours(vm);
        Hypervisor h = hv();
        try {
            if (h.state(vm.name()).active()) {
                h.shutdown(vm.name());
                // a guest that ignores the power button is forced off after a grace period
                long deadline = System.nanoTime() + Math.min(cloud.timeout().toNanos(), 20_000_000_000L);
                while (h.state(vm.name()).active() && System.nanoTime() < deadline) Thread.sleep(100);
                if (h.state(vm.name()).active()) h.destroy(vm.name());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted while stopping vm " + vm.name());
        }
        return current(vm);
    }

    private Vm current(Vm vm) {
        return list().stream().filter(v -> v.name().equals(vm.name())).findFirst()
                .orElseThrow(() -> new CmsException("vm " + vm.name() + " vanished from cloud '" + cloud.name() + "'"));
    }

    @Override
    public void terminate(Vm vm) {
        Hypervisor h = hv();
        List<String> volumes = new ArrayList<>(List.of(vm.name() + ".qcow2", vm.name() + "-seed.iso"));
        String pool = pool();
        if (h.exists(vm.name())) {
            Map<String, String> meta = ours(vm);
            if (h.state(vm.name()).active()) h.destroy(vm.name());
            h.undefine(vm.name());
            if (meta.get("pool") != null) pool = meta.get("pool");
            if (meta.get("volumes") != null) volumes = List.of(meta.get("volumes").split(","));
        } else if (domainType().equals("test")) {
            return;
        }
        // the volumes go with the VM, also those of a boot that was interrupted before the domain was defined
        for (String v : volumes) h.deleteVolume(pool, v);
    }

    private static String str(Object o) {
        return o == null || String.valueOf(o).isBlank() ? null : String.valueOf(o).strip();
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> asMap(Object o) {
        return o instanceof Map<?, ?> m ? (Map<String, Object>) m : Map.of();
    }

    @Override
    public synchronized void close() {
        if (conn != null) {
            conn.close();
            conn = null;
        }
    }
}
