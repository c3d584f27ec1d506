package io.dams.bridge.validation;

import io.dams.schemas.ingest.v1.Rejection;
import io.dams.schemas.ingest.v1.Sample;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of validating one batch: the samples to forward and the refused ones grouped by reason.
 *
 * <p>The lists are unmodifiable and are not copied here: when nothing is refused, {@code accepted} is the batch's own
 * sample list, so the common case costs no allocation.
 *
 * @param accepted      the accepted samples, in the batch's order
 * @param rejectedCount the refused samples, all reasons together
 * @param rejections    one entry per reason, in {@code RejectReason} number order, each with its count and a
 *                      description of its first offending sample
 */
public record Validation(List<Sample> accepted, int rejectedCount, List<Rejection> rejections) {

    public Validation {
        Objects.requireNonNull(accepted, "accepted");
        Objects.requireNonNull(rejections, "rejections");
    }

    /** True when nothing was refused. */
    public boolean allAccepted() {
        // Not rejectedCount == 0: an empty batch refused as too large refuses no sample but is still refused.
        return rejections.isEmpty();
    }

    public int acceptedCount() {
        return accepted.size();
    }
}
