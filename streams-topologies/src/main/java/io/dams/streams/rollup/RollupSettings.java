package io.dams.streams.rollup;

import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Durations;
import java.time.Duration;

/**
 * The rollup job's own settings (the {@code rollup:} section of a job configuration).
 *
 * @param grace how long after a window's end (in stream time) its late samples are still counted in; the window's one
 *              final result is emitted after it, and samples arriving later are counted and dropped
 */
public record RollupSettings(Duration grace) {

    public static RollupSettings defaults() {
        return new RollupSettings(Duration.ofMinutes(2));
    }

    public void validate(String section) {
        ConfigException.require(grace != null && !grace.isNegative(), section + ".grace",
                "must be 0 or a positive duration, not " + (grace == null ? "nothing" : Durations.format(grace)));
    }
}
