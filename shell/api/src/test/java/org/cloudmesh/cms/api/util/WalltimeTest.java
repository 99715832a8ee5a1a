package org.cloudmesh.cms.api.util;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.Random;
import org.cloudmesh.cms.api.CmsException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class WalltimeTest {

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        // number + unit, as the old cloudmesh client
        "100m        | PT1H40M",
        "6h          | PT6H",
        "2d          | PT48H",
        "1w          | PT168H",
        "6H          | PT6H",
        "' 2d '      | PT48H",
        "90          | PT1H30M",
        "0090        | PT1H30M",
        // Slurm's forms
        "30:00       | PT30M",
        "1:30        | PT1M30S",
        "0:30        | PT30S",
        "1:30:00     | PT1H30M",
        "100:00:00   | PT100H",
        "2-00:00:00  | PT48H",
        "2-0         | PT48H",
        "1-12        | PT36H",
        "1-12:30     | PT36H30M",
        "1-12:30:15  | PT36H30M15S",
        "0-00:00:01  | PT1S",
        "365d        | PT8760H",
        "52w         | PT8736H",
        "525600      | PT8760H",
    })
    void parses(String text, String iso) {
        assertEquals(Duration.parse(iso), Walltime.parse(text));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "5x          | walltime '5x': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "5s          | walltime '5s': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "1.5h        | walltime '1.5h': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "6 h         | walltime '6 h': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "h           | walltime 'h': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "2d6h        | walltime '2d6h': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "''          | walltime '': it is empty; use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "-5m         | walltime '-5m': give a positive time without a sign; use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "+5m         | walltime '+5m': give a positive time without a sign; use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "UNLIMITED   | walltime 'UNLIMITED': give a limit; use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
        "0           | walltime '0': it must be longer than zero",
        "0m          | walltime '0m': it must be longer than zero",
        "0w          | walltime '0w': it must be longer than zero",
        "0:00        | walltime '0:00': it must be longer than zero",
        "0-00:00:00  | walltime '0-00:00:00': it must be longer than zero",
        "1:70        | walltime '1:70': seconds must be below 60; use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "1:60:00     | walltime '1:60:00': minutes must be below 60; use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "1-24        | walltime '1-24': hours must be below 24; use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "1:2:3:4     | walltime '1:2:3:4': use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "1:002       | walltime '1:002': use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "2-          | walltime '2-': use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        ":30         | walltime ':30': use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "2h-1        | walltime '2h-1': use minutes, mm:ss, hh:mm:ss, d-hh, d-hh:mm or d-hh:mm:ss (e.g. 90, 1:30:00, 2-00:00:00)",
        "366d        | walltime '366d': too long, at most 365d",
        "53w         | walltime '53w': too long, at most 365d",
        "525601      | walltime '525601': too long, at most 365d",
        "365-00:00:01 | walltime '365-00:00:01': too long, at most 365d",
        "8761:00:00  | walltime '8761:00:00': too long, at most 365d",
        "99999999999999999999w | walltime '99999999999999999999w': too long, at most 365d",
        "9223372036854775807m  | walltime '9223372036854775807m': too long, at most 365d",
        "9223372036854775807-0 | walltime '9223372036854775807-0': too long, at most 365d",
        "9223372036854775807:00:00 | walltime '9223372036854775807:00:00': too long, at most 365d",
    })
    void rejectsWithAOneLineMessage(String text, String message) {
        assertEquals(message, assertThrows(CmsException.class, () -> Walltime.parse(text)).getMessage());
    }

    @Test
    void nullIsEmpty() {
        assertEquals("walltime '': it is empty; use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)",
                assertThrows(CmsException.class, () -> Walltime.parse(null)).getMessage());
    }

    @Test
    void messagesStayOnOneLine() {
        String message = assertThrows(CmsException.class, () -> Walltime.parse("5\nm")).getMessage();
        assertEquals("walltime '5\\nm': use a number with m, h, d or w (e.g. 100m, 6h, 2d, 1w)", message);
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "100m      | 100",
        "6h        | 360",
        "2d        | 2880",
        "1w        | 10080",
        "1:30:00   | 90",
        "2-00:00:00 | 2880",
        "0:01      | 1",
        "1:01      | 2",
        "0-00:59:59 | 60",
    })
    void slurmGetsWholeMinutesRoundedUp(String text, String minutes) {
        assertEquals(minutes, Walltime.toSlurm(Walltime.parse(text)));
        assertEquals(Long.parseLong(minutes), Walltime.minutes(Walltime.parse(text)));
    }

    @Test
    void slurmRefusesNothingNegativeAndTooLong() {
        assertEquals("invalid walltime PT0S: it must be longer than zero",
                assertThrows(CmsException.class, () -> Walltime.toSlurm(Duration.ZERO)).getMessage());
        assertEquals("invalid walltime PT-1M: it must be longer than zero",
                assertThrows(CmsException.class, () -> Walltime.toSlurm(Duration.ofMinutes(-1))).getMessage());
        assertEquals("invalid walltime null: it must be longer than zero",
                assertThrows(CmsException.class, () -> Walltime.toSlurm(null)).getMessage());
        assertEquals("invalid walltime 366d: at most 365d",
                assertThrows(CmsException.class, () -> Walltime.toSlurm(Duration.ofDays(366))).getMessage());
        assertEquals("525600", Walltime.toSlurm(Walltime.MAX));
    }

    @ParameterizedTest(name = "[{index}] {0}")
    @CsvSource(delimiter = '|', value = {
        "2-03:05:00 | 2d 3h 5m",
        "100m       | 1h 40m",
        "1w         | 7d",
        "6h         | 6h",
        "1:30       | 1m 30s",
        "1-00:00:01 | 1d 1s",
        "90         | 1h 30m",
    })
    void formatsForPeople(String text, String human) {
        assertEquals(human, Walltime.format(Walltime.parse(text)));
    }

    @Test
    void formatsZeroButNotNegative() {
        assertEquals("0m", Walltime.format(Duration.ZERO));
        assertEquals("0m", Walltime.format(Duration.ofMillis(500)));
        assertThrows(CmsException.class, () -> Walltime.format(Duration.ofMinutes(-5)));
        assertThrows(CmsException.class, () -> Walltime.format(null));
    }

    /** For many generated walltimes: Slurm minutes cover them, d-hh:mm:ss reads back exactly, format adds up. */
    @Test
    void generatedWalltimesRoundTrip() {
        Random random = new Random(11);
        for (int i = 0; i < 5000; i++) {
            Duration d = Duration.ofSeconds(1 + (long) (random.nextDouble() * Walltime.MAX.getSeconds()));

            String slurm = Walltime.toSlurm(d);
            Duration back = Walltime.parse(slurm);
            assertFalse(back.compareTo(d) < 0, slurm);
            assertTrue(back.minus(d).compareTo(Duration.ofMinutes(1)) < 0, slurm);

            long s = d.getSeconds();
            String clock = String.format("%d-%02d:%02d:%02d", s / 86400, s / 3600 % 24, s / 60 % 60, s % 60);
            assertEquals(d, Walltime.parse(clock), clock);

            String human = Walltime.format(d);
            assertTrue(human.matches("\\d+d( \\d{1,2}h)?( \\d{1,2}m)?( \\d{1,2}s)?|\\d{1,2}h( \\d{1,2}m)?( \\d{1,2}s)?"
                    + "|\\d{1,2}m( \\d{1,2}s)?|\\d{1,2}s"), human);
            Duration sum = Duration.ZERO;
            for (String part : human.split(" ")) {
                long n = Long.parseLong(part.substring(0, part.length() - 1));
                sum = sum.plus(switch (part.charAt(part.length() - 1)) {
                    case 'd' -> Duration.ofDays(n);
                    case 'h' -> Duration.ofHours(n);
                    case 'm' -> Duration.ofMinutes(n);
                    default -> Duration.ofSeconds(n);
                });
            }
            assertEquals(d, sum, human);
        }
    }
}
