package io.dams.notifier.delivery;

import io.dams.notifier.channel.Delivery;
import io.dams.schemas.avro.DeliveryOutcome;
import java.time.Instant;
import java.util.Optional;

/**
 * The final outcome of a delivery job: what the delivery log records.
 *
 * @param last             the last attempt's result; empty when no attempt was made (e.g. an unknown channel)
 * @param deadLetterReason why retries stopped ({@code max_attempts} or {@code max_time}), for dead letters
 */
public record Outcome(DeliveryJob job, DeliveryOutcome outcome, int attempts, Instant firstAttemptAt,
                      Instant finishedAt, Optional<Delivery> last, Optional<String> deadLetterReason) {
}
