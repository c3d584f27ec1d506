package io.dams.query;

import io.dams.query.alerts.AlertStore;
import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.StoreUnavailableException;
import io.dams.streams.iq.AlertView;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;

/** The alerting job's active-alerts store in memory, for the query service's own tests. */
public final class FakeAlertStore implements AlertStore {

    private volatile List<EndpointHealth> health =
            List.of(new EndpointHealth("http://127.0.0.1:7071", true, "RUNNING"));

    private final ConcurrentSkipListMap<String, AlertView> alerts = new ConcurrentSkipListMap<>();
    private volatile StoreUnavailableException unavailable;

    /** A firing per-asset alert. */
    public static AlertView firing(String alertId, String rule, String severity, String assetId, String region) {
        return new AlertView(alertId, rule, severity, "firing", Map.of("asset_id", assetId), assetId, region,
                1_700_000_000_000L, 1_700_000_060_000L, null, 97.5, 90.0, "avg(cpu_percent) > 90", List.of("slack"),
                Map.of("summary", "CPU high"), 1_700_000_060_000L, List.of());
    }

    public static AlertView inState(AlertView a, String state) {
        return new AlertView(a.alertId(), a.ruleName(), a.severity(), state, a.groupLabels(), a.assetId(), a.region(),
                a.activeSince(), "pending".equals(state) ? null : a.firingSince(),
                "resolved".equals(state) ? a.updatedAt() + 1000 : null, a.value(), a.threshold(), a.condition(),
                a.channels(), a.annotations(), a.updatedAt(), a.silencedBy());
    }

    public FakeAlertStore put(AlertView alert) {
        alerts.put(alert.alertId(), alert);
        return this;
    }

    public void unavailable(StoreUnavailableException e) {
        this.unavailable = e;
    }

    @Override
    public List<AlertView> alerts() {
        check();
        return List.copyOf(alerts.values());
    }

    @Override
    public Optional<AlertView> alert(String alertId) {
        check();
        return Optional.ofNullable(alerts.get(alertId));
    }

    @Override
    public List<EndpointHealth> probe() {
        return health;
    }

    /** What {@link #probe()} answers from now on. */
    public void health(List<EndpointHealth> endpoints) {
        this.health = List.copyOf(endpoints);
    }

    private void check() {
        StoreUnavailableException e = unavailable;
        if (e != null) {
            throw e;
        }
    }
}
