package org.cloudmesh.cms.api.libvirt;

import org.libvirt.DomainInfo;

/** The state of a libvirt domain, named as {@code virsh domstate} names it. */
public enum DomainState {
    NOSTATE("no state"),
    RUNNING("running"),
    BLOCKED("idle"),
    PAUSED("paused"),
    SHUTDOWN("in shutdown"),
    SHUTOFF("shut off"),
    CRASHED("crashed"),
    PMSUSPENDED("pmsuspended");

    private final String label;

    DomainState(String label) {
        this.label = label;
    }

    /** The virsh word for it, e.g. {@code shut off}. */
    public String label() {
        return label;
    }

    /** True while the domain has a running guest (running, idle or paused). */
    public boolean active() {
        return this == RUNNING || this == BLOCKED || this == PAUSED;
    }

    static DomainState of(DomainInfo.DomainState state) {
        if (state == null) {
            return NOSTATE;
        }
        return switch (state) {
            case VIR_DOMAIN_NOSTATE -> NOSTATE;
            case VIR_DOMAIN_RUNNING -> RUNNING;
            case VIR_DOMAIN_BLOCKED -> BLOCKED;
            case VIR_DOMAIN_PAUSED -> PAUSED;
            case VIR_DOMAIN_SHUTDOWN -> SHUTDOWN;
            case VIR_DOMAIN_SHUTOFF -> SHUTOFF;
            case VIR_DOMAIN_CRASHED -> CRASHED;
            case VIR_DOMAIN_PMSUSPENDED -> PMSUSPENDED;
        };
    }

    @Override
    public String toString() {
        return label;
    }
}
