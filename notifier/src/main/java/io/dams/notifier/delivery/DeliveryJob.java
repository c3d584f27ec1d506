package io.dams.notifier.delivery;

import io.dams.schemas.avro.Notification;
import java.time.Instant;
import java.util.Objects;
import org.apache.kafka.common.TopicPartition;

/**
 * One notification to deliver on one channel, with where it was read from (so that its offset can be committed once
 * every channel has an outcome) and its retry state, which only the channel's dispatcher touches (under its lock or
 * on its worker thread).
 */
public final class DeliveryJob {

    private final Notification notification;
    private final String channel;
    private final TopicPartition partition;
    private final long offset;
    final long sequence;

    int attempts;
    Instant firstAttemptAt;
    long firstAttemptNanos;
    long nextAttemptNanos;
    boolean waitingForRetry;
    boolean abandoned;

    public DeliveryJob(Notification notification, String channel, TopicPartition partition, long offset, long sequence) {
        this.notification = Objects.requireNonNull(notification, "notification");
        this.channel = Objects.requireNonNull(channel, "channel");
        this.partition = Objects.requireNonNull(partition, "partition");
        this.offset = offset;
        this.sequence = sequence;
    }

    public Notification notification() {
        return notification;
    }

    public String notificationId() {
        return notification.getNotificationId();
    }

    public String channel() {
        return channel;
    }

    public TopicPartition partition() {
        return partition;
    }

    public long offset() {
        return offset;
    }

    @Override
    public String toString() {
        return "notification " + notificationId() + " (group " + notification.getGroupKey() + ") on " + channel;
    }
}
