package io.dams.bridge.validation;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Validated;
import java.time.Duration;

/**
 * What the edge bridge accepts from an agent: batch size, name and label shape, timestamp window and series cardinality
 * per asset (YAML key {@code validation}).
 *
 * @param maxSamplesPerBatch  more samples than this refuses the whole batch ({@code BATCH_TOO_MANY_SAMPLES})
 * @param maxBatchBytes       a larger serialized batch is refused whole ({@code BATCH_TOO_LARGE}); the gRPC server's
 *                            maximum inbound message size must be at least this, or gRPC refuses it first
 * @param maxLabelsPerSeries  labels per sample, the metric name not included
 * @param maxLabelNameLength  in characters (UTF-16 units), like the two below
 * @param maxLabelValueLength longer values are {@code LABEL_TOO_LONG}
 * @param maxMetricNameLength longer names are {@code INVALID_METRIC_NAME}
 * @param maxSeriesPerAsset   distinct series (name + label set) an asset may have alive at once
 * @param seriesIdleExpiry    a series not seen for this long stops counting against {@code maxSeriesPerAsset}
 * @param maxFutureSkew       samples stamped further ahead of the bridge clock are {@code TIMESTAMP_TOO_NEW}
 * @param maxPastAge          samples older than this are {@code TIMESTAMP_TOO_OLD}
 */
public record ValidationLimits(
        int maxSamplesPerBatch,
        ByteSize maxBatchBytes,
        int maxLabelsPerSeries,
        int maxLabelNameLength,
        int maxLabelValueLength,
        int maxMetricNameLength,
        int maxSeriesPerAsset,
        Duration seriesIdleExpiry,
        Duration maxFutureSkew,
        Duration maxPastAge) implements Validated {

    /** The key this record sits under in the bridge configuration; error messages start with it. */
    static final String KEY = "validation";

    // Durations beyond this are surely a typo (and would overflow the limiter's second-resolution clock).
    private static final Duration LONGEST = Duration.ofDays(365);

    public static ValidationLimits defaults() {
        return new ValidationLimits(
                10_000,
                ByteSize.ofMebibytes(4),
                30,
                128,
                1024,
                200,
                10_000,
                Duration.ofHours(1),
                Duration.ofMinutes(5),
                Duration.ofHours(1));
    }

    @Override
    public void validate() {
        atLeastOne(maxSamplesPerBatch, "maxSamplesPerBatch");
        ConfigException.require(maxBatchBytes != null, KEY + ".maxBatchBytes", "must be set");
        ConfigException.require(maxBatchBytes.bytes() >= 1, KEY + ".maxBatchBytes", "must be at least 1 byte");
        atLeastOne(maxLabelsPerSeries, "maxLabelsPerSeries");
        atLeastOne(maxLabelNameLength, "maxLabelNameLength");
        atLeastOne(maxLabelValueLength, "maxLabelValueLength");
        atLeastOne(maxMetricNameLength, "maxMetricNameLength");
        atLeastOne(maxSeriesPerAsset, "maxSeriesPerAsset");
        // The series limiter keeps last-seen times in whole seconds.
        duration(seriesIdleExpiry, "seriesIdleExpiry", Duration.ofSeconds(1), "must be at least 1s");
        duration(maxFutureSkew, "maxFutureSkew", Duration.ZERO, "must not be negative");
        duration(maxPastAge, "maxPastAge", Duration.ofMillis(1), "must be positive");
    }

    private static void atLeastOne(int value, String name) {
        ConfigException.require(value >= 1, KEY + "." + name, "must be at least 1");
    }

    private static void duration(Duration value, String name, Duration min, String tooSmall) {
        ConfigException.require(value != null, KEY + "." + name, "must be set");
        ConfigException.require(value.compareTo(min) >= 0, KEY + "." + name, tooSmall);
        ConfigException.require(value.compareTo(LONGEST) <= 0, KEY + "." + name, "must be at most 365d");
    }
}
