package io.dams.streams.iq;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.SerializationFeature;

/**
 * The internal HTTP contract of the ingest and alerting jobs' instances (served on each instance's {@code application.server}
 * address), through which the query service reads the Streams stores. Any instance answers any request: for one key it
 * forwards to the instance that owns it; for a listing with {@code scope=all} it asks every instance for its local part
 * and merges. JSON in snake_case ({@link #JSON}).
 *
 * <ul>
 *   <li>{@code GET /iq/v1/assets?scope=all|local}: a JSON array of {@link AssetView}, sorted by asset id.</li>
 *   <li>{@code GET /iq/v1/assets/{asset_id}}: an {@link AssetDetail}; 404 when the asset is unknown.</li>
 *   <li>{@code GET /iq/v1/healthz}: the instance's Streams state.</li>
 * </ul>
 * The alerting job's instances serve the same way:
 * <ul>
 *   <li>{@code GET /iq/v1/alerts?scope=all|local}: a JSON array of {@link AlertView}, sorted by alert id.</li>
 *   <li>{@code GET /iq/v1/alerts/{alert_id}}: an {@link AlertView}; 404 when the alert is unknown.</li>
 * </ul>
 * While the stores are not queryable (starting, rebalancing, restoring) an instance answers 503 with
 * {@code Retry-After} (seconds) and a JSON body {@code {"error": ...}}.
 */
public final class InteractiveQueries {

    public static final String ASSETS = "/iq/v1/assets";
    public static final String ASSET = "/iq/v1/assets/{asset_id}";
    public static final String HEALTH = "/iq/v1/healthz";
    public static final String ALERTS = "/iq/v1/alerts";
    public static final String ALERT = "/iq/v1/alerts/{alert_id}";
    /** Query parameter of {@link #ASSETS} and {@link #ALERTS}: {@code all} (the default) or {@code local}. */
    public static final String SCOPE = "scope";

    /** The contract's JSON mapping: snake_case names, ISO nothing (times are epoch milliseconds). */
    public static final ObjectMapper JSON = new ObjectMapper()
            .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS);

    private InteractiveQueries() {
    }
}
