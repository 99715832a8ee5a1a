package org.cloudmesh.cms.api.libvirt;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.cloudmesh.cms.api.CmsException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;
import org.libvirt.StoragePool;
import org.libvirt.StorageVol;
import org.libvirt.Stream;

/**
 * One connection to a libvirt hypervisor (libvirt-java over JNA, so the libvirt0 library must be installed): the one
 * implementation of {@link Hypervisor}. It connects at its first call (commands that never touch libvirt never load
 * it) and serves concurrent calls. Every libvirt failure becomes a one-line {@link CmsException} that names the URI,
 * the action and the domain, e.g. {@code libvirt test+unix:///default: cannot start domain 'vc1-n1': Requested
 * operation is not valid: domain is already running}. libvirt's habit of also printing each error to stderr is
 * switched off for the whole process.
 *
 * <p>URIs: {@code test+unix:///default} (the testbed's fake hypervisor), {@code qemu:///session},
 * {@code qemu+libssh://user@host:port/system?keyfile=...&known_hosts=...} for a remote host.
 */
public final class LibvirtConnection implements Hypervisor, AutoCloseable {
    /** Kept referenced: JNA would otherwise let the native callback be collected. */
    private static ErrorCallback silence;
    private static final Pattern POOL_PATH = Pattern.compile("<target>\\s*<path>([^<]+)</path>", Pattern.DOTALL);

    private final String uri;
    /**
     * Calls over an ssh transport go one at a time: concurrent calls on one qemu+libssh connection were seen to hang
     * for good in libvirt 9.0 (two threads in virDomainGetXMLDesc); local sockets serve concurrent calls.
     */
    private final Object serial;
    private Connect connect;

    LibvirtConnection(String uri) {
        this.uri = Objects.requireNonNull(uri, "uri");
        this.serial = uri.contains("+ssh:") || uri.contains("+libssh:") || uri.contains("+libssh2:") ? new Object() : null;
    }

    /** Opens a read-write connection now (a CmsException when the hypervisor cannot be reached). */
    public static LibvirtConnection open(String uri) {
        LibvirtConnection c = new LibvirtConnection(uri);
        c.connect();
        return c;
    }

    /**
     * Silences libvirt's stderr printing once per process; turns a missing libvirt0 into a clear error. Call it
     * before the first {@code new Connect(...)} made outside this class; never before a connection is needed
     * (loading libvirt through JNA costs about 0.13 s).
     */
    public static synchronized void initialize() {
        if (silence != null) {
            return;
        }
        try {
            ErrorCallback callback = new ErrorCallback(); // does nothing: errors still arrive as LibvirtException
            Connect.setErrorCallback(callback);
            silence = callback;
        } catch (LinkageError e) {
            throw new CmsException("the libvirt client library (libvirt.so.0) cannot be loaded: " + e.getMessage()
                    + "; install it (Debian: apt-get install libvirt0)", e);
        } catch (LibvirtException e) {
            throw new CmsException("cannot initialise libvirt: " + reason(e), e);
        }
    }

    @Override
    public String uri() {
        return uri;
    }

    /** The libvirt-java connection itself, for what this class does not wrap (console streams, rename). */
    public synchronized Connect connect() {
        if (connect == null) {
            initialize();
            try {
                connect = new Connect(uri, false);
            } catch (LibvirtException e) {
                throw new CmsException("cannot connect to libvirt at " + uri + ": " + reason(e) + hint(e), e);
            }
        }
        return connect;
    }

    @Override
    public boolean isTestDriver() {
        return call("ask the hypervisor type", c -> "TEST".equalsIgnoreCase(c.getType()));
    }

    @Override
    public String define(String xml) {
        Objects.requireNonNull(xml, "xml");
        return call("define a domain", c -> {
            Domain domain = c.domainDefineXML(xml);
            try {
                return domain.getName();
            } finally {
                domain.free();
            }
        });
    }

    @Override
    public void start(String name) {
        onDomain(name, "start", Domain::create);
    }

    @Override
    public void destroy(String name) {
        onDomain(name, "destroy", Domain::destroy);
    }

    @Override
    public void shutdown(String name) {
        onDomain(name, "shut down", Domain::shutdown);
    }

    @Override
    public void reboot(String name) {
        onDomain(name, "reboot", d -> d.reboot(0));
    }

    @Override
    public void reset(String name) {
        onDomain(name, "reset", Domain::reset);
    }

    @Override
    public void undefine(String name) {
        onDomain(name, "undefine", Domain::undefine);
    }

    @Override
    public DomainState state(String name) {
        return withDomain(name, "read the state of", d -> DomainState.of(d.getInfo().state));
    }

    /** The domain's state, or empty when no such domain exists. */
    public Optional<DomainState> stateIfExists(String name) {
        return exists(name) ? Optional.of(state(name)) : Optional.empty();
    }

    @Override
    public boolean exists(String name) {
        Objects.requireNonNull(name, "name");
        return call("look up domain '" + name + "'", c -> {
            try {
                c.domainLookupByName(name).free();
                return true;
            } catch (LibvirtException e) {
                if (missing(e)) return false;
                throw e;
            }
        });
    }

