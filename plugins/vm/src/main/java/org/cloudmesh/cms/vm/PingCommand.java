package org.cloudmesh.cms.vm;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.util.Parallel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm ping [NAMES]}: the system ping, per VM. */
@Command(name = "ping", description = "Ping VMs NAMES (the system ping, COUNT packets each).")
final class PingCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Option(names = "--count", paramLabel = "N", defaultValue = "1", description = "Packets per VM (default 1).") int count;

    @Override
    public Integer call() {
        if (count < 1 || count > 100) throw new CmsException("--count " + count + ": give 1 to 100");
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = targets(clouds, namesArg, cloudOption);
            List<Parallel.Outcome<Vm, String[]>> outcomes = PARALLEL.run(vms, vm -> {
                String ip = VmLogins.requireIp(vm);
                try {
                    Process p = new ProcessBuilder("ping", "-c", Integer.toString(count), "-W", "2", ip)
                            .redirectErrorStream(true).start();
                    String text = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                    return new String[] {Integer.toString(p.waitFor()), text};
                } catch (IOException e) {
                    throw new CmsException("cannot run ping: " + e.getMessage() + " (install iputils-ping)");
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new CmsException("interrupted");
                }
            });
            int worst = 0;
            for (var o : outcomes) {
                if (!o.ok()) {
                    ctx().err().println(o.item().name() + ": ERROR: " + message(o.error()));
                    worst = Math.max(worst, 1);
                    continue;
                }
                for (String line : o.value()[1].split("\n")) if (!line.isBlank()) ctx().out().println(o.item().name() + ": " + line);
                worst = Math.max(worst, Integer.parseInt(o.value()[0]));
            }
            ctx().out().flush();
            ctx().err().flush();
            return worst;
        }
    }
}
