package org.cloudmesh.cms.vm;

import org.cloudmesh.cms.api.Context;
import picocli.CommandLine.Command;

/** {@code vm}: virtual machines on any cloud. Holds the context for its subcommands, one class per verb. */
@Command(name = "vm", description = {"Virtual machines on the cloud chosen with 'set cloud=NAME'.",
        "--cloud NAME chooses another cloud for one command without changing the variable.",
        "Clouds are the entries of cloudmesh.cloud in cloudmesh.yaml; cm.kind picks the provider plugin.",
        "NAMES is a hostlist (gregor-vm-[1-3],web1); without NAMES the last booted VM (variable vm) is meant."},
        subcommands = {BootCommand.class, ConsoleCommand.class, DeleteCommand.class, GetCommand.class, InfoCommand.class,
                ListCommand.class, PingCommand.class, PutCommand.class, SshCommand.class, StartCommand.class,
                StatusCommand.class, StopCommand.class, TerminateCommand.class, WaitCommand.class},
        footer = {"%nExamples:", "  set cloud=aws", "  vm boot", "  vm ssh --command hostname", "  vm boot --name web[1-3] --image ami-0abc --flavor t3.micro",
                "  vm list --refresh --output json", "  vm delete web[1-3]"})
public final class VmCommand {
    final Context ctx;

    public VmCommand(Context ctx) {
        this.ctx = ctx;
    }
}
