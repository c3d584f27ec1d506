package io.dams.notifier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Objects;

/**
 * A configuration value that must never reach a log, a printed configuration or the delivery log: a webhook URL with
 * its token, a routing key, a password, an HMAC secret. It prints as {@code <redacted>} (empty when unset), so
 * {@code toString}, {@code ConfigLoader.toYaml} and exception messages cannot leak it; only {@link #reveal()} gives it.
 */
public final class Secret {

    private static final Secret EMPTY = new Secret("");

    private final String value;

    private Secret(String value) {
        this.value = Objects.requireNonNull(value, "value");
    }

    @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
    public static Secret of(String value) {
        return value == null || value.isEmpty() ? EMPTY : new Secret(value);
    }

    public static Secret empty() {
        return EMPTY;
    }

    public boolean isEmpty() {
        return value.isBlank();
    }

    /** The secret itself, for the one place that sends it. */
    public String reveal() {
        return value;
    }

    @JsonValue
    @Override
    public String toString() {
        return value.isEmpty() ? "" : "<redacted>";
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Secret s && s.value.equals(value);
    }

    @Override
    public int hashCode() {
        return value.hashCode();
    }
}
