package org.cloudmesh.cms.comet;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Config;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.api.util.Walltime;

/**
 * One named comet endpoint from cloudmesh.yaml ({@code cloudmesh.comet.endpoints.NAME}):
 * <pre>
 * slurm:   {host, port, user, key, host_key, partition, account, exclusive (true), output_dir (.cms/jobs),
 *           bin (the directory of sbatch/squeue/... on the login host; default: the login shell's PATH),
 *           timeout (5s: how long a read such as squeue waits for Slurm's controller, all its tries together),
 *           operator: {user, key} (an account with Slurm's AdminLevel=Operator on the same login host: only an
 *           operator may raise a job's time limit or create and delete reservations; without it those are refused)}
 * libvirt: {hosts: {HOST: URI, ...}, uri: "qemu+ssh://{host}/system" (template for hosts not listed),
 *           domain_type (test for test:// URIs, else kvm), network (default; "user": qemu's user-mode networking,
 *           each node's ssh forwarded from a port on forward_address, 127.0.0.1), disk_dir, frontend_host,
 *           kernel, initrd, cmdline (boot that kernel directly instead of disk, network or cdrom),
 *           authorized_keys (a file of public keys put into each node's NoCloud seed),
 *           sriov: passthrough (default: the VF as a PCI hostdev) or emulate (an emulated NIC stands for it, where
 *           no VF exists, such as a test machine; the hostdev XML is still built and checked),
 *           stacks: {NAME: {disk, kernel, initrd, cmdline}} (software stack images: 'comet cluster setup VC --stack
 *           NAME' boots the VC's nodes from overlays of that disk; see stack.VcStack)}
 * sriov:   {HOST: [PCI addresses like 0000:3b:00.1, ...], ...}
 * iso_dir: DIR
 * limits:  {max_nodes: N, max_walltime: 2d}
 * shutdown_timeout: 10s (graceful shutdown before destroy)
 * reconcile_max_age: 0 (listings in one shell reuse a reconciliation at most this old; 0: every command re-reads)
 * </pre>
 * An endpoint of {@code kind: remote} is not one of these: it names a cms server (written by 'comet init', see
 * {@code remote.RemoteService}). A server reads {@code cloudmesh.comet.projects.P.limits} ({@code max_nodes},
 * {@code max_walltime}, {@code max_concurrent_nodes}) on top of the endpoint's limits, and
 * {@code cloudmesh.comet.server.reconcile_interval} (default 2s) for its reconciliation loop.
 */
