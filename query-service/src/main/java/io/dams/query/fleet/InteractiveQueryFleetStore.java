package io.dams.query.fleet;

import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.InteractiveQueryClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The fleet store over the ingest job's interactive queries ({@link InteractiveQueryClient}), asking its endpoints in
 * turn ({@link InteractiveQueryEndpoints}).
 */
public final class InteractiveQueryFleetStore implements FleetStore, AutoCloseable {

    private final InteractiveQueryEndpoints endpoints;

    /** The same, with the listing allowed as long as any other request. */
    public InteractiveQueryFleetStore(List<URI> endpoints, Duration timeout, Duration unreachableRetryAfter) {
        this(endpoints, timeout, timeout, unreachableRetryAfter);
    }

    /**
     * @param endpoints             each instance's {@code http://host:port}
     * @param timeout               how long one request to an endpoint may take
     * @param listingTimeout        how long fetching the fleet listing from an endpoint may take
     * @param unreachableRetryAfter the {@code Retry-After} when no endpoint could be reached at all
     */
    public InteractiveQueryFleetStore(List<URI> endpoints, Duration timeout, Duration listingTimeout,
                                      Duration unreachableRetryAfter) {
        this.endpoints = new InteractiveQueryEndpoints(endpoints, timeout, listingTimeout, unreachableRetryAfter,
                "the asset stores cannot answer now (starting, rebalancing or unreachable)");
    }

    @Override
    public List<AssetView> assets() {
        return endpoints.ask(InteractiveQueryClient::assets);
    }

    @Override
    public Optional<AssetDetail> asset(String assetId) {
        return endpoints.ask(client -> client.asset(assetId));
    }

    @Override
    public List<EndpointHealth> probe() {
        return endpoints.probe();
    }

    /** Closes the connections kept open to the endpoints. */
    @Override
    public void close() {
        endpoints.close();
    }
}
