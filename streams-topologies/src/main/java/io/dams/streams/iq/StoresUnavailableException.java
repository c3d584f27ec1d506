package io.dams.streams.iq;

import java.time.Duration;

/**
 * The job's stores (ingest or alerting) cannot be queried right now (starting, rebalancing, restoring): an HTTP
 * 503. Ask again after {@link #retryAfter()}.
 */
public class StoresUnavailableException extends InteractiveQueryException {

    private final Duration retryAfter;

    public StoresUnavailableException(String message, Duration retryAfter) {
        super(message);
        this.retryAfter = retryAfter;
    }

    /** How long to wait before asking again, from the answer's {@code Retry-After}. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
