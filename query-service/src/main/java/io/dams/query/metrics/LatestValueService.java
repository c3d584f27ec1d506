package io.dams.query.metrics;

import io.dams.query.fleet.FleetStore;
import io.dams.streams.iq.SeriesValue;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/** The latest value of each series of an asset, read from the stores now. */
public final class LatestValueService {

    private final FleetStore store;

    public LatestValueService(FleetStore store) {
        this.store = store;
    }

    /**
     * The asset's series, in the store's order (by name, then labels), only those named in {@code metrics} unless it
     * is empty; empty when the asset is unknown.
     */
    public Optional<List<SeriesValue>> latest(String assetId, Set<String> metrics) {
        return store.asset(assetId).map(detail -> {
            List<SeriesValue> series = detail.series() == null ? List.of() : detail.series();
            if (metrics.isEmpty()) {
                return series;
            }
            List<SeriesValue> selected = new ArrayList<>();
            for (SeriesValue s : series) {
                if (metrics.contains(s.name())) {
                    selected.add(s);
                }
            }
            return selected;
        });
    }
}
