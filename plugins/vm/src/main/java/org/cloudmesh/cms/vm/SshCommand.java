package org.cloudmesh.cms.vm;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.compute.Vm;
import org.cloudmesh.cms.api.ssh.ExecResult;
import org.cloudmesh.cms.api.ssh.SshClient;
import org.cloudmesh.cms.api.ssh.SshTarget;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code vm ssh [NAMES]}: log in, or run --command on every VM. */
@Command(name = "ssh", description = {"Log in to VM NAME with the system ssh client, or with --command run COMMAND on"
            + " every VM of NAMES in parallel (output lines prefixed 'NAME: ', exit status the worst of them).",
        "A VM just booted or started is waited for (up to --timeout) until it answers ssh.",
        "Host keys are trusted on first use and pinned in $CLOUDMESH_HOME/known_hosts; a changed key refuses to connect.",
        "User: --username, else cloudmesh.cloud.CLOUD.default.username, else the one recorded at boot (guessed from the image)."})
final class SshCommand extends VmSub {
    @Parameters(index = "0", paramLabel = "NAMES", arity = "0..1", description = "VMs as a hostlist, e.g. web[1-3] (default: variable vm, the last VM booted).") String namesArg;
    @Option(names = "--cloud", paramLabel = "CLOUD", description = "The VMs' cloud (default: the one cms recorded for each VM).") String cloudOption;
    @Option(names = "--username", paramLabel = "USER", description = "Log in as USER (default: the cloud's default.username, else the user recorded at boot).") String username;
    @Option(names = "--key", paramLabel = "KEY", description = "A key name (see 'key list') or a private key file.") String key;
    @Option(names = "--command", paramLabel = "COMMAND", description = "Run COMMAND on every VM of NAMES instead of logging in.") String command;
    @Option(names = "--timeout", paramLabel = "SECONDS", defaultValue = "60", description = "Seconds to wait for a VM to answer ssh, and then for COMMAND on each VM (default 60).") double timeout;

    @Override
    public Integer call() throws IOException, InterruptedException {
        if (!(timeout > 0)) throw new CmsException("--timeout must be a positive number of seconds");
        try (Clouds clouds = new Clouds(ctx())) {
            List<Vm> vms = reachable(clouds, targets(clouds, namesArg, cloudOption), Duration.ofMillis((long) (timeout * 1000)));
            if (command == null) {
                if (vms.size() != 1) {
                    throw new CmsException("an interactive shell needs exactly one VM, not " + vms.size()
                            + ": give --command COMMAND to run on several");
                }
                SshTarget t = target(vms.get(0), username, key).ssh();
                List<String> argv = new ArrayList<>(List.of("ssh", "-o", "UserKnownHostsFile=" + knownHosts(),
                        "-o", "StrictHostKeyChecking=accept-new", "-p", Integer.toString(t.port()),
                        "-i", t.keyFile().toString(), "-o", "IdentitiesOnly=yes", "-l", t.user(), "--", t.host()));
                ctx().out().flush();
                Process p = new ProcessBuilder(argv).inheritIO().start();
                return p.waitFor();
            }
            if (command.isBlank()) throw new CmsException("--command is empty: give the command to run");
            Duration limit = Duration.ofMillis((long) (timeout * 1000));
            List<VmLogins.Target> targets = new ArrayList<>();
            for (Vm vm : vms) targets.add(target(vm, username, key));
            int[] worst = {0};
            try (SshClient client = new SshClient(knownHosts())) {
            PARALLEL.run(targets, t -> {
                int status;
                try {
                    ExecResult r = client.exec(t.ssh(), command, limit);
                    synchronized (worst) {
                        prefixed(ctx().out(), t.vm(), r.stdout());
                        prefixed(ctx().err(), t.vm(), r.stderr());
                        ctx().out().flush();
                        ctx().err().flush();
                    }
                    status = r.exitStatus() < 0 ? 255 : r.exitStatus();
                } catch (CmsException e) {
                    synchronized (worst) {
                        ctx().err().println(t.vm() + ": ERROR: " + e.getMessage());
                        ctx().err().flush();
                    }
                    status = 255;
                }
                synchronized (worst) {
                    worst[0] = Math.max(worst[0], status);
                }
                return status;
            });
            }
            return worst[0];
        }
    }
}
