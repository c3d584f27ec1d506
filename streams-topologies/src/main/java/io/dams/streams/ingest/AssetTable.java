package io.dams.streams.ingest;

import io.dams.schemas.avro.Asset;
import io.dams.streams.batch.AvroBatch;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps the local part of the asset table ({@code dams.assets}; a tombstone deletes) and releases, enriched and in
 * order, the batches {@link BatchEnricher} held for an asset that was not known yet.
 */
final class AssetTable implements Processor<String, Asset, String, AvroBatch> {

    private final IngestMetrics metrics;
    private ProcessorContext<String, AvroBatch> context;
    private KeyValueStore<String, Asset> assets;
    private KeyValueStore<String, PendingBatches> pending;

    AssetTable(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, AvroBatch> context) {
        this.context = context;
        this.assets = context.getStateStore(BatchEnricher.ASSETS_STORE);
        this.pending = context.getStateStore(BatchEnricher.PENDING_STORE);
    }

    @Override
    public void process(Record<String, Asset> record) {
        if (record.key() == null) {
            return;
        }
        if (record.value() == null) {
            assets.delete(record.key());
            return;
        }
        assets.put(record.key(), record.value());
        PendingBatches held = pending.delete(record.key());
        if (held == null) {
            return;
        }
        for (PendingBatches.Held batch : held.batches()) {
            metrics.enrichedAfterWait.increment();
            context.forward(new Record<>(record.key(), BatchEnricher.enrich(batch.batch(), record.value()),
                    batch.timestamp()));
        }
    }
}
