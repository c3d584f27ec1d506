package io.dams.notifier.delivery;

import java.util.function.LongSupplier;

/**
 * A channel's rate limit: up to {@code burst} attempts at once, refilled at {@code perSecond}. Not thread-safe: each
 * bucket belongs to one dispatcher and is used under its lock.
 */
public final class TokenBucket {

    private static final long NANOS_PER_SECOND = 1_000_000_000L;

    private final double perSecond;
    private final double capacity;
    private final LongSupplier nanoTime;
    private double tokens;
    private long refilledAt;

    public TokenBucket(double perSecond, int burst, LongSupplier nanoTime) {
        if (perSecond <= 0 || burst < 1) {
            throw new IllegalArgumentException("a rate limit needs per_second > 0 and burst >= 1");
        }
        this.perSecond = perSecond;
        this.capacity = burst;
        this.nanoTime = nanoTime;
        this.tokens = burst;
        this.refilledAt = nanoTime.getAsLong();
    }

    /** How long until a token is there: 0 when one is available now. */
    public long nanosUntilToken() {
        refill();
        if (tokens >= 1) {
            return 0;
        }
        return (long) Math.ceil((1 - tokens) / perSecond * NANOS_PER_SECOND);
    }

    /** Takes a token if one is there. */
    public boolean tryTake() {
        refill();
        if (tokens >= 1) {
            tokens -= 1;
            return true;
        }
        return false;
    }

    private void refill() {
        long now = nanoTime.getAsLong();
        long elapsed = now - refilledAt;
        if (elapsed > 0) {
            tokens = Math.min(capacity, tokens + elapsed * perSecond / NANOS_PER_SECOND);
            refilledAt = now;
        }
    }
}
