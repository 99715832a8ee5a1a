package org.cloudmesh.cms.libvirt;

import java.net.Inet4Address;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.BootRequest;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ProviderConfig;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Names;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.DomainInterface;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;

/** One libvirt connection. Only domains that carry cms metadata for this cloud are listed or touched. */
final class LibvirtCompute implements Compute {
    /** Flavors: name → vCPUs, MiB. */
    static final Map<String, long[]> FLAVORS = new LinkedHashMap<>();

    static {
        FLAVORS.put("tiny", new long[] {1, 256});
        FLAVORS.put("small", new long[] {1, 1024});
        FLAVORS.put("medium", new long[] {2, 2048});
        FLAVORS.put("large", new long[] {4, 4096});
        FLAVORS.put("xlarge", new long[] {8, 8192});
    }

    private final ProviderConfig cloud;
    private final String uri;
    private LibvirtConnection conn;

    LibvirtCompute(ProviderConfig cloud, String uri) {
        this.cloud = cloud;
        this.uri = uri;
    }

    private synchronized Connect conn() {
        if (conn == null) {
            try {
                conn = LibvirtConnection.open(uri);
            } catch (CmsException e) {
                throw new CmsException("cloud '" + cloud.name() + "': " + e.getMessage()
                        + (uri.startsWith("test+unix") ? " (for the testbed: scripts/testbed start)" : ""));
            }
        }
        return conn.connect();
    }

    private String domainType() {
        String t = cloud.cm().containsKey("domain_type") ? String.valueOf(cloud.cm().get("domain_type")) : null;
        if (t != null) return t;
        try {
            return "TEST".equalsIgnoreCase(conn().getType()) ? "test" : "qemu";
        } catch (LibvirtException e) {
            throw fail("cannot ask the hypervisor type", e);
        }
    }

    @Override
    public List<Vm> list() {
        List<Vm> vms = new ArrayList<>();
        try {
            List<Domain> domains = new ArrayList<>();
            for (int id : conn().listDomains()) {
                try {
                    domains.add(conn().domainLookupByID(id));
                } catch (LibvirtException e) {
                    if (e.getError().getCode() != ErrorNumber.VIR_ERR_NO_DOMAIN) throw e;
                }
            }
            for (String name : conn().listDefinedDomains()) {
                try {
                    domains.add(conn().domainLookupByName(name));
                } catch (LibvirtException e) {
                    if (e.getError().getCode() != ErrorNumber.VIR_ERR_NO_DOMAIN) throw e;
                }
            }
            for (Domain d : domains) {
                Vm vm = toVm(d);
                if (vm != null) vms.add(vm);
            }
        } catch (LibvirtException e) {
            throw fail("cannot list domains", e);
        }
        return vms;
    }

    /** The VM of a domain, or null when the domain is not a VM of this cloud (or vanished meanwhile). */
    private Vm toVm(Domain d) throws LibvirtException {
        try {
            Map<String, String> meta = DomainXml.metadata(d.getXMLDesc(0));
            if (!cloud.name().equals(meta.get("cloud"))) return null;
            String state = state(d.getInfo().state);
            String ip = null;
            if (Vm.RUNNING.equals(state)) ip = address(d);
            Map<String, String> details = new LinkedHashMap<>();
            details.put("uuid", d.getUUIDString());
            details.put("uri", uri);
            if (meta.get("_vcpu") != null) details.put("vcpus", meta.get("_vcpu"));
            if (meta.get("_memory_mib") != null) details.put("memory_mib", meta.get("_memory_mib"));
            if (meta.get("_mac") != null) details.put("mac", meta.get("_mac"));
            if (meta.get("key") != null) details.put("key", meta.get("key"));
            return new Vm(d.getName(), cloud.name(), "libvirt", d.getUUIDString(), state, meta.get("image"),
                    meta.get("flavor"), null, ip, meta.get("user"), null, details);
        } catch (LibvirtException e) {
            if (e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) return null;
            throw e;
        }
    }

    /** The first IPv4 address the hypervisor knows (DHCP lease), if any; the test driver and user networks have none. */
    private static String address(Domain d) {
        try {
            for (DomainInterface i : d.interfaceAddresses(0, 0)) {
                for (DomainInterface.InterfaceAddress a : i.addrs) {
                    if (a.address instanceof Inet4Address && !a.address.isLoopbackAddress()) return a.address.getHostAddress();
                }
            }
        } catch (LibvirtException | RuntimeException e) {
            // no address source on this driver
        }
        return null;
    }

