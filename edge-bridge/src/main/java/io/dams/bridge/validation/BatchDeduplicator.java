package io.dams.bridge.validation;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recognises batches an agent replays, by {@code (agent_id, seq)}, so that the bridge forwards each batch once.
 *
 * <p><b>Protocol.</b> For every batch the service calls {@link #firstTime}; when that answers true it must later call
 * exactly one of {@link #accepted} (the batch is durable, in Kafka or the spool) or {@link #failed} (it is not; the
 * agent will retry it). A batch is a duplicate while its first copy is in flight and once it is accepted; after a
 * failure its retry is new again.
 *
 * <p><b>What is remembered.</b> Per agent a watermark: every seq at or below it is settled. It follows the highest
 * accepted seq, except that it does not pass a lower seq still in flight or failed and awaiting its retry: durability
 * callbacks may complete out of order, and a watermark that jumped over a failed batch would drop its retry. Seqs
 * above the watermark are held in memory; a failed seq that the agent does not retry before
 * {@value #MAX_UNSETTLED_PER_AGENT} later batches are settled is given up on (logged), which bounds that memory.
 *
 * <p><b>Restarts.</b> Only the watermarks are persisted, in an H2 MVStore file, written by MVStore's background
 * auto-commit (about once a second) and on {@link #close}. After a SIGKILL or power loss the watermarks may be up to
 * that auto-commit behind, and accepted batches above a watermark are forgotten; a replay of such a batch is then
 * forwarded a second time. That is a duplicate, never a loss (the watermark is never ahead of what is durable), and
 * Streams ingest dedupes again by {@code (agent_id, seq)} downstream. In-flight batches need no persisting: the agent
 * never got their Ack and sends them again.
 *
 * <p>Seqs compare as signed longs; the wire's uint64 values from 2⁶³ up never occur in practice. Thread-safe.
 */
public final class BatchDeduplicator implements AutoCloseable {

    static final String BATCHES_METER = "dams.bridge.batches";
    static final String WATERMARKS_MAP = "watermarks";
    static final int MAX_UNSETTLED_PER_AGENT = 4096;
    private static final long NOTHING_ACCEPTED = -1;
    private static final Logger LOG = LoggerFactory.getLogger(BatchDeduplicator.class);

    private enum State { IN_FLIGHT, ACCEPTED, FAILED }

    private final Path file;
    private final MVStore store;
    private final MVMap<String, Long> watermarks;
    private final ConcurrentHashMap<String, AgentSeqs> agents = new ConcurrentHashMap<>();
    private final Counter duplicates;

    private BatchDeduplicator(Path file, MVStore store, MeterRegistry registry) {
        this.file = file;
        this.store = store;
        this.watermarks = store.openMap(WATERMARKS_MAP);
        // Only the result tag, like the service's other dams.bridge.batches counters: meters of one name must share
        // their tag keys, or the Prometheus registry silently drops the odd ones out.
        this.duplicates = Counter.builder(BATCHES_METER)
                .tag("result", "duplicate")
                .register(registry);
    }

    /** Opens (or creates) the watermark store in {@code file}. */
    public static BatchDeduplicator open(Path file, MeterRegistry registry) {
        Objects.requireNonNull(registry, "registry");
        Path absolute = file.toAbsolutePath();
        try {
            Files.createDirectories(absolute.getParent());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the directory of the dedupe store " + absolute, e);
        }
        MVStore store;
        try {
            store = new MVStore.Builder().fileName(absolute.toString()).open();
        } catch (MVStoreException e) {
            throw new IllegalStateException("cannot open the dedupe store " + absolute + ": " + e.getMessage()
                    + " (held by another bridge? a damaged file may be deleted: replays are then forwarded once more,"
                    + " and deduped downstream)", e);
        }
        BatchDeduplicator deduplicator = new BatchDeduplicator(absolute, store, registry);
        LOG.info("Dedupe store {} opened with the watermarks of {} agents", absolute, deduplicator.watermarks.size());
        return deduplicator;
    }

    /**
     * True when batch {@code seq} of {@code agentId} is to be forwarded: it was neither accepted before nor is a copy
     * of it in flight. The batch then counts as in flight until {@link #accepted} or {@link #failed}. A false answer is
     * counted in {@code dams_bridge_batches_total{result="duplicate"}}.
     */
    public boolean firstTime(String agentId, long seq) {
        AgentSeqs seqs = seqsOf(agentId);
        boolean first;
        synchronized (seqs) {
            first = seqs.claim(seq);
        }
        if (!first) {
            duplicates.increment();
        }
        return first;
    }

    /** Batch {@code seq} of {@code agentId} is durable: replays of it are duplicates from now on, restarts included. */
    public void accepted(String agentId, long seq) {
        settle(agentId, seq, State.ACCEPTED);
    }

    /** Batch {@code seq} of {@code agentId} could not be made durable: its retry is to be forwarded. */
    public void failed(String agentId, long seq) {
        settle(agentId, seq, State.FAILED);
    }

    /** Writes the watermarks and closes the file. */
    @Override
    public void close() {
        synchronized (store) {
            if (store.isClosed()) {
                return;
            }
            store.commit();
            store.close();
        }
        LOG.info("Dedupe store {} closed", file);
    }

    private void settle(String agentId, long seq, State outcome) {
        AgentSeqs seqs = seqsOf(agentId);
        synchronized (seqs) {
            long before = seqs.watermark;
            seqs.settle(agentId, seq, outcome);
            // Under the agent's lock, so that a lower watermark is never written after a higher one.
            if (seqs.watermark != before) {
                watermarks.put(agentId, seqs.watermark);
            }
        }
    }

    private AgentSeqs seqsOf(String agentId) {
        AgentSeqs seqs = agents.get(agentId);
        if (seqs != null) {
            return seqs;
        }
        return agents.computeIfAbsent(agentId, id -> new AgentSeqs(watermarks.getOrDefault(id, NOTHING_ACCEPTED)));
    }

    /** One agent's watermark and the seqs above it that are not settled into it yet. */
    private static final class AgentSeqs {

        private long watermark;
        private final TreeMap<Long, State> aboveWatermark = new TreeMap<>();

        AgentSeqs(long watermark) {
            this.watermark = watermark;
        }

        boolean claim(long seq) {
            if (seq <= watermark) {
                return false;
            }
            State state = aboveWatermark.get(seq);
            if (state == State.IN_FLIGHT || state == State.ACCEPTED) {
                return false;
            }
            aboveWatermark.put(seq, State.IN_FLIGHT);
            return true;
        }

        void settle(String agentId, long seq, State outcome) {
            if (seq <= watermark) {
                return;
            }
            State state = aboveWatermark.get(seq);
            // An accepted batch stays accepted; anything else (in flight, or unknown to us) takes the outcome.
            if (state == State.ACCEPTED || (outcome == State.FAILED && state == null)) {
                return;
            }
            aboveWatermark.put(seq, outcome);
            advance(agentId);
        }

        private void advance(String agentId) {
            while (!aboveWatermark.isEmpty()) {
                Map.Entry<Long, State> lowest = aboveWatermark.firstEntry();
                boolean givenUp = lowest.getValue() == State.FAILED && aboveWatermark.size() > MAX_UNSETTLED_PER_AGENT;
                if (lowest.getValue() != State.ACCEPTED && !givenUp) {
                    return;
                }
                if (givenUp) {
                    LOG.warn("Agent {}: batch {} failed and was not retried during {} later batches; a late retry "
                            + "of it will be dropped as a duplicate", agentId, lowest.getKey(), MAX_UNSETTLED_PER_AGENT);
                }
                watermark = lowest.getKey();
                aboveWatermark.pollFirstEntry();
            }
        }
    }
}
