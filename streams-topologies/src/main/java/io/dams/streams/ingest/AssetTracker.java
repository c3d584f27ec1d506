package io.dams.streams.ingest;

import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.AssetEvent;
import io.dams.schemas.avro.AssetEventType;
import io.dams.schemas.avro.Liveness;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesLayout;
import io.dams.streams.batch.SeriesLayouts;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Set;
import java.util.List;
import java.util.Objects;
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
 * Passes every enriched batch on to {@code dams.metrics.samples} and keeps, per asset, the latest value of each series
 * and the asset's health. An asset is DOWN when nothing arrived for {@value #DOWN_AFTER_INTERVALS} of its intervals;
 * a silent asset moves no stream time, so a wall-clock check finds it. It is UP again with its next batch. Health
 * changes (liveness, region, expected interval) go to {@code dams.assets.health}, UP and DOWN also to
 * {@code dams.assets.events}.
 */
final class AssetTracker implements Processor<String, AvroBatch, String, Object> {

    /** asset_id → latest value of every series. */
    static final String LATEST_STORE = "latest-values";
    /** asset_id → health. */
    static final String HEALTH_STORE = "asset-health";

    static final int DOWN_AFTER_INTERVALS = 3;
    /** The schema's default collection interval, for an asset neither registered nor seen twice. */
    static final long DEFAULT_INTERVAL_MS = 10_000;
    /** How often the series layouts no latest value refers to are deleted. */
    static final Duration LAYOUT_SWEEP = Duration.ofHours(1);

    private static final Logger LOG = LoggerFactory.getLogger(AssetTracker.class);

    private final long seriesRetentionMs;
    private final Duration checkInterval;
    private final IngestMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, Asset> assets;
    private KeyValueStore<String, LatestValues> latest;
    private KeyValueStore<String, AssetState> health;
    private SeriesLayouts layouts;
    private long startedAt;

