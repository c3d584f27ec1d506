package io.dams.query.silences;

import io.dams.schemas.avro.Silence;
import java.util.Locale;

/** Where a silence is in its life at a given time. */
public enum SilenceState {
    /** Starts later. */
    PENDING,
    /** Mutes matching alerts now. */
    ACTIVE,
    /** Ended; kept until deleted. */
    EXPIRED;

    public static SilenceState of(Silence silence, long nowMs) {
        if (nowMs >= silence.getEndsAt()) {
            return EXPIRED;
        }
        return nowMs < silence.getStartsAt() ? PENDING : ACTIVE;
    }

    /** The state named {@code text} (any case); null when there is none. */
    public static SilenceState parse(String text) {
        for (SilenceState state : values()) {
            if (state.json().equals(text.strip().toLowerCase(Locale.ROOT))) {
                return state;
            }
        }
        return null;
    }

    public String json() {
        return name().toLowerCase(Locale.ROOT);
    }
}
