package io.dams.query.fleet;

import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/**
 * Measures every call to the stores: {@code dams_query_upstream_seconds{operation, outcome}} with outcome {@code ok},
 * {@code not_found}, {@code unavailable} (the stores answered 503 or could not be reached) or {@code error}.
 */
public final class MeteredFleetStore implements FleetStore {

    /** The timers of one operation, one per outcome. */
    private record Outcomes(Timer ok, Timer notFound, Timer unavailable, Timer error) {

        static Outcomes of(MeterRegistry registry, String operation) {
            return new Outcomes(timer(registry, operation, "ok"), timer(registry, operation, "not_found"),
                    timer(registry, operation, "unavailable"), timer(registry, operation, "error"));
        }
    }

    private final FleetStore store;
    private final Outcomes assets;
    private final Outcomes asset;

    public MeteredFleetStore(FleetStore store, MeterRegistry registry) {
        this.store = store;
        this.assets = Outcomes.of(registry, "assets");
        this.asset = Outcomes.of(registry, "asset");
    }

    @Override
    public List<AssetView> assets() {
        long start = System.nanoTime();
        try {
            List<AssetView> result = store.assets();
            record(assets.ok(), start);
            return result;
        } catch (StoreUnavailableException e) {
            record(assets.unavailable(), start);
            throw e;
        } catch (RuntimeException e) {
            record(assets.error(), start);
            throw e;
        }
    }

    @Override
    public Optional<AssetDetail> asset(String assetId) {
        long start = System.nanoTime();
        try {
            Optional<AssetDetail> result = store.asset(assetId);
            record(result.isPresent() ? asset.ok() : asset.notFound(), start);
            return result;
        } catch (StoreUnavailableException e) {
            record(asset.unavailable(), start);
            throw e;
        } catch (RuntimeException e) {
            record(asset.error(), start);
            throw e;
        }
    }

    @Override
    public List<EndpointHealth> probe() {
        return store.probe();
    }

    private static void record(Timer timer, long startNanos) {
        timer.record(System.nanoTime() - startNanos, TimeUnit.NANOSECONDS);
    }

    private static Timer timer(MeterRegistry registry, String operation, String outcome) {
        return Timer.builder("dams.query.upstream")
                .description("Calls from the query service to the ingest job's interactive queries")
                .tag("operation", operation)
                .tag("outcome", outcome)
                .register(registry);
    }
}
