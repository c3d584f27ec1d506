package io.dams.notifier.delivery;

import io.dams.notifier.NotifierConfig;
import java.time.Duration;
import java.util.Optional;
import java.util.function.DoubleSupplier;

/**
 * Exponential backoff with jitter, bounded by attempts and by time. After the n-th failed attempt the next one waits
 * a random time between half and all of {@code min(maxBackoff, initialBackoff × 2^(n-1))} ("equal jitter": retries
 * of many notifications spread out instead of arriving together), or as long as the receiver's {@code Retry-After}
 * asked when that is longer. A delivery gives up after {@code maxAttempts} attempts, or when the next attempt would
 * start more than {@code maxTime} after the first.
 */
public record RetryPolicy(Duration initialBackoff, Duration maxBackoff, int maxAttempts, Duration maxTime) {

    public static RetryPolicy of(NotifierConfig.Retry retry) {
        return new RetryPolicy(retry.initialBackoff(), retry.maxBackoff(), retry.maxAttempts(), retry.maxTime());
    }

    /** The wait after {@code failedAttempts} failures, with {@code random} in [0, 1). */
    public Duration backoff(int failedAttempts, DoubleSupplier random) {
        long cap = maxBackoff.toNanos();
        long base = Math.min(cap, initialBackoff.toNanos());
        for (int i = 1; i < failedAttempts && base < cap; i++) {
            base = base > cap / 2 ? cap : base * 2;
        }
        long half = base / 2;
        return Duration.ofNanos(half + (long) (random.getAsDouble() * (base - half)));
    }

    /**
     * When to try again, or empty to give up.
     *
     * @param failedAttempts attempts so far, all failed
     * @param sinceFirst     time since the first attempt started
     * @param retryAfter     what the receiver asked for, if it did
     */
    public Optional<Duration> next(int failedAttempts, Duration sinceFirst, Optional<Duration> retryAfter,
                                   DoubleSupplier random) {
        if (failedAttempts >= maxAttempts) {
            return Optional.empty();
        }
        Duration wait = backoff(failedAttempts, random);
        if (retryAfter.isPresent() && retryAfter.get().compareTo(wait) > 0) {
            wait = retryAfter.get();
        }
        if (sinceFirst.plus(wait).compareTo(maxTime) > 0) {
            return Optional.empty();
        }
        return Optional.of(wait);
    }
}
