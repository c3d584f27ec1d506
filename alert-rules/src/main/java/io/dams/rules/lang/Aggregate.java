package io.dams.rules.lang;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;
import java.util.stream.Collectors;

/** The aggregates a condition can compute over a series' window of samples. */
public enum Aggregate {
    AVG, MIN, MAX, SUM, COUNT, LAST,
    /** Prometheus's {@code rate()}: per-second increase of a counter, resets handled, extrapolated to the window. */
    RATE,
    /**
     * Prometheus's {@code deriv()}: the per-second slope of a gauge by least squares. Not in DESIGN.md's list; added
     * because {@code rate} of a gauge (disk bytes used) reads every drop as a counter reset.
     */
    DERIV;

    /** How the rule language spells it. */
    public String keyword() {
        return name().toLowerCase(Locale.ROOT);
    }

    /** The aggregate spelled {@code word}, in any case (as PromQL's aggregation keywords). */
    public static Optional<Aggregate> byKeyword(String word) {
        for (Aggregate a : values()) {
            if (a.keyword().equalsIgnoreCase(word)) {
                return Optional.of(a);
            }
        }
        return Optional.empty();
    }

    /** {@code avg, min, max, sum, count, last, rate, deriv}. */
    public static String keywords() {
        return Arrays.stream(values()).map(Aggregate::keyword).collect(Collectors.joining(", "));
    }
}
