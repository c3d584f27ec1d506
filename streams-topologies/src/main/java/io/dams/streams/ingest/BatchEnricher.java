package io.dams.streams.ingest;

import io.dams.schemas.avro.Asset;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.state.RememberedValues;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Fills in a batch's region, site and tags from its asset's entry in {@code dams.assets} (co-partitioned with the
 * raw batches, so the table is local). A batch that arrives before its asset is held, in order, and released enriched
 * by {@link AssetTable} when the asset arrives. A wall-clock check bounds the wait: after {@code enrichmentWait} the
 * held batches go on with only their own region (counted {@code unenriched}), and so do the asset's later batches,
 * without waiting, until it registers.
 */
final class BatchEnricher implements Processor<String, AvroBatch, String, AvroBatch> {

    /** asset_id → the asset's latest registration ({@code dams.assets}). */
    static final String ASSETS_STORE = "assets";
    /** asset_id → batches held until the asset is known. */
    static final String PENDING_STORE = "pending-enrichment";

    /** Registrations kept decoded; past this many it starts again. */
    static final int REMEMBERED_ASSETS = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(BatchEnricher.class);

    private final long waitMs;
    private final Duration checkInterval;
    private final IngestMetrics metrics;
    private ProcessorContext<String, AvroBatch> context;
    private KeyValueStore<String, Asset> assets;
    private KeyValueStore<String, PendingBatches> pending;

    BatchEnricher(IngestSettings settings, IngestMetrics metrics) {
        this.waitMs = settings.enrichmentWait().toMillis();
        this.checkInterval = settings.checkInterval();
        this.metrics = metrics;
    }

    /** Read for every batch, twice: each registration is decoded once ({@link RememberedValues}). */
    static StoreBuilder<KeyValueStore<String, Asset>> assetsStore(Serde<Asset> assetSerde) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ASSETS_STORE), Serdes.String(),
                new RememberedValues<>(assetSerde, REMEMBERED_ASSETS));
    }

    static StoreBuilder<KeyValueStore<String, PendingBatches>> pendingStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(PENDING_STORE), Serdes.String(),
                new PendingBatches.Serde());
    }

    @Override
    public void init(ProcessorContext<String, AvroBatch> context) {
        this.context = context;
        this.assets = context.getStateStore(ASSETS_STORE);
        this.pending = context.getStateStore(PENDING_STORE);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::releaseOverdue);
    }

    @Override
    public void process(Record<String, AvroBatch> record) {
        Asset asset = assets.get(record.key());
        if (asset != null) {
            metrics.enriched.increment();
            context.forward(record.withValue(enrich(record.value(), asset)));
            return;
        }
        PendingBatches held = pending.get(record.key());
        if (held != null && held.passThrough()) {
            metrics.unenriched.increment();
            context.forward(record);
            return;
        }
        long now = context.currentSystemTimeMs();
        pending.put(record.key(), (held == null ? PendingBatches.waiting(now) : held)
                .with(record.timestamp(), record.value()));
    }

    /** Forwards, unenriched, the batches of assets still unknown after the wait. */
    private void releaseOverdue(long now) {
        List<KeyValue<String, PendingBatches>> overdue = new ArrayList<>();
        try (KeyValueIterator<String, PendingBatches> all = pending.all()) {
            while (all.hasNext()) {
                KeyValue<String, PendingBatches> entry = all.next();
                if (entry.value.overdue(now, waitMs)) {
                    overdue.add(entry);
                }
            }
        }
        for (KeyValue<String, PendingBatches> entry : overdue) {
            LOG.info("asset {} is not in the asset table after {} ms: forwarding {} held batch(es) and its next ones"
                    + " with their own region only", entry.key, waitMs, entry.value.batches().size());
            for (PendingBatches.Held held : entry.value.batches()) {
                metrics.unenriched.increment();
                context.forward(new Record<>(entry.key, held.batch(), held.timestamp()));
            }
            pending.put(entry.key, PendingBatches.passingThrough(now));
        }
    }

    /** The batch with its asset's region, site and tags; its samples are copied as they lie. */
    static AvroBatch enrich(AvroBatch batch, Asset asset) {
        String region = asset.getRegion() == null || asset.getRegion().isEmpty() ? batch.region() : asset.getRegion();
        return batch.enriched(region, AvroBatch.siteAndTags(asset.getSite(), asset.getTags()));
    }
}
