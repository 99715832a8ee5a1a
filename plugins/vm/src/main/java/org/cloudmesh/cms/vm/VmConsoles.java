package org.cloudmesh.cms.vm;

import java.util.Optional;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleTarget;
import org.cloudmesh.cms.api.libvirt.Graphics;
import org.cloudmesh.cms.api.libvirt.Hypervisor;
import org.cloudmesh.cms.api.libvirt.Libvirt;
import org.cloudmesh.cms.api.rest.RestApi;
import org.cloudmesh.cms.api.rest.RestRoutes;
import org.cloudmesh.cms.api.util.Names;
import org.pf4j.Extension;

/**
 * The web consoles of VMs on libvirt clouds ({@code vm console NAME --link}): when a link is opened, the server finds
 * the VM on its cloud again and proxies its VNC display. The links are made on this machine only, so they name no
 * project.
 */
@Extension
public final class VmConsoles implements RestRoutes {
    static final String KIND = "vm";
    /** The hypervisors the server's console sessions talk to (one connection per URI, for the server's life). */
    private static final Libvirt LIBVIRT = new Libvirt();

    @Override
    public void routes(RestApi api, Context ctx) {
        api.console(KIND, link -> target(ctx, link));
    }

    /** The display of a running domain. @throws CmsException when it has none */
    static Graphics display(String uri, String name) {
        return Graphics.of(LIBVIRT.at(uri).xml(name), name, uri);
    }

    static ConsoleTarget target(Context ctx, ConsoleLink link) {
        if (!Names.isValid(link.scope()) || !Names.isValid(link.name())) throw new CmsException("this link names no VM");
        Vm vm;
        try (Clouds clouds = new Clouds(ctx)) {
            Optional<Vm> found = clouds.open(link.scope()).list().stream().filter(v -> v.name().equals(link.name())).findFirst();
            vm = found.orElseThrow(() -> new CmsException("vm " + link.name() + " is gone from cloud " + link.scope()));
        }
        String uri = vm.details().get("uri");
        if (!"libvirt".equals(vm.kind()) || uri == null) throw new CmsException("vm " + vm.name() + " is not a libvirt VM: no console here");
        Hypervisor h = LIBVIRT.at(uri);
        if (!Hypervisor.ACTIVE.equals(h.powerState(vm.name()))) {
            throw new CmsException("vm " + vm.name() + " is not running: start it ('vm start " + vm.name() + "'), then ask for a new link");
        }
        Graphics g = display(uri, vm.name());
        return ConsoleTarget.of(() -> g.connect(uri, ctx.home().resolve("known_hosts")),
                () -> Hypervisor.ACTIVE.equals(h.powerState(vm.name())));
    }
}
