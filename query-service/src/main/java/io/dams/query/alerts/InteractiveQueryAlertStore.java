package io.dams.query.alerts;

import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.InteractiveQueryEndpoints;
import io.dams.streams.iq.AlertView;
import io.dams.streams.iq.InteractiveQueryClient;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The alert store over the alerting job's interactive queries ({@link InteractiveQueryClient#alerts()},
 * {@link InteractiveQueryClient#alert(String)}), asking its endpoints in turn ({@link InteractiveQueryEndpoints}).
 */
public final class InteractiveQueryAlertStore implements AlertStore, AutoCloseable {

    private final InteractiveQueryEndpoints endpoints;

    /**
     * @param endpoints             each alerting-job instance's {@code http://host:port}
     * @param timeout               how long one request to an endpoint may take
     * @param listingTimeout        how long fetching every alert from an endpoint may take
     * @param unreachableRetryAfter the {@code Retry-After} when no endpoint could be reached at all
     */
    public InteractiveQueryAlertStore(List<URI> endpoints, Duration timeout, Duration listingTimeout,
                                      Duration unreachableRetryAfter) {
        this.endpoints = new InteractiveQueryEndpoints(endpoints, timeout, listingTimeout, unreachableRetryAfter,
                "the alert stores cannot answer now (starting, rebalancing or unreachable)");
    }

    @Override
    public List<AlertView> alerts() {
        return endpoints.ask(InteractiveQueryClient::alerts);
    }

    @Override
    public Optional<AlertView> alert(String alertId) {
        return endpoints.ask(client -> client.alert(alertId));
    }

    @Override
    public List<EndpointHealth> probe() {
        return endpoints.probe();
    }

    @Override
    public void close() {
        endpoints.close();
    }
}
