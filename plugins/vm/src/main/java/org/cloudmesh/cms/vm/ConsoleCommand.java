package org.cloudmesh.cms.vm;

import java.io.IOException;
import java.time.Instant;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.console.ConsoleLink;
import org.cloudmesh.cms.api.console.ConsoleLinks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm console [NAME]}: the serial console of a libvirt VM, or a link to its screen. */
@Command(name = "console", description = {"Attach to the serial console of VM NAME on a libvirt cloud: its boot messages"
        + " and login prompt, also when its network is down. Leave with Ctrl-] (the escape key of virsh console).",
        "With --link, print a one-time web address of its screen instead (served by 'cms server' on this machine)."})
final class ConsoleCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAME", arity = "0..1", description = "The VM (default: variable vm).") String name;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VM's cloud (default: the one cms recorded).") String cloudOption;
    @Option(names = "--link", description = "Print a web address that shows the VM's screen in a browser (noVNC" + " through the 'cms server' of this machine): it opens once, within 60 s.") boolean link;

    @Override
    public Integer call() throws IOException, InterruptedException {
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = targets(clouds, name, cloudOption);
            if (vms.size() != 1) throw new CmsException("a console needs exactly one VM, not " + vms.size());
            Vm vm = vms.get(0);
            if (!"libvirt".equals(vm.kind())) {
                throw new CmsException("vm " + vm.name() + " is on cloud " + vm.cloud() + " of kind " + vm.kind()
                        + ": 'vm console' attaches to libvirt VMs; use the cloud's own console");
            }
            refresh(clouds, vm.cloud());
            Vm now = cache().all().get(vm.name());
            if (now == null) throw new CmsException("vm " + vm.name() + " is gone from cloud " + vm.cloud());
            if (!Vm.RUNNING.equals(now.state())) {
                throw new CmsException("vm " + vm.name() + " is not running (state " + now.state() + "): it has no console;"
                        + " start it with 'vm start " + vm.name() + "'");
            }
            String uri = now.details().get("uri");
            if (uri == null) throw new CmsException("vm " + vm.name() + ": cms does not know its hypervisor; run 'vm list --refresh'");
            if (link) {
                VmConsoles.display(uri, vm.name()); // says now when it has no display
                ConsoleLink l = new ConsoleLink(VmConsoles.KIND, vm.cloud(), vm.name(), null, ConsoleLinks.localUser(),
                        Instant.now().plus(ConsoleLinks.TTL));
                ctx().out().println("Console URL: " + ConsoleLinks.local(ctx().home(), l) + " (works once, within "
                        + ConsoleLinks.TTL.toSeconds() + " s)");
                ctx().out().flush();
                return 0;
            }
            ctx().out().flush();
            try {
                Process p = new ProcessBuilder("virsh", "-c", uri, "console", vm.name()).inheritIO().start();
                return p.waitFor();
            } catch (IOException e) {
                throw new CmsException("cannot run virsh: " + e.getMessage() + " (install libvirt-clients)");
            }
        }
    }
}
