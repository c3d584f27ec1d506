package io.dams.notifier.channel;

import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * What one attempt to hand a notification to a receiver came to.
 *
 * @param result         delivered, refused for good, or worth another attempt
 * @param responseStatus the HTTP status or SMTP reply code, when the receiver answered
 * @param error          why it was not delivered, for operators; empty when delivered
 * @param retryAfter     how long the receiver asked us to wait ({@code Retry-After}), when it did
 */
public record Delivery(Result result, Optional<Integer> responseStatus, Optional<String> error,
                       Optional<Duration> retryAfter) {

    /** The three ways an attempt ends. */
    public enum Result {
        /** The receiver accepted the notification. */
        DELIVERED,
        /** The receiver refused it and would refuse it again (e.g. HTTP 400): not retried. */
        REJECTED,
        /** It may work later (timeout, connection refused, 429, 5xx): retried with backoff. */
        RETRY
    }

    public Delivery {
        Objects.requireNonNull(result, "result");
        Objects.requireNonNull(responseStatus, "responseStatus");
        Objects.requireNonNull(error, "error");
        Objects.requireNonNull(retryAfter, "retryAfter");
    }

    public static Delivery delivered(Integer status) {
        return new Delivery(Result.DELIVERED, Optional.ofNullable(status), Optional.empty(), Optional.empty());
    }

    public static Delivery rejected(Integer status, String error) {
        return new Delivery(Result.REJECTED, Optional.ofNullable(status), Optional.of(error), Optional.empty());
    }

    public static Delivery retry(Integer status, String error) {
        return new Delivery(Result.RETRY, Optional.ofNullable(status), Optional.of(error), Optional.empty());
    }

    public static Delivery retry(Integer status, String error, Optional<Duration> retryAfter) {
        return new Delivery(Result.RETRY, Optional.ofNullable(status), Optional.of(error), retryAfter);
    }

    public boolean delivered() {
        return result == Result.DELIVERED;
    }
}
