package io.dams.streams.ingest;

import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.Liveness;
import io.dams.streams.SeriesKey;
import io.dams.streams.batch.SeriesLayout;
import io.dams.streams.batch.SeriesLayouts;
import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.LocalStores;
import io.dams.streams.iq.SeriesValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers the interactive queries from this instance's own part of the ingest stores: the asset table, health and
 * latest values. Throws Kafka Streams' {@code InvalidStateStoreException} while the stores are not queryable.
 */
public final class AssetQueries {

    private final LocalStores stores;
    /** Layouts with their series keys decoded, for every query after the first that meets them. */
    private final Map<Long, SeriesLayout> layouts = new ConcurrentHashMap<>();

    public AssetQueries(LocalStores stores) {
        this.stores = stores;
    }

    /** Over the local active tasks of a running job. */
    public static AssetQueries of(KafkaStreams streams) {
        return new AssetQueries(LocalStores.of(streams));
    }

    /** Every asset this instance holds (registered or seen), sorted by id. */
    public List<AssetView> assets() {
        ReadOnlyKeyValueStore<String, Asset> assets = stores.store(IngestTopology.ASSETS_STORE);
        ReadOnlyKeyValueStore<String, AssetState> health = stores.store(IngestTopology.HEALTH_STORE);
        TreeMap<String, Asset> registered = new TreeMap<>();
        TreeMap<String, AssetState> seen = new TreeMap<>();
        try (KeyValueIterator<String, Asset> all = assets.all()) {
            all.forEachRemaining(e -> registered.put(e.key, e.value));
        }
        try (KeyValueIterator<String, AssetState> all = health.all()) {
            all.forEachRemaining(e -> seen.put(e.key, e.value));
        }
        TreeSet<String> ids = new TreeSet<>(registered.keySet());
        ids.addAll(seen.keySet());
        List<AssetView> views = new ArrayList<>(ids.size());
        for (String id : ids) {
            views.add(view(id, registered.get(id), seen.get(id)));
        }
        return views;
    }

    /** One asset with its latest values; empty when this instance does not know it. */
    public Optional<AssetDetail> asset(String assetId) {
        return asset(assetId, stores);
    }

    /**
     * The same, read from the stores of the asset's partition only (as {@link KafkaStreams#queryMetadataForKey}
     * gives it): a lookup in all of this instance's partitions would ask every one of them for the key.
     */
    public Optional<AssetDetail> asset(String assetId, int partition) {
        return asset(assetId, new LocalStores() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
                return stores.store(name, partition);
            }
        });
    }

    private Optional<AssetDetail> asset(String assetId, LocalStores stores) {
        Asset asset = stores.<Asset>store(IngestTopology.ASSETS_STORE).get(assetId);
        AssetState health = stores.<AssetState>store(IngestTopology.HEALTH_STORE).get(assetId);
        if (asset == null && health == null) {
            return Optional.empty();
        }
        LatestValues latest = stores.<LatestValues>store(IngestTopology.LATEST_STORE).get(assetId);
        List<SeriesValue> series = new ArrayList<>();
        if (latest != null) {
            SeriesLayouts known = SeriesLayouts.reading(stores.store(IngestTopology.LAYOUTS_STORE), layouts);
            for (Map.Entry<SeriesKey, LatestValues.Point> e : latest.series(known).entrySet()) {
                series.add(new SeriesValue(e.getKey().name(), e.getKey().labels(), e.getValue().timestampMs(),
                        e.getValue().value()));
            }
        }
        return Optional.of(new AssetDetail(view(assetId, asset, health), series));
    }

    /**
     * An asset registered but never heard from is DOWN with {@code last_seen} 0; one heard from but not registered
     * has no metadata and {@code registered = false}.
     */
    static AssetView view(String assetId, Asset asset, AssetState health) {
        String region = asset != null ? asset.getRegion() : health.region();
        long expected = health != null ? health.expectedIntervalMs()
                : AssetTracker.expectedInterval(asset, 0);
        return new AssetView(assetId, region,
                asset == null ? null : asset.getSite(),
                asset == null ? null : asset.getLatitude(),
                asset == null ? null : asset.getLongitude(),
                asset == null ? null : asset.getHostname(),
                asset == null ? null : asset.getKind(),
                asset == null ? Map.of() : Map.copyOf(asset.getTags()),
                health == null ? Liveness.DOWN.name() : health.liveness().name(),
                health == null ? 0 : health.lastSeen(),
                expected,
                health == null ? Map.of() : health.firingBySeverity(),
                asset != null);
    }
}
