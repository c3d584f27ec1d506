package io.dams.bridge.validation;

import io.dams.schemas.ingest.v1.Rejection;
import java.util.BitSet;
import java.util.List;
import java.util.Objects;

/**
 * The outcome of validating one batch: which of its samples to forward, and the refused ones grouped by reason.
 *
 * @param acceptedCount the accepted samples
 * @param rejectedCount the refused samples, all reasons together
 * @param rejections    one entry per reason, in {@code RejectReason} number order, each with its count and a
 *                      description of its first offending sample
 * @param refused       the indexes of the refused samples; null when all were accepted (the common case, which then
 *                      allocates nothing) or all refused at once (a batch too large)
 */
public record Validation(int acceptedCount, int rejectedCount, List<Rejection> rejections, BitSet refused) {

    public Validation {
        Objects.requireNonNull(rejections, "rejections");
    }

    /** True when nothing was refused. */
    public boolean allAccepted() {
        // Not rejectedCount == 0: an empty batch refused as too large refuses no sample but is still refused.
        return rejections.isEmpty();
    }

    /** Whether the batch's sample number {@code index} is to be forwarded. */
    public boolean isAccepted(int index) {
        if (refused == null) {
            return index < acceptedCount;
        }
        return index < acceptedCount + rejectedCount && !refused.get(index);
    }
}
