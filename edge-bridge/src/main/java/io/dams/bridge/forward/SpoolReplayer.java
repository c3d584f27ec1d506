package io.dams.bridge.forward;

import io.dams.runtime.queue.DiskQueue;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains the spool to Kafka oldest first while the forwarder is spooling: peeks a chunk, sends it, awaits every
 * acknowledgement, removes it, and when the spool is empty hands the forwarder back to direct sends. Backs off while
 * Kafka is unreachable; a failed chunk is sent again, so Kafka may see a record twice but never out of order.
 */
final class SpoolReplayer {

    /** Records per round trip: enough to fill the producer's batches, few enough to resend cheaply after a failure. */
    static final int CHUNK = 500;
    static final Duration MIN_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(5);

    private static final Logger LOG = LoggerFactory.getLogger(SpoolReplayer.class);

    private final KafkaForwarder forwarder;
    private final DiskQueue spool;
    private final Producer<String, EncodedBatch> producer;
    private final Thread thread;
    private volatile boolean stopped;

    SpoolReplayer(KafkaForwarder forwarder, DiskQueue spool, Producer<String, EncodedBatch> producer) {
        this.forwarder = forwarder;
        this.spool = spool;
        this.producer = producer;
        this.thread = KafkaForwarder.daemon(this::run, "dams-spool-replayer");
    }

    void start() {
        thread.start();
    }

    /** Stops replaying; a chunk not yet acknowledged stays in the spool for the next run. */
    void stop() {
        stopped = true;
        thread.interrupt();
        try {
            thread.join(STOP_TIMEOUT.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        Duration backoff = MIN_BACKOFF;
        String lastFailure = null;
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
                String failure = replay(chunk);
                if (stopped) {
                    return; // a failure caused by stopping is no failure
                }
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
                Thread.sleep(backoff.toMillis());
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
                sleepQuietly(MAX_BACKOFF);
            }
        }
    }

    /**
     * Sends the chunk in order and removes what Kafka acknowledged, up to the first failure. Returns null when the
     * whole chunk is done, else what went wrong.
     */
    private String replay(List<DiskQueue.Entry> chunk) throws InterruptedException {
        List<DiskQueue.Entry> sentEntries = new ArrayList<>(chunk.size());
        List<Future<RecordMetadata>> acks = new ArrayList<>(chunk.size());
        String failure = null;
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
                failure = KafkaForwarder.rootMessage(e);
                break;
            }
            sentEntries.add(entry);
            acks.add(ack);
            // Failed at once (no metadata, no buffer space): later records must not overtake this one.
            if (ack.isDone() && failedAtOnce(ack)) {
                break;
            }
        }

        long doneThrough = -1;
        List<DiskQueue.Entry> delivered = new ArrayList<>(sentEntries.size());
        for (int i = 0; i < sentEntries.size(); i++) {
            DiskQueue.Entry entry = sentEntries.get(i);
            Future<RecordMetadata> ack = acks.get(i);
            if (ack != null) {
                try {
                    // No timeout: the producer retries until Kafka is back; a second copy would only follow this one.
                    ack.get();
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
        if (doneThrough >= 0) {
            spool.removeThrough(doneThrough);
        }
        if (!delivered.isEmpty()) {
            forwarder.replayed(delivered);
        }
        return failure;
    }

    private static boolean failedAtOnce(Future<RecordMetadata> ack) throws InterruptedException {
        try {
            ack.get();
            return false;
        } catch (ExecutionException e) {
            return true;
        }
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
