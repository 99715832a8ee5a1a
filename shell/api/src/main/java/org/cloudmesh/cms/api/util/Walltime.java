package org.cloudmesh.cms.api.util;

import java.time.Duration;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;

/**
 * Walltimes: how long a computeset (a Slurm job) or a leased VM may run.
 *
 * <p>{@link #parse} accepts
 * <ul>
 *   <li>a whole number with a unit, case-insensitive: {@code 100m} minutes, {@code 6h} hours, {@code 2d} days,
 *       {@code 1w} weeks; a number alone is minutes ({@code 90});</li>
 *   <li>Slurm's forms (as for {@code sbatch -t}): {@code minutes}, {@code minutes:seconds},
 *       {@code hours:minutes:seconds}, {@code days-hours}, {@code days-hours:minutes},
 *       {@code days-hours:minutes:seconds}; the first field may be any size, the others are one or two digits
 *       below 60 (hours after days below 24). So {@code 30:00} is 30 minutes and {@code 1:30:00} 90 minutes.</li>
 * </ul>
 * It rejects zero, signs, fractions, spaces inside, other units, Slurm's {@code UNLIMITED}/{@code INFINITE} and
 * anything over {@link #MAX} (365 days).
 */
public final class Walltime {
    /** The longest walltime accepted. */
    public static final Duration MAX = Duration.ofDays(365);

    private static final String UNITS = "use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)";
    private static final String SLURM = "use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss"
            + " (e.g. 90, 1:30:00, 2-00:00:00)";
    private static final Pattern WITH_UNIT = Pattern.compile("([0-9]+)([mhdw]?)");
    private static final Pattern CLOCK = Pattern.compile("([0-9]+)(?::([0-9]{1,2}))?(?::([0-9]{1,2}))?");
    private static final Pattern DAYS = Pattern.compile("([0-9]+)-([0-9]{1,2})(?::([0-9]{1,2}))?(?::([0-9]{1,2}))?");

    private Walltime() {
    }

    /** Parses a walltime (see the class comment) into a positive Duration of at most {@link #MAX}. */
    public static Duration parse(String text) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        if (s.isEmpty()) throw bad(text, "it is empty; " + UNITS);
        if (s.startsWith("-") || s.startsWith("+")) throw bad(text, "give a positive time without a sign; " + UNITS);
        if (s.equals("unlimited") || s.equals("infinite")) throw bad(text, "give a limit; " + UNITS);
        Duration d;
        Matcher m;
        if ((m = WITH_UNIT.matcher(s)).matches()) {
            long n = number(text, m.group(1));
            d = switch (m.group(2)) {
                case "", "m" -> minutes(text, n, 1);
                case "h" -> minutes(text, n, 60);
                case "d" -> minutes(text, n, 24 * 60);
                default -> minutes(text, n, 7 * 24 * 60);
            };
        } else if ((m = DAYS.matcher(s)).matches()) {
            long days = number(text, m.group(1));
            if (days > MAX.toDays()) throw tooLong(text);
            d = Duration.ofDays(days)
                    .plusHours(field(text, m.group(2), 24, "hours"))
                    .plusMinutes(field(text, m.group(3), 60, "minutes"))
                    .plusSeconds(field(text, m.group(4), 60, "seconds"));
        } else if ((m = CLOCK.matcher(s)).matches() && m.group(2) != null) {
            long first = number(text, m.group(1));
            if (first > MAX.toMinutes()) throw tooLong(text);
            if (m.group(3) == null) {
                d = Duration.ofMinutes(first).plusSeconds(field(text, m.group(2), 60, "seconds"));
            } else {
                d = Duration.ofHours(first)
                        .plusMinutes(field(text, m.group(2), 60, "minutes"))
                        .plusSeconds(field(text, m.group(3), 60, "seconds"));
            }
        } else if (s.indexOf(':') >= 0 || s.indexOf('-') >= 0) {
            throw bad(text, SLURM);
        } else {
            throw bad(text, UNITS);
        }
        if (d.isZero()) throw bad(text, "it must be longer than zero");
        if (d.compareTo(MAX) > 0) throw tooLong(text);
        return d;
    }

    /** Whole minutes, rounded up: what {@code sbatch -t} and Comet's {@code walltime_mins} take. */
    public static long minutes(Duration walltime) {
        check(walltime);
        long m = walltime.toMinutes();
        return walltime.equals(Duration.ofMinutes(m)) ? m : m + 1;
    }

    /** The walltime as {@code sbatch -t} minutes, rounded up to whole minutes: 1h30m gives "90", 61s gives "2". */
    public static String toSlurm(Duration walltime) {
        return Long.toString(minutes(walltime));
    }

    /** For people: {@code 2d 3h 5m}, zero parts left out, seconds only when there are any; zero is {@code 0m}. */
    public static String format(Duration walltime) {
        if (walltime == null || walltime.isNegative()) {
            throw new CmsException("cannot format walltime " + walltime + ": it must not be negative");
        }
        long seconds = walltime.getSeconds();
        long[] parts = {seconds / 86400, seconds / 3600 % 24, seconds / 60 % 60, seconds % 60};
        String[] units = {"d", "h", "m", "s"};
        StringBuilder b = new StringBuilder();
        for (int i = 0; i < parts.length; i++) {
            if (parts[i] == 0) continue;
            if (b.length() > 0) b.append(' ');
            b.append(parts[i]).append(units[i]);
        }
        return b.length() == 0 ? "0m" : b.toString();
    }

    private static void check(Duration walltime) {
        if (walltime == null || walltime.isZero() || walltime.isNegative()) {
            throw new CmsException("invalid walltime " + walltime + ": it must be longer than zero");
        }
        if (walltime.compareTo(MAX) > 0) {
            throw new CmsException("invalid walltime " + format(walltime) + ": at most " + format(MAX));
        }
    }

    private static long number(String text, String digits) {
        try {
            return Long.parseLong(digits);
        } catch (NumberFormatException e) {
            throw tooLong(text);
        }
    }

    private static Duration minutes(String text, long n, long perUnit) {
        if (n > MAX.toMinutes() / perUnit) throw tooLong(text);
        return Duration.ofMinutes(n * perUnit);
    }

    private static long field(String text, String digits, int limit, String name) {
        if (digits == null) return 0;
        long v = Long.parseLong(digits);
        if (v >= limit) throw bad(text, name + " must be below " + limit + "; " + SLURM);
        return v;
    }

    private static CmsException tooLong(String text) {
        return bad(text, "too long, at most " + format(MAX));
    }

    private static CmsException bad(String text, String problem) {
        return new CmsException("walltime " + Show.quote(text) + ": " + problem);
    }
}
