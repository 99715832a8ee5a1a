package org.cloudmesh.cms.comet.virt;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.libvirt.LibvirtConnection;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.DomainInfo.DomainState;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;

/**
 * libvirt-java connections, one per URI, opened on first use and kept for the life of the shell (the test
 * driver behind libvirtd keeps its state only while someone holds a connection). Thread-safe: libvirt
 * connections serve concurrent calls.
 */
public final class Libvirt implements AutoCloseable {
    private static final java.util.regex.Pattern POOL_PATH =
            java.util.regex.Pattern.compile("<target>\\s*<path>([^<]+)</path>", java.util.regex.Pattern.DOTALL);
    private final Map<String, Conn> connections = new ConcurrentHashMap<>();

    public Hypervisor at(String uri) {
        return connections.computeIfAbsent(uri, Conn::new);
    }

    /** The libvirt-java connection behind {@link #at}, for calls the Hypervisor interface has no method for (console streams, rename). */
    public Connect connection(String uri) {
        return ((Conn) at(uri)).c();
    }

    @Override
    public void close() {
        for (Conn c : connections.values()) c.close();
        connections.clear();
    }

    static String message(LibvirtException e) {
        String m = e.getError() != null && e.getError().getMessage() != null ? e.getError().getMessage() : e.getMessage();
        return m == null ? e.toString() : m.strip();
    }

    private static final class Conn implements Hypervisor {
        private final String uri;
        private volatile Connect connect;

        Conn(String uri) {
            this.uri = uri;
        }

        @Override
        public String uri() {
            return uri;
        }

        private synchronized Connect c() {
            if (connect == null) {
                try {
                    LibvirtConnection.initialize(); // at the first connection: commands that never connect skip JNA
                    connect = new Connect(uri);
                } catch (LibvirtException e) {
                    throw new CmsException("cannot connect to libvirt at " + uri + ": " + message(e), e);
                } catch (UnsatisfiedLinkError | NoClassDefFoundError e) {
                    throw new CmsException("cannot load libvirt (libvirt0) for " + uri + ": " + e.getMessage(), e);
                }
            }
            return connect;
        }

        synchronized void close() {
            if (connect != null) {
                try {
                    connect.close();
                } catch (LibvirtException ignored) {
                    // closing
                }
                connect = null;
            }
        }

        private interface Call<T> {
            T run(Connect c) throws LibvirtException;
        }

        private <T> T call(String what, Call<T> body) {
            try {
                return body.run(c());
            } catch (LibvirtException e) {
                throw new CmsException(what + " on " + uri + " failed: " + message(e), e);
            }
        }

        private Domain lookup(Connect c, String name) throws LibvirtException {
            return c.domainLookupByName(name);
        }

        @Override
        public void ensureDisk(String path, int sizeGb) {
            java.nio.file.Path file = java.nio.file.Path.of(path);
            String dir = file.getParent().toString();
            String name = file.getFileName().toString();
            call("making the disk " + path, c -> {
                StoragePool pool = poolAt(c, dir);
                try {
                    if (hasVolume(pool, name)) return null;
                    pool.refresh(0); // another host may have made it on shared storage since this pool last looked
                    if (hasVolume(pool, name)) return null;
                    pool.storageVolCreateXML(DomainXml.volume(name, sizeGb), 0).free();
                    return null;
                } finally {
                    pool.free();
                }
            });
        }

        private static boolean hasVolume(StoragePool pool, String name) {
            try {
                pool.storageVolLookupByName(name).free();
                return true;
            } catch (LibvirtException absent) {
                return false;
            }
        }

        @Override
        public void deleteDisk(String path) {
            call("deleting the disk " + path, c -> {
                StorageVol vol;
                try {
                    vol = c.storageVolLookupByPath(path);
                } catch (LibvirtException absent) {
                    return null;
                }
                try {
                    vol.delete(0);
                } finally {
                    vol.free();
                }
                return null;
            });
        }

