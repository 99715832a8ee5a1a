package org.cloudmesh.cms.vm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.Context;
import org.cloudmesh.cms.api.compute.Compute;
import org.cloudmesh.cms.api.compute.ComputeProvider;
import org.cloudmesh.cms.api.compute.ProviderConfig;

/**
 * Chooses clouds (--cloud, else variable {@code cloud}) and opens them through the provider plugin of their kind.
 * Opened clouds are kept for the rest of the command and closed with it.
 */
final class Clouds implements AutoCloseable {
    private final Context ctx;
    private final Map<String, Compute> open = new LinkedHashMap<>();

    Clouds(Context ctx) {
        this.ctx = ctx;
    }

    /** The cloud of this command: the option, else variable {@code cloud}; the variable itself is not changed. */
    String current(String option) {
        if (option != null && !option.isBlank()) return option.strip();
        return ctx.variables().get("cloud").filter(s -> !s.isBlank()).orElseThrow(() -> new CmsException(
                "no cloud chosen: use 'set cloud=NAME' or --cloud NAME (configured: " + configured() + ")"));
    }

    /** A comma-separated --cloud list, else the current cloud. */
    List<String> many(String option) {
        if (option == null || option.isBlank()) return List.of(current(null));
        List<String> names = new ArrayList<>();
        for (String s : option.split(",")) if (!s.isBlank()) names.add(s.strip());
        return names;
    }

    String configured() {
        List<String> names = ProviderConfig.clouds(ctx.config());
        return names.isEmpty() ? "none" : String.join(", ", names);
    }

    ProviderConfig config(String cloud) {
        return ProviderConfig.of(ctx.config(), cloud);
    }

    ComputeProvider provider(String kind, String cloud) {
        List<String> kinds = new ArrayList<>();
        for (ComputeProvider p : ctx.extensions(ComputeProvider.class)) {
            if (p.kind().equals(kind)) return p;
            kinds.add(p.kind());
        }
        throw new CmsException("cloud '" + cloud + "' is of kind '" + kind + "', but no plugin provides that kind"
                + " (installed kinds: " + (kinds.isEmpty() ? "none" : String.join(", ", kinds.stream().sorted().toList()))
                + "); install the " + kind + " plugin in the plugins folder");
    }

    synchronized Compute open(String cloud) {
        Compute c = open.get(cloud);
        if (c == null) {
            ProviderConfig cfg = config(cloud);
            c = provider(cfg.kind(), cloud).open(cfg);
            open.put(cloud, c);
        }
        return c;
    }

    @Override
    public synchronized void close() {
        for (Compute c : open.values()) {
            try {
                c.close();
            } catch (RuntimeException e) {
                // closing is best effort
            }
        }
        open.clear();
    }
}
