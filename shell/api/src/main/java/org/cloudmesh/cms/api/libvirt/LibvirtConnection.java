package org.cloudmesh.cms.api.libvirt;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

import org.cloudmesh.cms.api.CmsException;
import org.libvirt.Connect;
import org.libvirt.Domain;
import org.libvirt.Error.ErrorNumber;
import org.libvirt.ErrorCallback;
import org.libvirt.LibvirtException;

/**
 * One connection to a libvirt hypervisor (libvirt-java over JNA, so the libvirt0 library must be installed), with
 * the few operations cms needs by domain name. Every libvirt failure becomes a one-line {@link CmsException} that
 * names the URI, the action and the domain, e.g. {@code libvirt test+unix:///default: cannot start domain 'vc1-n1':
 * Requested operation is not valid: domain is already running}. libvirt's default habit of also printing each error
 * to stderr is switched off for the whole process.
 *
 * <p>URIs: {@code test+unix:///default} (the testbed's fake hypervisor), {@code qemu:///session},
 * {@code qemu+libssh://user@host:port/system?keyfile=...&known_hosts=...} for a remote host.
 */
public final class LibvirtConnection implements AutoCloseable {
    /** Kept referenced: JNA would otherwise let the native callback be collected. */
    private static ErrorCallback silence;

    private final String uri;
    private final Connect connect;

    private LibvirtConnection(String uri, Connect connect) {
        this.uri = uri;
        this.connect = connect;
    }

    /** Opens a read-write connection. */
    public static LibvirtConnection open(String uri) {
        Objects.requireNonNull(uri, "uri");
        initialize();
        try {
            return new LibvirtConnection(uri, new Connect(uri, false));
        } catch (LibvirtException e) {
            throw new CmsException("cannot connect to libvirt at " + uri + ": " + reason(e) + hint(e), e);
        }
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

    public String uri() {
        return uri;
    }

    /** The libvirt-java connection itself, for what this class does not wrap. */
    public Connect connect() {
        return connect;
    }

    /** Defines (or redefines) a persistent domain from its XML; returns its name. */
    public String define(String xml) {
        Objects.requireNonNull(xml, "xml");
        try {
            Domain domain = connect.domainDefineXML(xml);
            try {
                return domain.getName();
            } finally {
                domain.free();
            }
        } catch (LibvirtException e) {
            throw error("cannot define a domain", e);
        }
    }

    /** Starts (boots) a defined domain. */
    public void start(String name) {
        onDomain(name, "start", Domain::create);
    }

    /** Powers a domain off at once (like pulling the plug); the definition stays. */
    public void destroy(String name) {
        onDomain(name, "destroy", Domain::destroy);
    }

    /** Asks the guest to shut down (ACPI); returns without waiting. */
    public void shutdown(String name) {
        onDomain(name, "shut down", Domain::shutdown);
    }

    /** Removes a domain's persistent definition (a running domain keeps running until destroyed). */
    public void undefine(String name) {
        onDomain(name, "undefine", Domain::undefine);
    }

    /** The domain's state; a CmsException when there is no such domain. */
    public DomainState state(String name) {
        return withDomain(name, "read the state of", d -> DomainState.of(d.getInfo().state));
    }

    /** The domain's state, or empty when no such domain exists. */
    public Optional<DomainState> stateIfExists(String name) {
        return exists(name) ? Optional.of(state(name)) : Optional.empty();
    }

    public boolean exists(String name) {
        Objects.requireNonNull(name, "name");
        try {
            connect.domainLookupByName(name).free();
            return true;
        } catch (LibvirtException e) {
            if (e.getError() != null && e.getError().getCode() == ErrorNumber.VIR_ERR_NO_DOMAIN) {
                return false;
            }
            throw error("cannot look up domain '" + name + "'", e);
        }
    }

    /** The current XML description of a domain. */
    public String xml(String name) {
        return withDomain(name, "read the XML of", d -> d.getXMLDesc(0));
    }

    /** The names of all domains, running and defined, sorted. */
    public List<String> domains() {
        try {
            List<String> names = new ArrayList<>(Arrays.asList(connect.listDefinedDomains()));
            for (int id : connect.listDomains()) {
                Domain d = connect.domainLookupByID(id);
                try {
                    names.add(d.getName());
                } finally {
                    d.free();
                }
            }
            names.sort(null);
            return names;
        } catch (LibvirtException e) {
            throw error("cannot list domains", e);
        }
    }

    @Override
    public void close() {
        try {
            connect.close();
        } catch (LibvirtException e) {
            // closing a broken connection: nothing left to release
        }
    }

    private interface DomainCall<T> {
        T apply(Domain domain) throws LibvirtException;
    }

    private interface DomainAction {
        void apply(Domain domain) throws LibvirtException;
    }

    private void onDomain(String name, String action, DomainAction call) {
        withDomain(name, action, (DomainCall<Void>) d -> {
            call.apply(d);
            return null;
        });
    }

    private <T> T withDomain(String name, String action, DomainCall<T> call) {
        Objects.requireNonNull(name, "name");
        Domain domain;
        try {
            domain = connect.domainLookupByName(name);
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
