package org.cloudmesh.cms.comet.lifetime;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.cloudmesh.cms.comet.store.Computeset;
import org.cloudmesh.cms.comet.store.CsState;

/**
 * Which running computesets to warn about: one line when a set will end within the first threshold (15 minutes),
 * one more at the next (5 minutes), never twice for the same threshold. An extension that takes a set back above
 * the first threshold starts it over.
 */
public final class Warnings {
    /** When a user hears that a set ends: 15 and 5 minutes before. */
    public static final List<Duration> THRESHOLDS = List.of(Duration.ofMinutes(15), Duration.ofMinutes(5));

    private final List<Duration> thresholds;
    /** Per set: the index of the last threshold warned about. */
    private final Map<Long, Integer> warned = new HashMap<>();

    public Warnings() {
        this(THRESHOLDS);
    }

    /** @param thresholds longest first */
    Warnings(List<Duration> thresholds) {
        this.thresholds = List.copyOf(thresholds);
    }

    /** The lines due at {@code now} (epoch seconds) for these sets. */
    public List<String> due(List<Computeset> sets, long now) {
        List<String> lines = new ArrayList<>();
        for (Computeset cs : sets) {
            if (cs.state() != CsState.RUNNING || cs.startTime() == null) continue;
            long end = cs.startTime() + cs.walltimeMins() * 60;
            long left = end - now;
            int crossed = -1;
            for (int i = 0; i < thresholds.size(); i++) if (left <= thresholds.get(i).toSeconds()) crossed = i;
            if (crossed < 0 || left <= 0) {
                if (crossed < 0) warned.remove(cs.id());
                continue;
            }
            if (crossed <= warned.getOrDefault(cs.id(), -1)) continue;
            warned.put(cs.id(), crossed);
            long minutes = left / 60;
            lines.add("computeset " + cs.id() + " (cluster " + cs.cluster() + ") ends in "
                    + (minutes == 0 ? "less than a minute" : minutes + " min") + ", at " + Lifetime.time(end)
                    + ": extend it with 'comet computeset extend " + cs.id() + " --by 1h'");
        }
        return lines;
    }
}
