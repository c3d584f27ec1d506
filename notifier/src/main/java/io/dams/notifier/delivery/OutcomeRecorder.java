package io.dams.notifier.delivery;

import io.dams.notifier.channel.Channel;
import io.dams.notifier.channel.Delivery;
import io.dams.schemas.avro.DeliveryOutcome;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationDelivery;
import java.time.Clock;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;

/**
 * Turns final outcomes into delivery-log records (and dead letters), and only once Kafka has acknowledged them marks
 * the (notification, channel) pair done and lets the notification's offset be committed.
 */
public final class OutcomeRecorder implements OutcomeSink {

    /** The delivery log's channel for a record that names none it could be delivered on. */
    public static final String NO_CHANNEL = "-";

    private final DeliveryLog log;
    private final DeliveryLedger ledger;
    private final PendingOffsets offsets;
    private final NotifierMetrics metrics;
    private final Function<String, String> receivers;
    private final Clock clock;

    /** @param receivers a channel's receiver (no secrets) by channel name; empty for unknown channels */
    public OutcomeRecorder(DeliveryLog log, DeliveryLedger ledger, PendingOffsets offsets, NotifierMetrics metrics,
                           Map<String, Channel> channels, Clock clock) {
        this.log = log;
        this.ledger = ledger;
        this.offsets = offsets;
        this.metrics = metrics;
        this.receivers = name -> channels.containsKey(name) ? channels.get(name).receiver() : "";
        this.clock = clock;
    }

    @Override
    public void finished(Outcome o) {
        DeliveryJob job = o.job();
        Notification n = job.notification();
        Delivery last = o.last().orElse(null);
        NotificationDelivery record = NotificationDelivery.newBuilder()
                .setNotificationId(n.getNotificationId())
                .setGroupKey(n.getGroupKey())
                .setChannel(job.channel())
                .setNotificationStatus(n.getStatus().name())
                .setOutcome(o.outcome())
                .setAttempts(o.attempts())
                .setReceiver(receivers.apply(job.channel()))
                .setResponseStatus(last == null ? null : last.responseStatus().orElse(null))
                .setError(last == null ? null : last.error().orElse(null))
                .setFirstAttemptAt((o.firstAttemptAt() == null ? o.finishedAt() : o.firstAttemptAt()).toEpochMilli())
                .setFinishedAt(o.finishedAt().toEpochMilli())
                .build();
        CompletableFuture<Void> before = o.outcome() == DeliveryOutcome.DEAD_LETTERED
                ? log.deadLetter(n, job.channel(), o.deadLetterReason().orElse("max_attempts"),
                        record.getError() == null ? "" : record.getError(), o.attempts())
                : CompletableFuture.completedFuture(null);
        // The dead letter first: a DEAD_LETTERED record promises that the notification is in the dead-letter topic.
        before.thenCompose(v -> log.record(record)).thenRun(() -> {
            ledger.markDone(n.getNotificationId(), job.channel(), record.getFinishedAt());
            metrics.outcome(job.channel(), o.outcome(), n.getCreatedAt(), o.finishedAt());
            offsets.complete(job.partition(), job.offset());
        });
    }

    @Override
    public void alreadyDone(DeliveryJob job) {
        metrics.duplicateSkipped(job.channel());
        offsets.complete(job.partition(), job.offset());
    }

    /**
     * Records a refusal that needed no attempt (a channel nobody configured, a notification without channels), with
     * the reason, and completes that channel of the notification.
     */
    public void rejectWithoutAttempt(Notification n, String channel, String reason, TopicPartition partition,
                                     long offset) {
        reject(n.getNotificationId(), n.getGroupKey(), channel, n.getStatus().name(), reason, partition, offset);
    }

    /** Records a record that could not be decoded, under a made-up id naming where it lies. */
    public void rejectUndecodable(String groupKey, String reason, TopicPartition partition, long offset) {
        reject(undecodableId(partition, offset), groupKey == null ? "" : groupKey, NO_CHANNEL, "", reason,
                partition, offset);
    }

    /** The delivery log's notification id of an undecodable record: {@code undecodable:<topic>-<partition>@<offset>}. */
    public static String undecodableId(TopicPartition partition, long offset) {
        return "undecodable:" + partition.topic() + "-" + partition.partition() + "@" + offset;
    }

    private void reject(String notificationId, String groupKey, String channel, String status, String reason,
                        TopicPartition partition, long offset) {
        Instant now = clock.instant();
        NotificationDelivery record = NotificationDelivery.newBuilder()
                .setNotificationId(notificationId)
                .setGroupKey(groupKey)
                .setChannel(channel)
                .setNotificationStatus(status)
                .setOutcome(DeliveryOutcome.REJECTED)
                .setAttempts(0)
                .setReceiver(receivers.apply(channel))
                .setResponseStatus(null)
                .setError(reason)
                .setFirstAttemptAt(now.toEpochMilli())
                .setFinishedAt(now.toEpochMilli())
                .build();
        log.record(record).thenRun(() -> {
            // Counted as bad input by the caller, not per channel: a bad record may name any channel at all.
            ledger.markDone(notificationId, channel, now.toEpochMilli());
            offsets.complete(partition, offset);
        });
    }
}
