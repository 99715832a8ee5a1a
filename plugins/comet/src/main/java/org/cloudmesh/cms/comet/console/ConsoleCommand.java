package org.cloudmesh.cms.comet.console;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.libvirt.Graphics;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.Comet;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.DirectService;
import org.cloudmesh.cms.comet.remote.RemoteService;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import org.cloudmesh.cms.comet.cmd.CometRoot;
import org.cloudmesh.cms.comet.store.Node;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code comet console CLUSTER [NODE] [--link]}. */
@Command(name = "console", description = "Attach the terminal to a node's serial console (the frontend when NODE is left out),"
        + " or with --link print a one-time web address of its screen (served by cms server).",
        footer = {"", "Ctrl-] leaves the serial console (as in virsh console). The node must be running."})
public final class ConsoleCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;
    @Mixin
    CometCommand.EndpointOption endpointOption;
    @Option(names = "--link", description = "Print a web address that shows the node's screen in a browser (noVNC through cms server):"
            + " it opens once, within 60 s; on the management node a 'cms server' must run.")
    boolean link;
    @Option(names = "--force", description = "Take the serial console over from another client.")
    boolean force;
    @Option(names = "--otp", paramLabel = "CODE", description = "Through a cms server: a fresh one-time code (the serial console and console links need a second factor).")
    String otp;
    @Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster.") String cluster;
    @Parameters(index = "1", arity = "0..1", paramLabel = "NODE", description = "A node of it (default: the frontend).") String node;

    @Override
    public Integer call() throws IOException {
        Names.require("cluster", cluster);
        if (node != null) Names.require("node", node);
        Context ctx = CometRoot.context(spec);
        CometService svc = CometRoot.backend(spec, endpointOption);
        if (link) {
            String code = otp;
            if (svc instanceof RemoteService && code == null && ctx.interactive()) code = ctx.prompt("One-time code: ");
            ctx.out().println("Console URL: " + svc.consoleLink(cluster, node, code));
            ctx.out().flush();
            return 0;
        }
        if (svc instanceof RemoteService r) {
            String code = otp;
            if (code == null && ctx.interactive()) code = ctx.prompt("One-time code: ");
            java.net.URI ws = r.serialConsole(cluster, node, code);
            requireTerminal();
            String what = node == null ? cluster : node;
            try (RemoteConsole c = RemoteConsole.open(ws, System.out)) {
                return attach(ctx, what, "through endpoint '" + svc.name() + "'", () -> c.pump(System.in));
            }
        }
        DirectService d = svc.direct();
        Comet comet = d.comet();
        Node n = d.running(cluster, node);
        String uri = d.endpoint().uri(n.host());
        requireTerminal();
        ConsoleSession s;
        try {
            s = ConsoleSession.open(comet.libvirt().connection(uri), n.name(), force);
        } catch (LibvirtNative.Failure x) {
            if (x.unsupported()) {
                throw new CmsException("the libvirt driver at " + uri + " has no serial console streams (the test driver has none):"
                        + " nothing to attach to for " + n.name());
            }
            throw x;
        }
        try (s) {
            return attach(ctx, n.name(), "on " + n.host(), () -> s.pump(System.in, System.out));
        }
    }

    private static void requireTerminal() {
        if (System.console() == null) {
            throw new CmsException("comet console needs a terminal for the serial console; in scripts use --link");
        }
    }

    /** What copies the terminal to a console and back until the user leaves; returns why it ended. */
    private interface Pump {
        String run() throws IOException;
    }

    /** Puts the terminal in raw mode around {@code pump}, with the same lines before and after, local or remote. */
    private static int attach(Context ctx, String name, String where, Pump pump) throws IOException {
        ctx.out().println("Connected to the serial console of " + name + " " + where + "; Ctrl-] leaves.");
        ctx.out().flush();
        String saved = stty("-g");
        String why;
        try {
            stty("raw -echo");
            why = pump.run();
        } finally {
            if (saved != null) stty(saved.strip());
        }
        ctx.out().println();
        ctx.out().println("Left the console of " + name + " (" + why + ").");
        ctx.out().flush();
        return 0;
    }

    /** Runs stty on the controlling terminal; returns its output or null when there is none. */
    private static String stty(String args) {
        try {
            ProcessBuilder pb = new ProcessBuilder(List.of("sh", "-c", "stty " + args + " < /dev/tty"));
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes());
            return p.waitFor() == 0 ? out : null;
        } catch (IOException x) {
            return null;
        } catch (InterruptedException x) {
            Thread.currentThread().interrupt();
            return null;
        }
    }

    /** vnc://ADDRESS:PORT or spice://ADDRESS:PORT from the live XML's first {@code <graphics>}. */
    public static String graphicsUrl(String liveXml, String name, String uri) {
        return Graphics.of(liveXml, name, uri).url();
    }
}
