package io.dams.notifier.delivery;

import io.dams.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndTimestamp;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Which (notification, channel) pairs already have a final outcome, read from the delivery log
 * ({@code dams.notifications.log}, key {@code notification_id/channel}) and kept up to date as outcomes are recorded:
 * the guard that keeps a notification from going out twice on a channel after a restart or a rebalance.
 *
 * <p>Only the keys are read (every record of the log is a final outcome), from {@code lookback} ago to the log's end
 * at start and again whenever partitions of the notifications topic are assigned, so that outcomes another instance
 * recorded before giving them up are known. Entries older than {@code lookback} are forgotten: a notification that old
 * is past the notifications topic's retention and cannot come back.
 */
public final class DeliveryLedger implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLedger.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private final Consumer<String, byte[]> log;
    private final Duration lookback;
    private final Clock clock;
    private final Map<String, Long> done = new ConcurrentHashMap<>();
    private boolean positioned;

    /** @param log a consumer of the delivery log without a group (it is assigned, not subscribed) */
    public DeliveryLedger(Consumer<String, byte[]> log, Duration lookback, Clock clock) {
        this.log = log;
        this.lookback = lookback;
        this.clock = clock;
    }

    /** The delivery log's key of a notification on a channel. */
    public static String key(String notificationId, String channel) {
        return notificationId + "/" + channel;
    }

    public boolean isDone(String notificationId, String channel) {
        return done.containsKey(key(notificationId, channel));
    }

    /** Records an outcome this instance has written to the log. */
    public void markDone(String notificationId, String channel, long finishedAtMillis) {
        done.put(key(notificationId, channel), finishedAtMillis);
    }

    public int size() {
        return done.size();
    }

    /**
     * Reads the delivery log up to its current end (from {@code lookback} ago on the first call). Not thread-safe:
     * called from the notifications consumer's thread only.
     *
     * @throws org.apache.kafka.common.errors.TimeoutException when the log cannot be read within {@code timeout}
     */
    public void catchUp(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        if (!positioned) {
            position(timeout);
            positioned = true;
        }
        Map<TopicPartition, Long> end = log.endOffsets(log.assignment(), timeout);
        int read = 0;
        while (!reached(end)) {
            if (System.nanoTime() > deadline) {
                throw new org.apache.kafka.common.errors.TimeoutException("the delivery log "
                        + Topics.NOTIFICATIONS_LOG.name() + " was not read to its end within " + timeout.toMillis() + " ms");
            }
            for (ConsumerRecord<String, byte[]> r : log.poll(POLL)) {
                if (r.key() != null) {
                    done.merge(r.key(), r.timestamp(), Math::max);
                    read++;
                }
            }
        }
        prune();
        if (read > 0) {
            LOG.info("delivery log read: {} outcomes, {} (notification, channel) pairs known", read, done.size());
        }
    }

    private void position(Duration timeout) {
        List<PartitionInfo> partitions = log.partitionsFor(Topics.NOTIFICATIONS_LOG.name(), timeout);
        if (partitions == null || partitions.isEmpty()) {
            throw new IllegalStateException("the delivery log topic " + Topics.NOTIFICATIONS_LOG.name()
                    + " does not exist; create the catalogue's topics first");
        }
        List<TopicPartition> tps = partitions.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        log.assign(tps);
        long since = clock.millis() - lookback.toMillis();
        Map<TopicPartition, Long> query = new HashMap<>();
        tps.forEach(tp -> query.put(tp, since));
        Map<TopicPartition, OffsetAndTimestamp> from = log.offsetsForTimes(query, timeout);
        Map<TopicPartition, Long> end = log.endOffsets(tps, timeout);
        for (TopicPartition tp : tps) {
            OffsetAndTimestamp at = from.get(tp);
            log.seek(tp, at != null ? at.offset() : end.get(tp));
        }
    }

    private boolean reached(Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (log.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    /** Forgets outcomes older than the lookback. */
    public void prune() {
        long oldest = clock.millis() - lookback.toMillis();
        done.values().removeIf(at -> at < oldest);
    }

    @Override
    public void close() {
        log.close();
    }
}
