package io.dams.query.fleet;

import java.time.Duration;

/** The stores cannot answer now (rebalancing, restoring, unreachable); ask again after {@link #retryAfter()}. */
public class StoreUnavailableException extends RuntimeException {

    private static final String ASSET_STORES = "the asset stores cannot answer now (starting, rebalancing or unreachable)";

    private final Duration retryAfter;
    private final String publicReason;

    public StoreUnavailableException(String message, Duration retryAfter) {
        this(message, retryAfter, null);
    }

    public StoreUnavailableException(String message, Duration retryAfter, Throwable cause) {
        this(ASSET_STORES, message, retryAfter, cause);
    }

    /**
     * @param publicReason what the client is told (no internal host names), e.g. {@code the alert stores cannot
     *                     answer now}
     * @param message      what the log is told
     */
    public StoreUnavailableException(String publicReason, String message, Duration retryAfter, Throwable cause) {
        super(message, cause);
        this.publicReason = publicReason;
        this.retryAfter = retryAfter.isNegative() ? Duration.ZERO : retryAfter;
    }

    public Duration retryAfter() {
        return retryAfter;
    }

    /** What the client may be told of the cause. */
    public String publicReason() {
        return publicReason;
    }

    /** Whole seconds for a {@code Retry-After} header, at least 1 so that clients do not spin. */
    public long retryAfterSeconds() {
        long seconds = retryAfter.getSeconds() + (retryAfter.getNano() > 0 ? 1 : 0);
        return Math.max(1, seconds);
    }
}
