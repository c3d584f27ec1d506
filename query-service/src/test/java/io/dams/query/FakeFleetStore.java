package io.dams.query;

import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.FleetStore;
import io.dams.query.fleet.StoreUnavailableException;
import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.SeriesValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fleet store in memory for the query service's own tests: the service is the code that talks to it. The
 * end-to-end tests against the ingest job's real stores live beside the Streams jobs' integration tests.
 */
public final class FakeFleetStore implements FleetStore {

    private final ConcurrentSkipListMap<String, AssetView> assets = new ConcurrentSkipListMap<>();
    private final Map<String, List<SeriesValue>> series = new ConcurrentHashMap<>();
    private final AtomicInteger listings = new AtomicInteger();
    private volatile StoreUnavailableException unavailable;
    private volatile RuntimeException failure;
    private volatile List<EndpointHealth> health = List.of(new EndpointHealth("http://127.0.0.1:7071", true, "RUNNING"));

    /** A registered, live asset with no alerts. */
    public static AssetView asset(String id, String region, Map<String, String> tags) {
        return new AssetView(id, region, "site-" + region, 52.5, 13.4, id + ".example", "server", tags, "UP",
                1_700_000_000_000L, 10_000L, Map.of(), true);
    }

    public static AssetView withHealth(AssetView a, String liveness, Map<String, Integer> firing) {
        return new AssetView(a.assetId(), a.region(), a.site(), a.latitude(), a.longitude(), a.hostname(), a.kind(),
                a.tags(), liveness, a.lastSeen(), a.expectedIntervalMs(), firing, a.registered());
    }

    public FakeFleetStore put(AssetView asset, SeriesValue... values) {
        assets.put(asset.assetId(), asset);
        series.put(asset.assetId(), List.of(values));
        return this;
    }

    public void remove(String assetId) {
        assets.remove(assetId);
        series.remove(assetId);
    }

    /** From now on, every read fails as while the stores rebalance; null to recover. */
    public void unavailable(StoreUnavailableException e) {
        this.unavailable = e;
    }

    /** From now on, every read fails with this unexpected exception; null to recover. */
    public void failing(RuntimeException e) {
        this.failure = e;
    }

    public void health(List<EndpointHealth> health) {
        this.health = List.copyOf(health);
    }

    /** How many times the listing was fetched. */
    public int listings() {
        return listings.get();
    }

    @Override
    public List<AssetView> assets() {
        listings.incrementAndGet();
        check();
        return new ArrayList<>(assets.values());
    }

    @Override
    public Optional<AssetDetail> asset(String assetId) {
        check();
        AssetView asset = assets.get(assetId);
        return asset == null ? Optional.empty() : Optional.of(new AssetDetail(asset, series.getOrDefault(assetId, List.of())));
    }

    @Override
    public List<EndpointHealth> probe() {
        return health;
    }

    private void check() {
        if (unavailable != null) {
            throw unavailable;
        }
        if (failure != null) {
            throw failure;
        }
    }
}
