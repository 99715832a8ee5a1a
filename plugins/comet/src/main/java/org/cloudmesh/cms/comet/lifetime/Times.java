package org.cloudmesh.cms.comet.lifetime;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.LocalTime;
import java.time.ZonedDateTime;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.cloudmesh.cms.api.CmsException;

/**
 * Start times in Slurm's grammar (sbatch --begin, a reservation's StartTime), the subset cms checks before Slurm
 * is asked: {@code HH:MM[:SS]} (today, or tomorrow when that time has passed, as Slurm does),
 * {@code YYYY-MM-DD[THH:MM[:SS]]}, {@code now[+N[seconds|minutes|hours|days|weeks]]} (no unit: seconds),
 * {@code today}, {@code tomorrow}, {@code midnight}, {@code noon} and {@code teatime} (16:00). Times are in the
 * login host's zone, which cms takes to be its own. The text goes to Slurm as given; what is computed here is for
 * checks (a reservation's window) and messages.
 */
public final class Times {
    /** What a user is told when a time is not in the grammar. */
    public static final String GRAMMAR = "use Slurm's time grammar: HH:MM[:SS], YYYY-MM-DD[THH:MM[:SS]],"
            + " now+N[seconds|minutes|hours|days|weeks], today, tomorrow, midnight, noon or teatime"
            + " (e.g. 16:00, now+1hour, 2026-12-24T09:00)";
    private static final Pattern NOW = Pattern.compile("now(?:\\+([0-9]{1,9})(seconds?|minutes?|hours?|days?|weeks?)?)?");
    private static final Pattern CLOCK = Pattern.compile("([0-9]{1,2}):([0-9]{2})(?::([0-9]{2}))?");
    private static final Pattern DATE = Pattern.compile("([0-9]{4}-[0-9]{2}-[0-9]{2})(?:T([0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?))?");

    private Times() {
    }

    /**
     * When {@code text} means, seen at {@code now}, as epoch seconds; {@code what} names the option in the error
     * ("--begin", "--start").
     */
    public static long parse(String what, String text, ZonedDateTime now) {
        String s = text == null ? "" : text.strip().toLowerCase(Locale.ROOT);
        try {
            Matcher m;
            if ((m = NOW.matcher(s)).matches()) {
                long n = m.group(1) == null ? 0 : Long.parseLong(m.group(1));
                String unit = m.group(2) == null ? "seconds" : m.group(2);
                long seconds = switch (unit.charAt(0)) {
                    case 'm' -> n * 60;
                    case 'h' -> n * 3600;
                    case 'd' -> n * 86_400;
                    case 'w' -> n * 604_800;
                    default -> n;
                };
                return now.toEpochSecond() + seconds;
            }
            if ((m = CLOCK.matcher(s)).matches()) return next(now, LocalTime.parse(pad(s)));
            if ((m = DATE.matcher(s)).matches()) {
                LocalDate d = LocalDate.parse(m.group(1));
                LocalTime t = m.group(2) == null ? LocalTime.MIDNIGHT : LocalTime.parse(pad(m.group(2)));
                return LocalDateTime.of(d, t).atZone(now.getZone()).toEpochSecond();
            }
            return switch (s) {
                case "today" -> now.toLocalDate().atStartOfDay(now.getZone()).toEpochSecond();
                case "tomorrow", "midnight" -> now.toLocalDate().plusDays(1).atStartOfDay(now.getZone()).toEpochSecond();
                case "noon" -> next(now, LocalTime.NOON);
                case "teatime" -> next(now, LocalTime.of(16, 0));
                default -> throw bad(what, text);
            };
        } catch (DateTimeParseException x) {
            throw bad(what, text);
        }
    }

    /** The time of day today, or tomorrow when it has passed. */
    private static long next(ZonedDateTime now, LocalTime t) {
        ZonedDateTime at = now.toLocalDate().atTime(t).atZone(now.getZone());
        return (at.isAfter(now) ? at : at.plusDays(1)).toEpochSecond();
    }

    /** 9:05 → 09:05 (LocalTime wants two digits). */
    private static String pad(String clock) {
        return clock.indexOf(':') == 1 ? "0" + clock : clock;
    }

    private static CmsException bad(String what, String text) {
        return new CmsException("invalid " + what + " '" + text + "': " + GRAMMAR);
    }
}
