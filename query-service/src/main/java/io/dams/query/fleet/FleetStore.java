package io.dams.query.fleet;

import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import java.util.List;
import java.util.Optional;

/**
 * What the query service reads from the ingest job's stores: the fleet's listing and one asset's latest values.
 * Methods throw {@link StoreUnavailableException} while the stores cannot answer (rebalancing, restoring, unreachable).
 */
public interface FleetStore {

    /** Every asset the ingest job knows, sorted by asset id. */
    List<AssetView> assets();

    /** One asset with the latest value of each of its series; empty when the asset is unknown. */
    Optional<AssetDetail> asset(String assetId);

    /** Whether each interactive-query endpoint answers now; asked by {@code /healthz}, not on the request path. */
    List<EndpointHealth> probe();
}
