package org.cloudmesh.cms.comet.computeset;

import java.time.ZonedDateTime;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.cloudmesh.cms.api.CmsException;
import org.cloudmesh.cms.api.util.Names;
import org.cloudmesh.cms.comet.lifetime.Times;

/**
 * A start of compute nodes, as a user asked for it: made once where the request comes in (the shell's words, the
 * REST body, the remote client's call) and passed on unchanged. Its rules hold for every instance, so code that
 * receives one checks none of them again: a valid cluster name; {@code nodes} (valid names, no duplicates, in the
 * order given; {@code count} is then 0) or a {@code count} greater than zero; a positive walltime in minutes;
 * valid allocation and reservation names or null; {@code begin} in Slurm's --begin grammar ({@link Times}, kept
 * lower case) or null to start as soon as Slurm can. A null allocation means the cluster's only one. What depends on
 * the endpoint or the cluster (limits, allocations, the reservation's window) is checked by {@link Computesets#start}.
 */
public record StartRequest(String cluster, List<String> nodes, int count, long walltimeMins, String allocation,
                           String reservation, String begin) {
    /** The default walltime of a computeset, as Comet's: 2 days. */
    public static final long DEFAULT_WALLTIME_MINS = 2880;

    public StartRequest {
        Names.require("cluster", cluster);
        if (nodes != null) {
            if (count != 0) throw new CmsException("give either the names of nodes in hostlist format or --count, not both");
            if (nodes.isEmpty()) throw new CmsException(NEITHER);
            for (String n : nodes) Names.require("node", n);
            nodes = List.copyOf(new LinkedHashSet<>(nodes));
        } else if (count <= 0) {
            throw new CmsException("count value has to be greater than zero (got " + count + ")");
        }
        if (walltimeMins <= 0) throw new CmsException("invalid walltime " + walltimeMins + " minutes: give a positive number");
        if (reservation != null) Names.require("reservation", reservation);
        if (allocation != null) Names.require("allocation", allocation);
        if (begin != null) {
            Times.parse("--begin", begin, ZonedDateTime.now());
            begin = begin.strip().toLowerCase(Locale.ROOT);
        }
    }

    private static final String NEITHER = "You have to specify either the count of nodes, or the names of nodes in hostlist format";

    /**
     * From what a user gave: the names of nodes (a hostlist's, or a list) or a count as text, not both and not
     * neither. Only reading the count is done here; the record's rules do the rest.
     */
    public static StartRequest of(String cluster, List<String> nodes, String count, long walltimeMins, String allocation,
                                  String reservation, String begin) {
        if (nodes != null && count != null) {
            throw new CmsException("give either the names of nodes in hostlist format or --count, not both");
        }
        if (nodes == null && count == null) throw new CmsException(NEITHER);
        if (nodes != null) return new StartRequest(cluster, nodes, 0, walltimeMins, allocation, reservation, begin);
        int n;
        try {
            n = Integer.parseInt(count.strip());
        } catch (NumberFormatException x) {
            throw new CmsException("Invalid count value specified! '" + count + "': give a whole number greater than zero");
        }
        return new StartRequest(cluster, null, n, walltimeMins, allocation, reservation, begin);
    }

    /** The number of nodes the set will hold. */
    public int size() {
        return nodes != null ? nodes.size() : count;
    }

    /** The same request charged to {@code chosen} (an allocation picked from a menu by the user who made it). */
    public StartRequest charging(String chosen) {
        return new StartRequest(cluster, nodes, count, walltimeMins, chosen, reservation, begin);
    }
}
