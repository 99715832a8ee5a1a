package org.cloudmesh.cms.comet.iso;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.Format;
import org.cloudmesh.cms.api.OutputOption;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.CometService;
import org.cloudmesh.cms.comet.cmd.CometCommand;
import org.cloudmesh.cms.comet.cmd.CometRoot;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code comet iso list|upload|attach|detach}. */
@Command(name = "iso", description = "ISO images: list, upload, attach to and detach from nodes.",
        subcommands = {IsoCommand.ListIsos.class, IsoCommand.Upload.class, IsoCommand.Attach.class, IsoCommand.Detach.class},
        footer = {"", "Attach and detach change the node's definition only: they take effect at the next cold start",
            "(comet power off, then comet power on), never on reboot or reset. 'comet node info' shows a pending change."})
public final class IsoCommand implements Callable<Integer> {
    @Spec
    CommandSpec spec;

    @Override
    public Integer call() {
        spec.commandLine().usage(CometRoot.context(spec).out());
        return 0;
    }

    abstract static class Sub implements Callable<Integer> {
        @Spec
        CommandSpec spec;
        @Mixin
        CometCommand.EndpointOption endpointOption;

        Context ctx() {
            return CometRoot.context(spec);
        }

        CometService svc() {
            return CometRoot.backend(spec, endpointOption);
        }
    }

    @Command(name = "list", description = "List the ISO images, numbered (attach takes the number or the name).")
    static final class ListIsos extends Sub {
        @Mixin
        OutputOption output;

        @Override
        public Integer call() {
            List<Isos.Iso> isos = svc().isos();
            Format f = ctx().format(output.format);
            if (f == Format.TABLE) {
                if (isos.isEmpty()) ctx().out().println("No ISO images: upload one with 'comet iso upload PATH'");
                for (Isos.Iso i : isos) ctx().out().println(i.index() + ": " + i.name());
                ctx().out().flush();
                return 0;
            }
            List<Map<String, Object>> rows = new ArrayList<>();
            for (Isos.Iso i : isos) {
                Map<String, Object> r = new LinkedHashMap<>();
                r.put("index", i.index());
                r.put("name", i.name());
                r.put("size", i.size());
                r.put("sha256", i.sha256());
                r.put("uploaded", java.time.Instant.ofEpochSecond(i.uploaded()).toString());
                rows.add(r);
            }
            ctx().printer(f).list(List.of("index", "name", "size", "sha256", "uploaded"), rows);
            return 0;
        }
    }

    @Command(name = "upload", description = "Upload an ISO 9660 image into the endpoint's iso_dir (checked, with its sha256).")
    static final class Upload extends Sub {
        @Option(names = "--isoname", paramLabel = "NAME", description = "Name of the image (default: the file name).")
        String isoname;
        @Parameters(index = "0", paramLabel = "PATH", description = "The .iso file.")
        Path path;

        @Override
        public Integer call() {
            Isos.Iso iso = svc().uploadIso(path, isoname);
            ctx().out().println("Uploaded " + iso.name() + " (" + iso.size() + " bytes, sha256 " + iso.sha256() + ")");
            ctx().out().flush();
            return 0;
        }
    }

    @Command(name = "attach", description = "Attach an ISO (name or number from 'comet iso list') to nodes; no nodes = the frontend.")
    static final class Attach extends Sub {
        @Parameters(index = "0", paramLabel = "ISO", description = "An ISO's name or number from 'comet iso list'.") String iso;
        @Parameters(index = "1", paramLabel = "CLUSTER", description = "The cluster.") String cluster;
        @Parameters(index = "2", arity = "0..1", paramLabel = "HOSTLIST", description = "Compute nodes, e.g. vm-vc1-[0-3] (default: the frontend).") String nodes;

        @Override
        public Integer call() {
            Names.require("cluster", cluster);
            for (Isos.Change c : svc().attachIso(iso, cluster, nodes)) ctx().out().println(c.describe());
            ctx().out().flush();
            return 0;
        }
    }

    @Command(name = "detach", description = "Detach the ISO from nodes; no nodes = the frontend.")
    static final class Detach extends Sub {
        @Parameters(index = "0", paramLabel = "CLUSTER", description = "The cluster.") String cluster;
        @Parameters(index = "1", arity = "0..1", paramLabel = "HOSTLIST", description = "Compute nodes, e.g. vm-vc1-[0-3] (default: the frontend).") String nodes;

        @Override
        public Integer call() {
            Names.require("cluster", cluster);
            for (Isos.Change c : svc().attachIso(null, cluster, nodes)) ctx().out().println(c.describe());
            ctx().out().flush();
            return 0;
        }
    }
}
