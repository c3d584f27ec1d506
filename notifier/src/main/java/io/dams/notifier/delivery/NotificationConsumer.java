package io.dams.notifier.delivery;

import io.dams.notifier.channel.Channels;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.topics.Topics;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.clients.consumer.CloseOptions;
import org.apache.kafka.clients.consumer.CommitFailedException;
import org.apache.kafka.clients.consumer.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRebalanceListener;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RebalanceInProgressException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.Deserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads {@code dams.alerts.notifications} and hands each notification to its channels' dispatchers; commits a
 * notification's offset only once every one of its channels has its outcome in the delivery log. Bad records (that
 * cannot be decoded, that name no channel or an unknown one) are counted, logged in one line and recorded as REJECTED;
 * they never stop the loop. While a channel's queue is full, reading pauses (backpressure) until it drains.
 *
 * <p>On a rebalance, revoked partitions' waiting jobs are abandoned after any attempt in flight has finished and its
 * outcome is written; newly assigned partitions are read only after the delivery log has been read to its end, so
 * that what the previous owner delivered is not delivered again.
 */
public final class NotificationConsumer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(NotificationConsumer.class);
    private static final Duration POLL = Duration.ofMillis(100);
    private static final Duration LEDGER_TIMEOUT = Duration.ofSeconds(60);
    private static final Duration PRUNE_EVERY = Duration.ofMinutes(10);

    private final Consumer<String, byte[]> consumer;
    private final Deserializer<Notification> values;
    private final Channels channels;
    private final Map<String, ChannelDispatcher> dispatchers;
    private final DeliveryLedger ledger;
    private final OutcomeRecorder recorder;
    private final PendingOffsets offsets;
    private final DeliveryLog log;
    private final NotifierMetrics metrics;
    private final Duration shutdownGrace;
    private final Duration attemptTimeout;
    private final Thread thread;

    private volatile boolean running = true;
    private volatile Throwable failure;
    private long sequence;
    private boolean paused;
    private long lastPruneNanos = System.nanoTime();

    /**
     * @param attemptTimeout the longest one attempt can take; a revocation waits this long for an attempt in flight
     */
    public NotificationConsumer(Consumer<String, byte[]> consumer, Deserializer<Notification> values, Channels channels,
                                Map<String, ChannelDispatcher> dispatchers, DeliveryLedger ledger,
                                OutcomeRecorder recorder, PendingOffsets offsets, DeliveryLog log,
                                NotifierMetrics metrics, Duration shutdownGrace, Duration attemptTimeout) {
        this.consumer = consumer;
        this.values = values;
        this.channels = channels;
        this.dispatchers = Map.copyOf(dispatchers);
        this.ledger = ledger;
        this.recorder = recorder;
        this.offsets = offsets;
        this.log = log;
        this.metrics = metrics;
        this.shutdownGrace = shutdownGrace;
        this.attemptTimeout = attemptTimeout;
        this.thread = new Thread(this::run, "dams-notifier-consumer");
    }

    /** Reads the delivery log, then starts reading notifications on its own thread. */
    public void start() {
        ledger.catchUp(LEDGER_TIMEOUT);
        metrics.ledger(ledger::size);
        consumer.subscribe(List.of(Topics.ALERTS_NOTIFICATIONS.name()), new Rebalance());
        thread.start();
    }

    /** Null while reading; why reading stopped otherwise. */
    public Throwable failure() {
        return failure;
    }

    public boolean running() {
        return running && thread.isAlive() && failure == null;
    }

    /** Notifications read and not yet finished on every channel. */
    public int unfinished() {
        return offsets.unfinished();
    }

    private void run() {
        try {
            while (running) {
                for (ConsumerRecord<String, byte[]> record : consumer.poll(POLL)) {
                    handle(record);
                }
                commit();
                applyBackpressure();
                if (System.nanoTime() - lastPruneNanos > PRUNE_EVERY.toNanos()) {
                    ledger.prune();
                    lastPruneNanos = System.nanoTime();
                }
            }
        } catch (WakeupException e) {
            if (running) {
                failure = e;
            }
        } catch (RuntimeException | Error e) {
            failure = e;
            LOG.error("reading {} stopped: {}", Topics.ALERTS_NOTIFICATIONS.name(), e.toString(), e);
        } finally {
            shutdown();
        }
    }

    private void handle(ConsumerRecord<String, byte[]> record) {
        TopicPartition tp = new TopicPartition(record.topic(), record.partition());
        long offset = record.offset();
        Notification n;
        try {
            n = values.deserialize(record.topic(), record.headers(), record.value());
            if (n == null) {
                throw new KafkaException("the record has no value");
            }
        } catch (RuntimeException e) {
            String reason = "undecodable notification: " + e.getMessage();
            metrics.badInput("undecodable");
            LOG.warn("{}-{}@{} (key {}): {}; recorded as rejected", tp.topic(), tp.partition(), offset, record.key(),
                    reason);
            if (ledger.isDone(OutcomeRecorder.undecodableId(tp, offset), OutcomeRecorder.NO_CHANNEL)) {
                offsets.read(tp, offset, 0);
            } else {
                offsets.read(tp, offset, 1);
                recorder.rejectUndecodable(record.key(), reason, tp, offset);
            }
            return;
        }
        List<String> names = channels.resolve(n.getChannels());
        if (names.isEmpty()) {
            metrics.badInput("no_channels");
            LOG.warn("notification {} (group {}) names no channel; recorded as rejected", n.getNotificationId(),
                    n.getGroupKey());
            boolean done = ledger.isDone(n.getNotificationId(), OutcomeRecorder.NO_CHANNEL);
            offsets.read(tp, offset, done ? 0 : 1);
            if (!done) {
                recorder.rejectWithoutAttempt(n, OutcomeRecorder.NO_CHANNEL, "the notification names no channel",
                        tp, offset);
            }
            return;
        }
        offsets.read(tp, offset, names.size());
        for (String name : names) {
            if (ledger.isDone(n.getNotificationId(), name)) {
                LOG.info("{}: notification {} (group {}) already has an outcome in the delivery log; not sent again",
                        name, n.getNotificationId(), n.getGroupKey());
                metrics.duplicateSkipped(name);
                offsets.complete(tp, offset);
                continue;
            }
            ChannelDispatcher dispatcher = dispatchers.get(name);
            if (dispatcher == null) {
                metrics.badInput("unknown_channel");
                String reason = "unknown channel '" + name + "'; configured: " + channels.names();
                LOG.warn("notification {} (group {}, rule {}): {}; recorded as rejected", n.getNotificationId(),
                        n.getGroupKey(), n.getRuleName(), reason);
                recorder.rejectWithoutAttempt(n, name, reason, tp, offset);
                continue;
            }
            if (!dispatcher.submit(new DeliveryJob(n, name, tp, offset, sequence++))) {
                metrics.duplicateSkipped(name);
                offsets.complete(tp, offset);
            }
        }
    }

    private void commit() {
        Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(offsets.committable());
        commit.keySet().retainAll(consumer.assignment());
        if (commit.isEmpty()) {
            return;
        }
        try {
            consumer.commitSync(commit);
            offsets.committed(commit);
        } catch (CommitFailedException | RebalanceInProgressException e) {
            // The partitions moved; their new owner starts from the last commit and the delivery log skips what is done.
            LOG.info("offset commit skipped during a rebalance: {}", e.getMessage());
        }
    }

    private void applyBackpressure() {
        boolean full = dispatchers.values().stream().anyMatch(ChannelDispatcher::full);
        if (full) {
            consumer.pause(consumer.assignment());
            if (!paused) {
                LOG.info("a channel queue is full; reading notifications pauses until it drains");
            }
        } else if (paused) {
            consumer.resume(consumer.paused());
            LOG.info("reading notifications resumes");
        }
        paused = full;
    }

    private void shutdown() {
        long deadline = System.nanoTime() + shutdownGrace.toNanos();
        dispatchers.values().forEach(ChannelDispatcher::stop);
        for (ChannelDispatcher d : dispatchers.values()) {
            d.close(Duration.ofNanos(Math.max(0, deadline - System.nanoTime())));
        }
        if (!log.awaitWritten(Duration.ofSeconds(10))) {
            LOG.warn("some outcomes were not acknowledged by Kafka before stopping; their notifications will be "
                    + "delivered again after the restart");
        }
        try {
            try {
                commit();
            } catch (WakeupException e) {
                commit(); // the wakeup of close() had not been consumed by a poll yet
            }
        } catch (RuntimeException e) {
            LOG.warn("last offset commit failed: {}", e.toString());
        }
        try {
            consumer.close(CloseOptions.timeout(Duration.ofSeconds(10)));
        } catch (RuntimeException e) {
            LOG.warn("closing the notifications consumer: {}", e.toString());
        }
    }

    /** Stops reading, lets attempts in flight finish within the shutdown grace, records and commits what finished. */
    @Override
    public void close() {
        running = false;
        if (!thread.isAlive() && failure == null && thread.getState() == Thread.State.NEW) {
            consumer.close(CloseOptions.timeout(Duration.ZERO)); // start() failed before reading began
            return;
        }
        consumer.wakeup();
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private final class Rebalance implements ConsumerRebalanceListener {

        @Override
        public void onPartitionsRevoked(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                for (ChannelDispatcher d : dispatchers.values()) {
                    d.abandon(partitions, attemptTimeout.plusSeconds(1));
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            log.awaitWritten(Duration.ofSeconds(10));
            Map<TopicPartition, OffsetAndMetadata> commit = new HashMap<>(offsets.committable());
            commit.keySet().retainAll(Set.copyOf(partitions));
            if (!commit.isEmpty()) {
                try {
                    consumer.commitSync(commit);
                } catch (KafkaException e) {
                    LOG.info("offset commit on revocation failed: {}", e.getMessage());
                }
            }
            offsets.forget(partitions);
            LOG.info("partitions {} revoked", partitions);
        }

        @Override
        public void onPartitionsLost(Collection<TopicPartition> partitions) {
            try {
                for (ChannelDispatcher d : dispatchers.values()) {
                    d.abandon(partitions, Duration.ZERO);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            offsets.forget(partitions);
            LOG.warn("partitions {} lost", partitions);
        }

        @Override
        public void onPartitionsAssigned(Collection<TopicPartition> partitions) {
            if (partitions.isEmpty()) {
                return;
            }
            try {
                ledger.catchUp(LEDGER_TIMEOUT);
            } catch (KafkaException e) {
                LOG.warn("cannot read the delivery log before taking partitions {}: {}; notifications another instance "
                        + "delivered may be delivered again", partitions, e.toString());
            }
            LOG.info("partitions {} assigned", partitions);
        }
    }
}
