package io.dams.query.fleet;

import java.time.Duration;

/** The stores cannot answer now (rebalancing, restoring, unreachable); ask again after {@link #retryAfter()}. */
public class StoreUnavailableException extends RuntimeException {

    private final Duration retryAfter;

    public StoreUnavailableException(String message, Duration retryAfter) {
        this(message, retryAfter, null);
    }

    public StoreUnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** Whole seconds for a {@code Retry-After} header, at least 1 so that clients do not spin. */
    public long retryAfterSeconds() {
        long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
