package io.dams.streams.iq;

import java.util.Map;

/** The latest value of one series of an asset. */
public record SeriesValue(String name, Map<String, String> labels, long timestampMs, double value) {
}