    AssetTracker(IngestSettings settings, IngestMetrics metrics) {
        this.seriesRetentionMs = settings.seriesRetention().toMillis();
        this.checkInterval = settings.checkInterval();
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, LatestValues>> latestStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(LATEST_STORE), Serdes.String(),
                new LatestValues.Serde());
    }

    static StoreBuilder<KeyValueStore<String, AssetState>> healthStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(HEALTH_STORE), Serdes.String(),
                new AssetState.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.assets = context.getStateStore(BatchEnricher.ASSETS_STORE);
        this.latest = context.getStateStore(LATEST_STORE);
        this.health = context.getStateStore(HEALTH_STORE);
        this.layouts = SeriesLayouts.over(context.getStateStore(SeriesLayouts.STORE));
        // After a restart the backlog has not been read yet: nobody is silent for longer than we have been running.
        this.startedAt = context.currentSystemTimeMs();
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::findSilentAssets);
        context.schedule(LAYOUT_SWEEP, PunctuationType.WALL_CLOCK_TIME, now -> forgetUnusedLayouts());
    }

    @Override
    public void process(Record<String, AvroBatch> record) {
        String assetId = record.key();
        AvroBatch batch = record.value();
        context.forward(record, IngestTopology.SAMPLES_SINK);

        SeriesLayout layout = layouts.of(batch);
        LatestValues values = latest.get(assetId);
        latest.put(assetId, (values == null ? LatestValues.empty() : values)
                .merge(batch, layout, layouts, seriesRetentionMs));

        long now = context.currentSystemTimeMs();
        long eventTime = batch.newestTimestamp();
        AssetState before = health.get(assetId);
        long observed = before == null ? 0
                : eventTime > before.lastSeen() ? eventTime - before.lastSeen() : before.observedIntervalMs();
        Asset asset = assets.get(assetId);
        String region = asset != null && !asset.getRegion().isEmpty() ? asset.getRegion() : batch.region();
        long expected = expectedInterval(asset, observed);
        long lastSeen = before == null ? eventTime : Math.max(before.lastSeen(), eventTime);
        boolean cameUp = before == null || before.liveness() == Liveness.DOWN;
        boolean changed = cameUp || !Objects.equals(before.region(), region) || before.expectedIntervalMs() != expected;
        AssetState after = new AssetState(region, Liveness.UP, lastSeen, expected, observed, now,
                changed ? now : before.changedAt(), before == null ? null : before.firing());
        health.put(assetId, after);
        if (changed) {
            context.forward(new Record<>(assetId, after.toHealth(assetId), now), IngestTopology.HEALTH_SINK);
        }
        if (cameUp) {
            metrics.wentUp.increment();
            String detail = before == null ? "first data" : "data again after " + (now - before.lastArrivalMs()) + " ms";
            LOG.info("asset {} ({}) is UP: {}", assetId, region, detail);
            context.forward(new Record<>(assetId, event(assetId, after, AssetEventType.UP, now, detail), now),
                    IngestTopology.EVENTS_SINK);
        }
    }

    /** Marks DOWN every UP asset that sent nothing for {@value #DOWN_AFTER_INTERVALS} intervals. */
    private void findSilentAssets(long now) {
        record Silent(String assetId, AssetState state, long intervalMs) {
        }
        List<Silent> silent = new ArrayList<>();
        try (KeyValueIterator<String, AssetState> all = health.all()) {
            while (all.hasNext()) {
                KeyValue<String, AssetState> entry = all.next();
                AssetState state = entry.value;
                if (state.liveness() == Liveness.UP) {
                    long interval = expectedInterval(assets.get(entry.key), state.observedIntervalMs());
                    long quietSince = Math.max(state.lastArrivalMs(), startedAt);
                    if (now - quietSince >= DOWN_AFTER_INTERVALS * interval) {
                        silent.add(new Silent(entry.key, state, interval));
                    }
                }
            }
        }
        for (Silent s : silent) {
            AssetState down = s.state().down(now);
            health.put(s.assetId(), down);
            metrics.wentDown.increment();
            String detail = "no data for " + (now - s.state().lastArrivalMs()) + " ms (down after "
                    + DOWN_AFTER_INTERVALS + " x " + s.intervalMs() + " ms)";
            LOG.info("asset {} ({}) is DOWN: {}", s.assetId(), down.region(), detail);
            context.forward(new Record<>(s.assetId(), down.toHealth(s.assetId()), now), IngestTopology.HEALTH_SINK);
            context.forward(new Record<>(s.assetId(), event(s.assetId(), down, AssetEventType.DOWN, now, detail), now),
                    IngestTopology.EVENTS_SINK);
        }
    }

    /** Deletes the series layouts that no asset's latest values refer to any more. */
    private void forgetUnusedLayouts() {
        Set<Long> inUse = new HashSet<>();
        try (KeyValueIterator<String, LatestValues> all = latest.all()) {
            all.forEachRemaining(entry -> inUse.addAll(entry.value.layoutIds()));
        }
        int forgotten = layouts.forgetUnused(inUse::contains);
        if (forgotten > 0) {
            LOG.debug("forgot {} series layout(s) no asset uses, {} in use", forgotten, inUse.size());
        }
    }

    /** The registered collection interval, else the observed one, else the schema's default. */
    static long expectedInterval(Asset asset, long observedMs) {
        if (asset != null && asset.getCollectionIntervalMs() > 0) {
            return asset.getCollectionIntervalMs();
        }
        return observedMs > 0 ? observedMs : DEFAULT_INTERVAL_MS;
    }

    private static AssetEvent event(String assetId, AssetState state, AssetEventType type, long at, String detail) {
        return AssetEvent.newBuilder()
                .setAssetId(assetId)
                .setRegion(state.region())
                .setType(type)
                .setAt(at)
                .setLastSeen(state.lastSeen())
                .setDetail(detail)
                .build();
    }
}
