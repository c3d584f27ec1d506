package io.dams.streams.rules;

import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Durations;
import java.time.Duration;

/**
 * The rules job's own settings (the {@code rules:} section of a job configuration).
 *
 * @param checkInterval      how often wall-clock checks run: {@code absent()} conditions, alerts of assets gone
 *                           silent, and the evaluation of {@code by (...)} rules across assets
 * @param maxPointsPerSeries the most points one series keeps for rule windows; older points go first (counted)
 * @param maxSeriesPerAsset  the most series one asset keeps for rule windows; more are dropped (counted)
 */
public record RulesSettings(Duration checkInterval, int maxPointsPerSeries, int maxSeriesPerAsset) {

    public static RulesSettings defaults() {
        return new RulesSettings(Duration.ofSeconds(1), 720, 1_000);
    }

    /** Checks every key, naming it under {@code section}. */
    public void validate(String section) {
        String p = section + ".";
        ConfigException.require(checkInterval != null && !checkInterval.isNegative() && !checkInterval.isZero(),
                p + "checkInterval", "must be a positive duration, not "
                        + (checkInterval == null ? "nothing" : Durations.format(checkInterval)));
        ConfigException.require(maxPointsPerSeries >= 2, p + "maxPointsPerSeries",
                "must be at least 2 (rate needs two points), not " + maxPointsPerSeries);
        ConfigException.require(maxSeriesPerAsset >= 1, p + "maxSeriesPerAsset",
                "must be at least 1, not " + maxSeriesPerAsset);
    }
}
