package io.dams.bridge.forward;

import io.dams.runtime.queue.DiskQueue;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the spool to Kafka oldest first while the forwarder is spooling: peeks a chunk, sends it, awaits every
 * acknowledgement, removes it. When what is left fits one chunk and Kafka answers, it hands the forwarder back to
 * direct sends ({@link KafkaForwarder#handOver}). Backs off while Kafka is unreachable; a failed chunk is sent again, so
 * Kafka may see a record twice but never out of order.
 */
final class SpoolReplayer {

    /** Records per round trip: enough to fill the producer's batches, few enough to resend cheaply after a failure. */
    static final int CHUNK = 500;
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration ACK_POLL = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(SpoolReplayer.class);

    private final KafkaForwarder forwarder;
    private final DiskQueue spool;
    private final Producer<String, EncodedBatch> producer;
    private final Thread thread;
    private volatile boolean stopped;
    private final CountDownLatch stopSignal = new CountDownLatch(1);

    SpoolReplayer(KafkaForwarder forwarder, DiskQueue spool, Producer<String, EncodedBatch> producer) {
        this.forwarder = forwarder;
        this.spool = spool;
        this.producer = producer;
        this.thread = KafkaForwarder.daemon(this::run, "dams-spool-replayer");
    }

    void start() {
        thread.start();
    }

    /**
     * Stops replaying; a chunk not yet acknowledged stays in the spool for the next run. The forwarder has already
     * woken the replayer's wait for SPOOLING by closing. Never interrupts the thread: an interrupt during file I/O
     * closes the spool's file channel under H2.
     */
    void stop() {
        stopped = true;
        stopSignal.countDown();
        try {
            thread.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        String lastFailure = null;
        boolean kafkaAnswers = false;
        while (!stopped) {
            try {
                if (!forwarder.awaitSpooling()) {
                    return;
                }
                List<DiskQueue.Entry> chunk = spool.peek(CHUNK);
                if (chunk.isEmpty()) {
                    forwarder.returnToDirectIfDrained();
                    continue;
                }
                Sent sent = null;
                if (kafkaAnswers && chunk.size() < CHUNK) {
                    // Near the tail while Kafka answers: hand over, or batches arriving at the rate the spool drains
                    // would keep it from ever being empty.
                    sent = forwarder.handOver(this::send);
                }
                if (sent == null) {
                    sent = send(chunk);
                }
                String failure = sent.failure() != null ? sent.failure() : awaitAndRemove(sent);
                if (stopped) {
                    return; // a failure caused by stopping is no failure
                }
                kafkaAnswers = failure == null;
                if (failure == null) {
                    backoff = MIN_BACKOFF;
                    lastFailure = null;
                    continue;
                }
                // One line per kind of failure, not one per attempt.
                if (!failure.equals(lastFailure)) {
                    LOG.warn("replaying the spool failed ({}); retrying with backoff up to {} s", failure,
                            MAX_BACKOFF.toSeconds());
                    lastFailure = failure;
                }
                if (stopSignal.await(backoff.toMillis(), TimeUnit.MILLISECONDS)) {
                    return;
                }
                backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
            } catch (InterruptedException e) {
                if (stopped) {
                    return;
                }
            } catch (RuntimeException e) {
                if (stopped) {
                    return; // the spool or the producer closed under us
                }
                LOG.error("replaying the spool failed unexpectedly; retrying in {} s", MAX_BACKOFF.toSeconds(), e);
                try {
                    if (stopSignal.await(MAX_BACKOFF.toMillis(), TimeUnit.MILLISECONDS)) {
                        return;
                    }
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }

    /**
     * Spool records handed to the producer, in order, with their acknowledgements (null for a record discarded as
     * undecodable); {@code failure} says why sending stopped before the end of the chunk, else null.
     */
    record Sent(List<DiskQueue.Entry> entries, List<Future<RecordMetadata>> acks, String failure) {
    }

    /** Hands the chunk to the producer in order, up to the first send that fails at once. */
    Sent send(List<DiskQueue.Entry> chunk) {
        List<DiskQueue.Entry> sentEntries = new ArrayList<>(chunk.size());
        List<Future<RecordMetadata>> acks = new ArrayList<>(chunk.size());
        for (DiskQueue.Entry entry : chunk) {
            EncodedBatch batch;
            try {
                batch = SpoolCodec.decode(entry.payload());
            } catch (IOException e) {
                LOG.error("spool record {} is not a MetricBatch of this version ({}): discarded", entry.id(),
                        e.getMessage());
                forwarder.discardedUndecodable();
                sentEntries.add(entry);
                acks.add(null);
                continue;
            }
            Future<RecordMetadata> ack;
            try {
                ack = producer.send(KafkaForwarder.record(batch));
            } catch (RuntimeException e) {
                // A KafkaException, or the registry client's own when the registry is unreachable.
                return new Sent(sentEntries, acks, KafkaForwarder.rootMessage(e));
            }
            sentEntries.add(entry);
            acks.add(ack);
            // Failed at once (no metadata, no buffer space): later records must not overtake this one.
            if (ack.isDone()) {
                String failure = failedAtOnce(ack);
                if (failure != null) {
                    return new Sent(sentEntries, acks, failure);
                }
            }
        }
        return new Sent(sentEntries, acks, null);
    }

    /**
     * Awaits the acknowledgements in order and removes what Kafka acknowledged, up to the first failure. Returns null
     * when every record is done, else what went wrong.
     */
    private String awaitAndRemove(Sent sent) throws InterruptedException {
        String failure = null;
        long doneThrough = -1;
        List<DiskQueue.Entry> delivered = new ArrayList<>(sent.entries().size());
        for (int i = 0; i < sent.entries().size(); i++) {
            DiskQueue.Entry entry = sent.entries().get(i);
            Future<RecordMetadata> ack = sent.acks().get(i);
            if (ack != null) {
                try {
                    // The producer retries until Kafka is back (a second copy would only follow this one): wait as
                    // long as it takes, unless stopping.
                    if (!awaitAck(ack)) {
                        failure = "stopped";
                        break;
                    }
                    delivered.add(entry);
                } catch (ExecutionException e) {
                    Throwable cause = e.getCause();
                    if (KafkaForwarder.refusedForItsOwnSake(cause)) {
                        LOG.error("Kafka refused spool record {} ({}): discarded", entry.id(), cause.getMessage());
                        forwarder.rejectedTooLarge();
                    } else {
                        failure = KafkaForwarder.rootMessage(cause);
                        break;
                    }
                }
            }
            doneThrough = entry.id();
        }
        if (!delivered.isEmpty()) {
            forwarder.replayed(delivered);
        }
        if (doneThrough >= 0) {
            spool.removeThrough(doneThrough);
        }
        return failure;
    }

    /** Waits for the acknowledgement; false when stopped first. */
    private boolean awaitAck(Future<RecordMetadata> ack) throws ExecutionException, InterruptedException {
        while (true) {
            try {
                ack.get(ACK_POLL.toMillis(), TimeUnit.MILLISECONDS);
                return true;
            } catch (TimeoutException e) {
                if (stopped) {
                    return false;
                }
            }
        }
    }

    /** The failure of a send that completed at once, or null when it succeeded. */
    private static String failedAtOnce(Future<RecordMetadata> ack) {
        try {
            ack.get();
            return null;
        } catch (ExecutionException e) {
            return KafkaForwarder.rootMessage(e.getCause());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }
}
