package org.cloudmesh.cms.comet.console;

import com.sun.jna.Library;
import com.sun.jna.Native;
import java.lang.reflect.Field;
import java.lang.reflect.Method;
import org.cloudmesh.cms.api.CmsException;
import org.libvirt.Domain;
import org.libvirt.Stream;
import org.libvirt.jna.DomainPointer;
import org.libvirt.jna.StreamPointer;
import org.libvirt.jna.virError;

/**
 * The two libvirt calls libvirt-java 0.5.4 does not bind: {@code virDomainOpenConsole} and {@code virDomainRename},
 * called through JNA on the same libvirt library and pointers libvirt-java holds.
 */
public final class LibvirtNative {
    interface Api extends Library {
        int virDomainOpenConsole(DomainPointer dom, String devName, StreamPointer st, int flags);

        int virDomainRename(DomainPointer dom, String newName, int flags);
    }

    /** libvirt's error code for "this function is not supported by the connection driver". */
    public static final int VIR_ERR_NO_SUPPORT = 3;

    private static volatile Api api;

    private LibvirtNative() {
    }

    private static Api api() {
        if (api == null) {
            synchronized (LibvirtNative.class) {
                if (api == null) api = Native.load("virt", Api.class);
            }
        }
        return api;
    }

    /** A libvirt failure with libvirt's error code and message. */
    public static final class Failure extends CmsException {
        private final int code;

        Failure(int code, String message) {
            super(message);
            this.code = code;
        }

        public int code() {
            return code;
        }

        public boolean unsupported() {
            return code == VIR_ERR_NO_SUPPORT;
        }
    }

    private static Failure lastError(String what) {
        virError e = org.libvirt.jna.Libvirt.INSTANCE.virGetLastError();
        int code = e == null ? -1 : e.code;
        String m = e == null || e.message == null ? "unknown libvirt error" : e.message.strip();
        return new Failure(code, what + " failed: " + m);
    }

    static DomainPointer pointer(Domain d) {
        try {
            Field f = Domain.class.getDeclaredField("vdp");
            f.setAccessible(true);
            return (DomainPointer) f.get(d);
        } catch (ReflectiveOperationException | RuntimeException x) {
            throw new CmsException("this libvirt-java has no domain pointer: " + x, x);
        }
    }

    static StreamPointer pointer(Stream s) {
        try {
            Method m = Stream.class.getDeclaredMethod("getVsp");
            m.setAccessible(true);
            return (StreamPointer) m.invoke(s);
        } catch (ReflectiveOperationException | RuntimeException x) {
            throw new CmsException("this libvirt-java has no stream pointer: " + x, x);
        }
    }

    /** Connects {@code stream} to the domain's console ({@code dev} null: the first serial console). */
    public static void openConsole(Domain d, String dev, Stream stream, int flags) {
        if (api().virDomainOpenConsole(pointer(d), dev, pointer(stream), flags) < 0) throw lastError("open the console");
    }

    /** Renames a shut-off domain (same UUID, definition kept). */
    public static void rename(Domain d, String newName) {
        if (api().virDomainRename(pointer(d), newName, 0) < 0) throw lastError("rename the domain");
    }
}
