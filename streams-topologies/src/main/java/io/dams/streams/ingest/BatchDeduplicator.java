package io.dams.streams.ingest;

import io.dams.streams.batch.AvroBatch;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;

/**
 * Drops a batch whose (agent_id, seq) was seen within the TTL: the bridge's spool and the agent's outbox replay
 * batches, and a replay must not count twice. The ids live in a window store anchored at the record timestamp (the
 * hub's send time), so they expire segment by segment once stream time has moved a TTL past them: memory is bounded
 * by the batch rate times the TTL, and no scan is needed to forget.
 */
final class BatchDeduplicator implements Processor<String, AvroBatch, String, AvroBatch> {

    /** (agent_id, seq) → record timestamp when first seen. */
    static final String STORE = "dedupe";

    private final long ttlMs;
    private final IngestMetrics metrics;
    private ProcessorContext<String, AvroBatch> context;
    private WindowStore<String, Long> seen;

    BatchDeduplicator(Duration ttl, IngestMetrics metrics) {
        this.ttlMs = ttl.toMillis();
        this.metrics = metrics;
    }

    static StoreBuilder<WindowStore<String, Long>> store(Duration ttl) {
        // Window size 1 ms: each id is a point in time; retention is what bounds the store.
        return Stores.windowStoreBuilder(
                Stores.persistentWindowStore(STORE, ttl, Duration.ofMillis(1), false),
                Serdes.String(), Serdes.Long());
    }

    @Override
    public void init(ProcessorContext<String, AvroBatch> context) {
        this.context = context;
        this.seen = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, AvroBatch> record) {
        AvroBatch batch = record.value();
        if (batch == null || record.key() == null) {
            // A tombstone, or a record not keyed by asset: it is on a partition that does not own its asset's state.
            metrics.invalid.increment();
            return;
        }
        String id = batch.agentId() + "#" + batch.seq();
        long at = record.timestamp();
        try (WindowStoreIterator<Long> earlier = seen.fetch(id, Math.max(0, at - ttlMs), at + ttlMs)) {
            if (earlier.hasNext()) {
                metrics.duplicate.increment();
                return;
            }
        }
        seen.put(id, at, at);
        context.forward(record);
    }
}
