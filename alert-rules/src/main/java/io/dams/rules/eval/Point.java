package io.dams.rules.eval;

/** One sample of one series: event time and value. */
public record Point(long timestampMs, double value) {
}
