package org.cloudmesh.cms.api.libvirt;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/** The sizes of VMs that cms defines itself (libvirt VMs, VC nodes made through the NIST API): vCPUs and memory. */
public final class Flavors {
    public record Flavor(int vcpus, int memoryMiB) {
    }

    private static final Map<String, Flavor> FLAVORS = new LinkedHashMap<>();

    static {
        FLAVORS.put("nano", new Flavor(1, 128));   // a small guest such as the testbed's
        FLAVORS.put("tiny", new Flavor(1, 256));
        FLAVORS.put("small", new Flavor(1, 1024));
        FLAVORS.put("medium", new Flavor(2, 2048));
        FLAVORS.put("large", new Flavor(4, 4096));
        FLAVORS.put("xlarge", new Flavor(8, 8192));
    }

    private Flavors() {
    }

    /** The flavor of that name (any case), empty when there is none. */
    public static Optional<Flavor> of(String name) {
        return name == null ? Optional.empty() : Optional.ofNullable(FLAVORS.get(name.toLowerCase(Locale.ROOT)));
    }

    /** The names, smallest first, for messages. */
    public static String names() {
        return String.join(", ", FLAVORS.keySet());
    }
}