    @Override
    public String powerState(String name) {
        return call("read the state of domain '" + name + "'", c -> {
            Domain d;
            try {
                d = c.domainLookupByName(name);
            } catch (LibvirtException e) {
                if (missing(e)) return UNDEFINED;
                throw e;
            }
            try {
                return power(DomainState.of(d.getInfo().state));
            } finally {
                d.free();
            }
        });
    }

    @Override
    public Map<String, String> powerStates() {
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

    /** The store's word for a libvirt state. */
    static String power(DomainState s) {
        return switch (s) {
            case RUNNING, BLOCKED -> ACTIVE;
            case PAUSED, PMSUSPENDED -> PAUSED;
            case SHUTDOWN -> STOPPING;
            default -> STOPPED;
        };
    }

    @Override
    public String xml(String name) {
        return withDomain(name, "read the XML of", d -> d.getXMLDesc(0));
    }

    @Override
    public List<String> domains() {
        return call("list domains", c -> {
            List<String> names = new ArrayList<>(Arrays.asList(c.listDefinedDomains()));
            for (int id : c.listDomains()) {
                try {
                    Domain d = c.domainLookupByID(id);
                    try {
                        names.add(d.getName());
                    } finally {
                        d.free();
                    }
                } catch (LibvirtException e) {
                    if (!missing(e)) throw e; // ended between the two calls
                }
            }
            names.sort(null);
            return names;
        });
    }

    @Override
    public List<Described> describe() {
        return call("list domains", c -> {
            List<Described> out = new ArrayList<>();
            for (Domain d : c.listAllDomains(0)) {
                try {
                    out.add(new Described(d.getName(), d.getUUIDString(), DomainState.of(d.getInfo().state), d.getXMLDesc(0)));
                } catch (LibvirtException e) {
                    if (!missing(e)) throw e;
                } finally {
                    d.free();
                }
            }
            return out;
        });
    }

    // ------------------------------------------------------------------------------------------------ storage

    @Override
    public void ensureDisk(String path, int sizeGb) {
        ensureDisk(path, sizeGb, null);
    }

    @Override
    public void ensureDisk(String path, int sizeGb, String backing) {
        Path file = Path.of(path);
        String dir = file.getParent().toString();
        String name = file.getFileName().toString();
        call("make the disk " + path, c -> {
            StoragePool pool = poolAt(c, dir);
            try {
                if (hasVolume(pool, name)) return null;
                pool.refresh(0); // another host may have made it on shared storage since this pool last looked
                if (hasVolume(pool, name)) return null;
                pool.storageVolCreateXML(backing == null ? DomainXml.volume(name, sizeGb)
                        : DomainXml.overlay(name, (long) sizeGb << 30, backing, "qcow2"), 0).free();
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
        call("delete the disk " + path, c -> {
            StorageVol vol;
            try {
                vol = c.storageVolLookupByPath(path);
            } catch (LibvirtException absent) {
                return null;
            }
            delete(vol);
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
            Matcher m = POOL_PATH.matcher(p.getXMLDesc(0));
            if (m.find() && Path.of(m.group(1).strip()).equals(Path.of(dir))) {
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

    /** The active storage pool {@code name}; a clear error naming the virsh commands when it is missing or inactive. */
    private StoragePool pool(Connect c, String name) throws LibvirtException {
        StoragePool p;
        try {
            p = c.storagePoolLookupByName(name);
        } catch (LibvirtException e) {
            throw new CmsException("libvirt " + uri + ": no storage pool '" + name + "' for the VMs' volumes: virsh -c "
                    + uri + " pool-define-as " + name + " dir --target DIR && virsh -c " + uri + " pool-start " + name);
        }
        if (p.isActive() != 1) {
            p.free();
            throw new CmsException("libvirt " + uri + ": the storage pool '" + name + "' is not active: virsh -c " + uri
                    + " pool-start " + name);
        }
        return p;
    }

    @Override
    public String createVolume(String poolName, String volumeXml) {
        return inPool("create a volume in pool '" + poolName + "'", poolName, (c, p) -> {
            StorageVol v = p.storageVolCreateXML(volumeXml, 0);
            try {
                return v.getPath();
            } finally {
                v.free();
            }
        });
    }

    private interface PoolCall<T> {
        T run(Connect c, StoragePool pool) throws LibvirtException;
    }

    /** {@code body} on the active storage pool {@code poolName}, freed afterwards. */
    private <T> T inPool(String what, String poolName, PoolCall<T> body) {
        return call(what, c -> {
            StoragePool p = pool(c, poolName);
            try {
                return body.run(c, p);
            } finally {
                p.free();
            }
        });
    }

    @Override
    public String uploadVolume(String poolName, String name, byte[] data) {
        return inPool("upload volume '" + name + "' to pool '" + poolName + "'", poolName, (c, p) -> upload(c, p, name, data));
    }

    @Override
    public String uploadFile(String path, byte[] data) {
        Path file = Path.of(path);
        return call("upload " + path, c -> {
            StoragePool p = poolAt(c, file.getParent().toString());
            try {
                return upload(c, p, file.getFileName().toString(), data);
            } finally {
                p.free();
            }
        });
    }

    private String upload(Connect c, StoragePool p, String name, byte[] data) throws LibvirtException {
        if (hasVolume(p, name)) delete(p.storageVolLookupByName(name));
        StorageVol v = p.storageVolCreateXML(DomainXml.rawVolume(name, data.length), 0);
        try {
            Stream s = c.streamNew(0);
            try {
                v.upload(s, 0, data.length, 0);
                for (int off = 0; off < data.length; ) {
                    int n = s.send(Arrays.copyOfRange(data, off, Math.min(data.length, off + 65536)));
                    if (n <= 0) throw new CmsException("libvirt " + uri + ": the upload of '" + name + "' stalled");
                    off += n;
                }
                s.finish();
            } catch (LibvirtException | RuntimeException e) {
                s.abort();
                v.delete(0);
                throw e;
            } finally {
                s.free();
            }
            return v.getPath();
        } finally {
            v.free();
        }
    }

    @Override
    public void deleteVolume(String poolName, String name) {
        call("delete volume '" + name + "' of pool '" + poolName + "'", c -> {
            StoragePool p;
            try {
                p = c.storagePoolLookupByName(poolName);
            } catch (LibvirtException absent) {
                return null;
            }
            try {
                if (hasVolume(p, name)) delete(p.storageVolLookupByName(name));
                return null;
            } finally {
                p.free();
            }
        });
    }

    private static void delete(StorageVol v) throws LibvirtException {
        try {
            v.delete(0);
        } finally {
            v.free();
        }
    }

    @Override
    public synchronized void close() {
        if (connect == null) return;
        try {
            connect.close();
        } catch (LibvirtException e) {
            // closing a broken connection: nothing left to release
        }
        connect = null;
    }

    // ------------------------------------------------------------------------------------------------ plumbing

    private interface Call<T> {
        T run(Connect c) throws LibvirtException;
    }

    private interface DomainCall<T> {
        T apply(Domain domain) throws LibvirtException;
    }

    private interface DomainAction {
        void apply(Domain domain) throws LibvirtException;
    }

    /**
     * Runs a call. A storage pool refuses a volume change while it builds another volume (two nodes' disks made at
     * once): libvirt checks that before it changes anything, so the call is tried again for up to {@link #POOL_BUSY}.
     */
    private <T> T call(String what, Call<T> body) {
        long deadline = System.nanoTime() + POOL_BUSY.toNanos();
        while (true) {
            try {
                if (serial == null) return body.run(connect());
                synchronized (serial) {
                    return body.run(connect());
                }
            } catch (LibvirtException e) {
                String m = e.getMessage();
                if (m == null || !m.contains("has asynchronous jobs running") || System.nanoTime() > deadline) throw error("cannot " + what, e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException x) {
                Thread.currentThread().interrupt();
                throw new CmsException("interrupted while waiting to " + what);
            }
        }
    }

    /** How long a call waits for a storage pool that builds another volume. */
    static final java.time.Duration POOL_BUSY = java.time.Duration.ofSeconds(30);

    private void onDomain(String name, String action, DomainAction call) {
        withDomain(name, action, (DomainCall<Void>) d -> {
            call.apply(d);
            return null;
        });
    }

    private <T> T withDomain(String name, String action, DomainCall<T> call) {
        if (serial == null) return domainCall(name, action, call);
        synchronized (serial) {
            return domainCall(name, action, call);
        }
    }

    private <T> T domainCall(String name, String action, DomainCall<T> call) {
        Objects.requireNonNull(name, "name");
        Domain domain;
        try {
            domain = connect().domainLookupByName(name);
        } catch (LibvirtException e) {
            throw error("cannot " + action + " domain '" + name + "'", e);
        }
        try {
            return call.apply(domain);
        } catch (LibvirtException e) {
            throw error("cannot " + action + " domain '" + name + "'", e);
        } finally {
            try {
                domain.free();
            } catch (LibvirtException e) {
                // the handle is gone with the connection
            }
        }
    }

    private static boolean missing(LibvirtException e) {
        return e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN;
    }

    private CmsException error(String what, LibvirtException e) {
        return new CmsException("libvirt " + uri + ": " + what + ": " + reason(e), e);
    }

    /** libvirt's message on one line (it sometimes spans several). */
    static String reason(LibvirtException e) {
        String message = e.getMessage();
        if (message == null || message.isBlank()) {
            message = e.getError() == null ? "unknown libvirt error" : String.valueOf(e.getError().getCode());
        }
        return message.replaceAll("\\s*\\n\\s*", "; ").strip();
    }

    private static String hint(LibvirtException e) {
        String message = String.valueOf(e.getMessage());
        if (message.contains("Failed to connect socket") || message.contains("No such file or directory")) {
            return " (is libvirtd running there?)";
        }
        return "";
    }
}
