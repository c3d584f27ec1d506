package io.dams.query.alerts;

import io.dams.query.fleet.EndpointHealth;
import io.dams.streams.iq.AlertView;
import java.util.List;
import java.util.Optional;

/**
 * What the query service reads from the alerting job's active-alerts store. Methods throw
 * {@link io.dams.query.fleet.StoreUnavailableException} while the stores cannot answer (rebalancing, restoring,
 * unreachable).
 */
public interface AlertStore {

    /** Every alert the alerting job knows (active, and resolved within its retention), sorted by alert id. */
    List<AlertView> alerts();

    /** One alert; empty when it is unknown. */
    Optional<AlertView> alert(String alertId);

    /** Whether each interactive-query endpoint of the alerting job answers now. */
    List<EndpointHealth> probe();
}