        /** The active storage pool whose target is {@code dir}; a clear error when there is none. */
        private StoragePool poolAt(Connect c, String dir) throws LibvirtException {
            List<String> names = new ArrayList<>(List.of(c.listStoragePools()));
            int active = names.size();
            names.addAll(List.of(c.listDefinedStoragePools()));
            for (int i = 0; i < names.size(); i++) {
                StoragePool p = c.storagePoolLookupByName(names.get(i));
                java.util.regex.Matcher m = POOL_PATH.matcher(p.getXMLDesc(0));
                if (m.find() && java.nio.file.Path.of(m.group(1).strip()).equals(java.nio.file.Path.of(dir))) {
                    if (i < active) return p;
                    p.free();
                    throw new CmsException("the storage pool " + names.get(i) + " for " + dir + " is not active on "
                            + uri + ": virsh -c " + uri + " pool-start " + names.get(i));
                }
                p.free();
            }
            throw new CmsException("no storage pool on " + uri + " holds " + dir + " (libvirt.disk_dir of the endpoint),"
                    + " where the nodes' disks go: virsh -c " + uri + " pool-define-as cms-disks dir --target " + dir
                    + " && virsh -c " + uri + " pool-start cms-disks && virsh -c " + uri + " pool-autostart cms-disks");
        }

        @Override
        public void define(String xml) {
            call("define domain", c -> c.domainDefineXML(xml).free());
        }

        @Override
        public String state(String name) {
            try {
                Domain d = lookup(c(), name);
                try {
                    return map(d.getInfo().state);
                } finally {
                    d.free();
                }
            } catch (LibvirtException e) {
                if (e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) return UNDEFINED;
                throw new CmsException("read the state of " + name + " on " + uri + " failed: " + message(e), e);
            }
        }

        @Override
        public Map<String, String> states() {
            return call("list domains", c -> {
                Map<String, String> out = new HashMap<>();
                names(c, 2, STOPPED, out);      // VIR_CONNECT_LIST_DOMAINS_INACTIVE
                names(c, 1, ACTIVE, out);       // ..._ACTIVE
                names(c, 32, PAUSED, out);      // ..._PAUSED (a subset of the active ones)
                return out;
            });
        }

        private static void names(Connect c, int flags, String state, Map<String, String> out) throws LibvirtException {
            for (Domain d : c.listAllDomains(flags)) {
                try {
                    out.put(d.getName(), state);
                } finally {
                    d.free();
                }
            }
        }

        static String map(DomainState s) {
            return switch (s) {
                case VIR_DOMAIN_RUNNING, VIR_DOMAIN_BLOCKED -> ACTIVE;
                case VIR_DOMAIN_PAUSED, VIR_DOMAIN_PMSUSPENDED -> PAUSED;
                case VIR_DOMAIN_SHUTDOWN -> STOPPING;
                default -> STOPPED;
            };
        }

        private void op(String what, String name, DomainOp op) {
            call(what + " " + name, c -> {
                Domain d = lookup(c, name);
                try {
                    op.run(d);
                } finally {
                    d.free();
                }
                return null;
            });
        }

        private interface DomainOp {
            void run(Domain d) throws LibvirtException;
        }

        @Override
        public void create(String name) {
            op("start", name, Domain::create);
        }

        @Override
        public void destroy(String name) {
            op("power off", name, Domain::destroy);
        }

        @Override
        public void shutdown(String name) {
            op("shut down", name, Domain::shutdown);
        }

        @Override
        public void reboot(String name) {
            op("reboot", name, d -> d.reboot(0));
        }

        @Override
        public void reset(String name) {
            op("reset", name, Domain::reset);
        }

        @Override
        public void undefine(String name) {
            op("undefine", name, Domain::undefine);
        }

        @Override
        public String xml(String name) {
            return call("read the XML of " + name, c -> {
                Domain d = lookup(c, name);
                try {
                    return d.getXMLDesc(0);
                } finally {
                    d.free();
                }
            });
        }
    }
}
