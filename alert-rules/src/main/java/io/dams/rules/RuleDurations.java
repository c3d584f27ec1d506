package io.dams.rules;

import io.dams.runtime.config.Durations;
import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as rule files write them, with Prometheus's syntax: one or more {@code <number><unit>} parts from the
 * largest unit to the smallest ({@code 90s}, {@code 5m}, {@code 1h30m}), units {@code y w d h m s ms}, a year being
 * 365 days; or {@code 0}.
 */
public final class RuleDurations {

    private static final Pattern PART = Pattern.compile("(\\d+)(ms|s|m|h|d|w|y)");
    private static final String[] ORDER = {"y", "w", "d", "h", "m", "s", "ms"};

    private RuleDurations() {
    }

    /** @throws IllegalArgumentException naming the problem and the expected form */
    public static Duration parse(String text) {
        String t = text.strip();
        if (t.equals("0")) {
            return Duration.ZERO;
        }
        if (t.startsWith("-")) {
            throw new IllegalArgumentException("'" + text + "' is negative; durations are 0 or more, e.g. 0, 30s, 5m");
        }
        if (t.isEmpty()) {
            throw new IllegalArgumentException("the duration is empty; write e.g. 30s, 5m, 1h or 1h30m");
        }
        Matcher m = PART.matcher(t);
        Duration total = Duration.ZERO;
        int at = 0;
        int lastUnit = -1;
        try {
            while (at < t.length()) {
                if (!m.find(at) || m.start() != at) {
                    throw notADuration(text);
                }
                int unit = unitIndex(m.group(2));
                if (unit <= lastUnit) {
                    throw new IllegalArgumentException("'" + text + "' repeats a unit or lists units out of order;"
                            + " write the largest unit first, each once, e.g. 1h30m");
                }
                lastUnit = unit;
                total = total.plus(part(Long.parseLong(m.group(1)), m.group(2)));
                at = m.end();
            }
        } catch (ArithmeticException | NumberFormatException e) {
            throw new IllegalArgumentException("'" + text + "' is too long a duration");
        }
        return total;
    }

    /** The shortest exact form ({@code 5m}, {@code 90s}, {@code 0s}), which {@link #parse} reads back. */
    public static String format(Duration d) {
        return Durations.format(d);
    }

    private static IllegalArgumentException notADuration(String text) {
        return new IllegalArgumentException("'" + text + "' is not a duration; write e.g. 30s, 5m, 1h or 1h30m"
                + " (units ms, s, m, h, d, w, y)");
    }

    private static int unitIndex(String unit) {
        for (int i = 0; i < ORDER.length; i++) {
            if (ORDER[i].equals(unit)) {
                return i;
            }
        }
        throw new IllegalStateException(unit);
    }

    private static Duration part(long n, String unit) {
        return switch (unit) {
            case "ms" -> Duration.ofMillis(n);
            case "s" -> Duration.ofSeconds(n);
            case "m" -> Duration.ofMinutes(n);
            case "h" -> Duration.ofHours(n);
            case "d" -> Duration.ofDays(n);
            case "w" -> Duration.ofDays(Math.multiplyExact(n, 7));
            default -> Duration.ofDays(Math.multiplyExact(n, 365));
        };
    }
}