public record Endpoint(String name, Slurm slurm, Map<String, String> libvirtHosts, String uriTemplate,
                       String domainType, String network, String diskDir, String frontendHost,
                       Map<String, List<String>> sriov, String isoDir, int maxNodes, Duration maxWalltime,
                       Duration shutdownTimeout, Duration reconcileMaxAge, Guests guests) {

    /**
     * How nodes boot and are reached on hypervisors that run guests: direct kernel boot (kernel null: disk, network,
     * cdrom), the public keys for their NoCloud seeds, the address on each host where a user-mode node's ssh port is
     * forwarded (null: the node is on libvirt network {@code network}), whether SR-IOV is emulated, and the images
     * of the software stacks a cluster may be given ({@code comet cluster setup VC --stack NAME}).
     */
    public record Guests(String kernel, String initrd, String cmdline, String authorizedKeys, String forwardAddress,
                         boolean emulateSriov, Map<String, StackImage> stacks) {
    }

    /**
     * A software stack's image ({@code libvirt.stacks.NAME}): the qcow2 root file system that the nodes' disks overlay
     * and the kernel, initrd (which mounts that disk) and command line they boot with. Paths are on the hosts.
     */
    public record StackImage(String disk, String kernel, String initrd, String cmdline) {
    }

    /** libvirt.network value for qemu's user-mode networking with a forwarded ssh port. */
    public static final String USER_NETWORK = "user";

    public record Slurm(String host, int port, String user, String key, String hostKey, String partition,
                        String account, boolean exclusive, String outputDir, String bin, Duration timeout,
                        String operatorUser, String operatorKey) {
        /**
         * The same login host reached as the operator account ({@code slurm.operator}), or an error naming what to
         * configure: Slurm lets only an operator raise a time limit or manage reservations.
         */
        public Slurm operator(String endpoint, String what) {
            if (operatorUser == null || operatorKey == null) {
                throw new CmsException("endpoint '" + endpoint + "' names no Slurm operator account (slurm.operator.user"
                        + " and slurm.operator.key): only a Slurm operator may " + what);
            }
            return new Slurm(host, port, operatorUser, operatorKey, hostKey, partition, account, exclusive, outputDir,
                    bin, timeout, operatorUser, operatorKey);
        }
    }

    /** How long a read waits for Slurm's controller unless slurm.timeout says otherwise. */
    public static final Duration SLURM_TIMEOUT = Duration.ofSeconds(5);

    public static final String ROOT = "cloudmesh.comet";

    /** The endpoint to use: {@code --endpoint}, else {@code cloudmesh.comet.active}. */
    public static Endpoint select(Config config, String option) {
        String name = option != null ? option : config.getString(ROOT + ".active").orElse(null);
        Map<String, Object> all = config.getMap(ROOT + ".endpoints");
        if (name == null || name.isBlank()) {
            throw new CmsException("no comet endpoint is active: run 'comet active ENDPOINT' (endpoints: "
                    + names(all) + ") or import one with 'config import FILE'");
        }
        if (!all.containsKey(name)) {
            throw new CmsException("comet endpoint '" + name + "' does not match any available service endpoints ("
                    + names(all) + "): see cloudmesh.comet.endpoints in " + config.file());
        }
        if ("remote".equals(config.getString(ROOT + ".endpoints." + name + ".kind").orElse(null))) {
            throw new CmsException("this works only on the management node: comet endpoint '" + name + "' is a cms server"
                    + " (kind: remote); choose a direct endpoint with --endpoint or 'comet active'");
        }
        return parse(name, config.getMap(ROOT + ".endpoints." + name));
    }

    static String names(Map<String, Object> all) {
        return all.isEmpty() ? "none configured" : String.join(", ", new TreeMap<>(all).keySet());
    }

    @SuppressWarnings("unchecked")
    static Endpoint parse(String name, Map<String, Object> m) {
        Map<String, Object> s = map(m.get("slurm"));
        String where = "comet.endpoints." + name;
        String host = str(s.get("host"), null);
        if (host == null) throw new CmsException(where + ".slurm.host is missing: name the Slurm login host");
        int port = (int) num(s.get("port"), 22, where + ".slurm.port");
        String user = str(s.get("user"), System.getProperty("user.name"));
        Names.require("Slurm user", user);
        String partition = str(s.get("partition"), null);
        if (partition != null) Names.require("partition", partition);
        String account = str(s.get("account"), null);
        if (account != null) Names.require("allocation", account);
        String outputDir = str(s.get("output_dir"), ".cms/jobs");
        if (!outputDir.matches("[A-Za-z0-9._/-]+") || outputDir.contains("..")) {
            throw new CmsException(where + ".slurm.output_dir '" + outputDir + "': use a plain path of [A-Za-z0-9._/-]");
        }
        String bin = str(s.get("bin"), null);
        if (bin != null && (!bin.matches("/[A-Za-z0-9._/-]*") || bin.contains(".."))) {
            throw new CmsException(where + ".slurm.bin '" + bin + "': give an absolute path of [A-Za-z0-9._/-] (e.g. /opt/slurm/bin)");
        }
        Duration timeout = seconds(s.get("timeout"), SLURM_TIMEOUT, where + ".slurm.timeout");
        if (timeout.toSeconds() < 1 || timeout.toSeconds() > 600) {
            throw new CmsException(where + ".slurm.timeout '" + s.get("timeout") + "': use 1s to 10m");
        }
        Map<String, Object> op = map(s.get("operator"));
        String opUser = str(op.get("user"), null);
        if (opUser != null) Names.require("Slurm operator user", opUser);
        String opKey = expand(str(op.get("key"), null));
        if ((opUser == null) != (opKey == null)) {
            throw new CmsException(where + ".slurm.operator needs both user and key (the operator's ssh private key)");
        }
        Slurm slurm = new Slurm(host, port, user, expand(str(s.get("key"), null)), str(s.get("host_key"), null),
                partition, account, !"false".equalsIgnoreCase(str(s.get("exclusive"), "true")), outputDir, bin, timeout,
                opUser, opKey);

        Map<String, Object> lv = map(m.get("libvirt"));
        Map<String, String> hosts = new TreeMap<>(Endpoint::natural);
        map(lv.get("hosts")).forEach((k, v) -> hosts.put(Names.require("host", k), String.valueOf(v)));
        Map<String, List<String>> sriov = new TreeMap<>();
        map(m.get("sriov")).forEach((k, v) -> {
            List<String> pool = new ArrayList<>();
            if (v instanceof List<?> l) {
                for (Object a : l) pool.add(pciAddress(String.valueOf(a), where + ".sriov." + k));
            } else if (v != null) {
                throw new CmsException(where + ".sriov." + k + " must be a list of PCI addresses like 0000:3b:00.1");
            }
            sriov.put(k, List.copyOf(pool));
        });
        Map<String, Object> limits = map(m.get("limits"));
        int maxNodes = (int) num(limits.get("max_nodes"), 1024, where + ".limits.max_nodes");
        Duration maxWall = limits.get("max_walltime") == null ? Walltime.MAX
                : Walltime.parse(String.valueOf(limits.get("max_walltime")));
        Duration shutdown = seconds(m.get("shutdown_timeout"), Duration.ofSeconds(10), where + ".shutdown_timeout");
        String frontendHost = str(lv.get("frontend_host"), hosts.isEmpty() ? null : hosts.keySet().iterator().next());
        String network = str(lv.get("network"), "default");
        String sriovMode = str(lv.get("sriov"), "passthrough");
        if (!sriovMode.equals("passthrough") && !sriovMode.equals("emulate")) {
            throw new CmsException(where + ".libvirt.sriov '" + sriovMode + "': use passthrough (the default) or emulate");
        }
        String forward = null;
        if (network.equals(USER_NETWORK)) {
            forward = str(lv.get("forward_address"), "127.0.0.1");
            if (!forward.matches("[0-9.]+")) throw new CmsException(where + ".libvirt.forward_address '" + forward + "': give an IPv4 address");
        }
        String kernel = str(lv.get("kernel"), null);
        String initrd = str(lv.get("initrd"), null);
        String keys = expand(str(lv.get("authorized_keys"), null));
        for (String[] f : new String[][] {{"kernel", kernel}, {"initrd", initrd}}) {
            if (f[1] != null && !f[1].startsWith("/")) throw new CmsException(where + ".libvirt." + f[0] + " '" + f[1] + "': give an absolute path on the hosts");
        }
        if (initrd != null && kernel == null) throw new CmsException(where + ".libvirt.initrd needs libvirt.kernel");
        Map<String, StackImage> stacks = new TreeMap<>();
        map(lv.get("stacks")).forEach((k, v) -> {
            String at = where + ".libvirt.stacks." + k;
            Map<String, Object> img = map(v);
            StackImage si = new StackImage(str(img.get("disk"), null), str(img.get("kernel"), null), str(img.get("initrd"), null),
                    str(img.get("cmdline"), null));
            for (String[] f : new String[][] {{"disk", si.disk()}, {"kernel", si.kernel()}, {"initrd", si.initrd()}}) {
                if (f[1] == null || !f[1].startsWith("/")) throw new CmsException(at + "." + f[0] + ": give an absolute path on the hosts");
            }
            stacks.put(k, si);
        });
        Guests guests = new Guests(kernel, initrd, str(lv.get("cmdline"), null), keys, forward, sriovMode.equals("emulate"),
                Map.copyOf(stacks));
        return new Endpoint(name, slurm, hosts, str(lv.get("uri"), null), str(lv.get("domain_type"), null),
                network, str(lv.get("disk_dir"), "/var/lib/libvirt/images"), frontendHost,
                sriov, str(m.get("iso_dir"), null), maxNodes, maxWall, shutdown, millis(m.get("reconcile_max_age"),
                where + ".reconcile_max_age"), guests);
    }

    /** The libvirt URI of a physical host: listed in libvirt.hosts, else from the uri template. */
    public String uri(String host) {
        String u = libvirtHosts.get(host);
        if (u != null) return u;
        if (uriTemplate != null) return uriTemplate.replace("{host}", Names.require("host", host));
        throw new CmsException("host " + host + " has no libvirt URI: add it to comet.endpoints." + name
                + ".libvirt.hosts (or set libvirt.uri, e.g. qemu+ssh://{host}/system)");
    }

    /** The VF pool of a host (empty when none is configured). */
    public List<String> pool(String host) {
        return sriov.getOrDefault(host, List.of());
    }

    /** libvirt's domain type for a URI: test for the test driver, else the configured type or kvm. */
    public String domainType(String uri) {
        if (uri.startsWith("test:") || uri.startsWith("test+")) return "test";
        return domainType != null ? domainType : "kvm";
    }

    static String pciAddress(String a, String where) {
        if (!a.matches("[0-9a-fA-F]{4}:[0-9a-fA-F]{2}:[0-9a-fA-F]{2}\\.[0-7]")) {
            throw new CmsException(where + ": '" + a + "' is not a PCI address like 0000:3b:00.1");
        }
        return a.toLowerCase(java.util.Locale.ROOT);
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> map(Object o) {
        return o instanceof Map ? (Map<String, Object>) o : Map.of();
    }

    private static String str(Object o, String dflt) {
        return o == null || String.valueOf(o).isBlank() ? dflt : String.valueOf(o);
    }

    private static long num(Object o, long dflt, String where) {
        if (o == null) return dflt;
        try {
            return Long.parseLong(String.valueOf(o).trim());
        } catch (NumberFormatException e) {
            throw new CmsException(where + " must be a number, not '" + o + "'");
        }
    }

    /** "0", "500ms", "2s" or a number of seconds. */
    private static Duration millis(Object o, String where) {
        if (o == null) return Duration.ZERO;
        String v = String.valueOf(o).trim();
        if (v.matches("[0-9]+ms")) return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
        if (v.matches("[0-9]+s?")) return Duration.ofSeconds(Long.parseLong(v.replace("s", "")));
        throw new CmsException(where + " '" + v + "': give e.g. 0, 500ms or 2s");
    }

    private static Duration seconds(Object o, Duration dflt, String where) {
        if (o == null) return dflt;
        String v = String.valueOf(o).trim();
        if (v.matches("[0-9]+s?")) return Duration.ofSeconds(Long.parseLong(v.replace("s", "")));
        try {
            return Walltime.parse(v);
        } catch (CmsException e) {
            throw new CmsException(where + ": " + e.getMessage());
        }
    }

    private static String expand(String path) {
        if (path == null) return null;
        if (path.startsWith("~/")) return Path.of(System.getProperty("user.home"), path.substring(2)).toString();
        return path;
    }

    static int natural(String a, String b) {
        return org.cloudmesh.cms.comet.store.Store.natural(a, b) != 0 ? org.cloudmesh.cms.comet.store.Store.natural(a, b)
                : a.compareTo(b);
    }
}
