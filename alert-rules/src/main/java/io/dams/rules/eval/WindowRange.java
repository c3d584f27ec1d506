package io.dams.rules.eval;

import java.time.Duration;

/**
 * The samples an evaluation at {@code endMs} looks at: timestamps in {@code (endMs - window, endMs]}, open on the
 * left as in Prometheus 3 range selectors (so consecutive windows never count a sample twice).
 */
public record WindowRange(long startExclusiveMs, long endInclusiveMs) {

    public WindowRange {
        if (endInclusiveMs <= startExclusiveMs) {
            throw new IllegalArgumentException("empty window (" + startExclusiveMs + ", " + endInclusiveMs + "]");
        }
    }

    /** The window of length {@code window} ending at {@code endMs}. */
    public static WindowRange ending(long endMs, Duration window) {
        return new WindowRange(endMs - window.toMillis(), endMs);
    }

    public boolean contains(long timestampMs) {
        return timestampMs > startExclusiveMs && timestampMs <= endInclusiveMs;
    }

    public long lengthMs() {
        return endInclusiveMs - startExclusiveMs;
    }
}
