package org.cloudmesh.cms.comet.power;

import java.util.Locale;

/** What 'comet power' does to a node. */
public enum PowerAction {
    ON, OFF, REBOOT, RESET, SHUTDOWN;

    public String label() {
        return switch (this) {
            case ON -> "power on";
            case OFF -> "power off";
            default -> name().toLowerCase(Locale.ROOT);
        };
    }
}