    static String state(DomainState s) {
        return switch (s) {
            case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> Vm.RUNNING;
            case VIR_DOMAIN_SHUTDOWN -> Vm.STOPPING;
            case VIR_DOMAIN_SHUTOFF, VIR_DOMAIN_CRASHED -> Vm.STOPPED;
            case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> "paused";
            default -> Vm.UNKNOWN;
        };
    }

    @Override
    public Vm boot(BootRequest r) {
        Names.require("VM name", r.name());
        long[] flavor = FLAVORS.get(r.flavor().toLowerCase(Locale.ROOT));
        if (flavor == null) {
            throw new CmsException("cloud '" + cloud.name() + "': flavor '" + r.flavor() + "' not found: use one of "
                    + String.join(", ", FLAVORS.keySet()));
        }
        if (r.image() != null && !r.image().equals("none") && isLocal() && !java.nio.file.Files.isRegularFile(java.nio.file.Path.of(r.image()))
                && !"test".equals(domainType())) {
            throw new CmsException("cloud '" + cloud.name() + "': image '" + r.image() + "' not found: give the path of a "
                    + "disk image or ISO on the hypervisor host, or 'none' for a diskless VM");
        }
        String type = domainType();
        String xml = DomainXml.build(new DomainXml.Spec(type, r.name(), (int) flavor[0], flavor[1], r.image(),
                r.flavor(), cloud.name(), r.key(), r.username(), r.network(), r.network() == null && uri.contains("session")));
        Domain d;
        try {
            d = conn().domainDefineXML(xml);
        } catch (LibvirtException e) {
            throw fail("cannot define vm " + r.name(), e);
        }
        try {
            d.create();
        } catch (LibvirtException e) {
            try {
                d.undefine();
            } catch (LibvirtException ignored) {
                // best effort: the error below is what matters
            }
            throw fail("cannot start vm " + r.name(), e);
        }
        try {
            Vm vm = toVm(d);
            if (vm == null) throw new CmsException("cloud '" + cloud.name() + "': vm " + r.name() + " vanished right after boot");
            return vm;
        } catch (LibvirtException e) {
            throw fail("cannot read vm " + r.name(), e);
        }
    }

    private boolean isLocal() {
        return !uri.contains("://") || uri.contains(":///");
    }

    private Domain domain(Vm vm) {
        try {
            return conn().domainLookupByName(vm.name());
        } catch (LibvirtException e) {
            if (e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                throw new CmsException("vm " + vm.name() + " is not on cloud '" + cloud.name() + "' (" + uri + ") any more");
            }
            throw fail("cannot find vm " + vm.name(), e);
        }
    }

    @Override
    public Vm start(Vm vm) {
        Domain d = domain(vm);
        try {
            if (d.isActive() == 0) d.create();
            return toVm(d);
        } catch (LibvirtException e) {
            throw fail("cannot start vm " + vm.name(), e);
        }
    }

    @Override
    public Vm stop(Vm vm) {
        Domain d = domain(vm);
        try {
            if (d.isActive() == 1) {
                d.shutdown();
                // a guest without ACPI support ignores the request: power it off after a grace period
                long deadline = System.nanoTime() + Math.min(cloud.timeout().toNanos(), 20_000_000_000L);
                while (d.isActive() == 1 && System.nanoTime() < deadline) Thread.sleep(100);
                if (d.isActive() == 1) d.destroy();
            }
            return toVm(d);
        } catch (LibvirtException e) {
            throw fail("cannot stop vm " + vm.name(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CmsException("interrupted while stopping vm " + vm.name());
        }
    }

    @Override
    public void terminate(Vm vm) {
        Domain d;
        try {
            d = conn().domainLookupByName(vm.name());
        } catch (LibvirtException e) {
            if (e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) return;
            throw fail("cannot find vm " + vm.name(), e);
        }
        try {
            if (!cloud.name().equals(DomainXml.metadata(d.getXMLDesc(0)).get("cloud"))) {
                throw new CmsException("domain " + vm.name() + " at " + uri + " was not made by cms for cloud '"
                        + cloud.name() + "': not touched");
            }
            if (d.isActive() == 1) d.destroy();
            d.undefine();
        } catch (LibvirtException e) {
            if (e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) return;
            throw fail("cannot terminate vm " + vm.name(), e);
        }
    }

    private CmsException fail(String what, LibvirtException e) {
        String m = e.getError() == null ? e.getMessage() : e.getError().getMessage();
        return new CmsException("cloud '" + cloud.name() + "': " + what + ": " + (m == null ? "libvirt error" : m.strip()));
    }

    @Override
    public synchronized void close() {
        if (conn != null) {
            conn.close();
            conn = null;
        }
    }
}
