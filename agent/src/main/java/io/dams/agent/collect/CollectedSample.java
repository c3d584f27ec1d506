package io.dams.agent.collect;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One observation the agent collected: a metric name, its labels, event time and value.
 *
 * @param labels      an immutable copy that iterates in label-name order, so equal series compare and print alike
 * @param timestampMs event time, milliseconds since the Unix epoch
 */
public record CollectedSample(String name, Map<String, String> labels, long timestampMs, double value) {

    private static final Map<String, String> NO_LABELS = Collections.emptySortedMap();

    public CollectedSample {
        Objects.requireNonNull(name, "name");
        labels = labels == null || labels.isEmpty() ? NO_LABELS : Collections.unmodifiableSortedMap(new TreeMap<>(labels));
    }

    /** A sample without labels. */
    public static CollectedSample of(String name, long timestampMs, double value) {
        return new CollectedSample(name, NO_LABELS, timestampMs, value);
    }
}
