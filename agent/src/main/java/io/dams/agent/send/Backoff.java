package io.dams.agent.send;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/** Exponential backoff with jitter, so that a fleet cut off together does not reconnect in lockstep. */
public record Backoff(Duration initial, Duration max, double jitter) {

    public Backoff {
        if (initial.isNegative() || initial.isZero() || max.compareTo(initial) < 0 || jitter < 0 || jitter > 1) {
            throw new IllegalArgumentException("backoff needs 0 < initial <= max and 0 <= jitter <= 1");
        }
    }

    /** The wait before attempt {@code attempt} (0 for the first retry), jittered by ±{@code jitter}. */
    public Duration delay(int attempt) {
        double base = Math.min(max.toMillis(), initial.toMillis() * Math.pow(2, Math.min(attempt, 30)));
        double factor = 1 + jitter * (2 * ThreadLocalRandom.current().nextDouble() - 1);
        return Duration.ofMillis(Math.max(1, Math.round(base * factor)));
    }
}
