package io.dams.notifier.delivery;

import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationDelivery;
import io.dams.schemas.topics.Topics;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes the delivery log ({@code dams.notifications.log}) and the dead letters ({@code dams.notifications.dead}).
 * A write Kafka refuses is tried again every {@link #RETRY_EVERY} until it is acknowledged or the log is closed: the
 * notification's offset is committed only after its outcome is in the log, so a lost write would mean a duplicate.
 *
 * <p>Dead letters carry their context in headers: {@value #HEADER_CHANNEL} (the channel that gave up),
 * {@value #HEADER_REASON} ({@code max_attempts} or {@code max_time}), {@value #HEADER_ERROR} (the last error) and
 * {@value #HEADER_ATTEMPTS}.
 */
public final class DeliveryLog implements AutoCloseable {

    public static final String HEADER_CHANNEL = "dams.channel";
    public static final String HEADER_REASON = "dams.reason";
    public static final String HEADER_ERROR = "dams.error";
    public static final String HEADER_ATTEMPTS = "dams.attempts";
    static final Duration RETRY_EVERY = Duration.ofSeconds(1);

    private static final Logger LOG = LoggerFactory.getLogger(DeliveryLog.class);

    private final Producer<String, Object> producer;
    private final NotifierMetrics metrics;
    private final ScheduledExecutorService retries;
    private final Set<CompletableFuture<Void>> pending = ConcurrentHashMap.newKeySet();
    private volatile boolean closed;

    public DeliveryLog(Producer<String, Object> producer, NotifierMetrics metrics) {
        this.producer = producer;
        this.metrics = metrics;
        this.retries = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "dams-notifier-log");
            t.setDaemon(true);
            return t;
        });
    }

    /** Appends an outcome; completes when Kafka has acknowledged it. */
    public CompletableFuture<Void> record(NotificationDelivery delivery) {
        return send(new ProducerRecord<>(Topics.NOTIFICATIONS_LOG.name(), null,
                DeliveryLedger.key(delivery.getNotificationId(), delivery.getChannel()), delivery));
    }

    /** Writes a notification to the dead-letter topic, keyed by its group; completes when acknowledged. */
    public CompletableFuture<Void> deadLetter(Notification notification, String channel, String reason, String error,
                                              int attempts) {
        RecordHeaders headers = new RecordHeaders();
        headers.add(HEADER_CHANNEL, channel.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_REASON, reason.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_ERROR, error.getBytes(StandardCharsets.UTF_8));
        headers.add(HEADER_ATTEMPTS, Integer.toString(attempts).getBytes(StandardCharsets.UTF_8));
        return send(new ProducerRecord<>(Topics.NOTIFICATIONS_DEAD.name(), null, notification.getGroupKey(),
                notification, headers));
    }

    private CompletableFuture<Void> send(ProducerRecord<String, Object> record) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        pending.add(done);
        done.whenComplete((v, e) -> pending.remove(done));
        attempt(record, done);
        return done;
    }

    private void attempt(ProducerRecord<String, Object> record, CompletableFuture<Void> done) {
        if (closed) {
            done.completeExceptionally(new IllegalStateException("the delivery log is closed"));
            return;
        }
        try {
            producer.send(record, (metadata, error) -> {
                if (error == null) {
                    // Off the producer's I/O thread: what follows an acknowledgement may write again.
                    completeOffIoThread(done);
                } else {
                    retryLater(record, done, error);
                }
            });
        } catch (RuntimeException e) {
            retryLater(record, done, e);
        }
    }

    private void completeOffIoThread(CompletableFuture<Void> done) {
        try {
            retries.execute(() -> done.complete(null));
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            done.complete(null);
        }
    }

    private void retryLater(ProducerRecord<String, Object> record, CompletableFuture<Void> done, Throwable error) {
        metrics.logWriteFailure();
        LOG.warn("cannot write to {} (key {}): {}; trying again in {} ms", record.topic(), record.key(), error.toString(),
                RETRY_EVERY.toMillis());
        try {
            retries.schedule(() -> attempt(record, done), RETRY_EVERY.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException closing) {
            done.completeExceptionally(error);
        }
    }

    /** Waits until every write made so far is acknowledged (or failed for good), at most {@code timeout}. */
    public boolean awaitWritten(Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        producer.flush();
        while (!pending.isEmpty()) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return false;
            }
            try {
                CompletableFuture.allOf(pending.toArray(CompletableFuture[]::new)).get(left, TimeUnit.NANOSECONDS);
            } catch (ExecutionException e) {
                // One write failed for good; the others are still awaited.
            } catch (TimeoutException e) {
                return false;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        closed = true;
        retries.shutdownNow();
        pending.forEach(f -> f.completeExceptionally(new IllegalStateException("the delivery log was closed")));
        producer.close(Duration.ofSeconds(5));
    }
}
