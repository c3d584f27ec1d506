package io.dams.query.alerts;

import io.dams.streams.iq.AlertView;
import java.util.Set;

/**
 * A listing request for alerts: the filters (each empty filter matches everything) and the page.
 *
 * @param states     any of these states ({@code pending}, {@code firing}, {@code resolved})
 * @param regions    any of these regions
 * @param severities any of these severities ({@code info}, {@code warning}, {@code critical})
 * @param assets     any of these assets
 * @param after      the alert id the previous page ended with, or null for the first page
 */
public record AlertQuery(Set<String> states, Set<String> regions, Set<String> severities, Set<String> assets,
                         int limit, String after) {

    public static final Set<String> STATES = Set.of("pending", "firing", "resolved");
    public static final Set<String> SEVERITIES = Set.of("info", "warning", "critical");

    public AlertQuery {
        states = Set.copyOf(states);
        regions = Set.copyOf(regions);
        severities = Set.copyOf(severities);
        assets = Set.copyOf(assets);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }

    boolean matches(AlertView alert) {
        return (states.isEmpty() || states.contains(alert.state()))
                && (regions.isEmpty() || regions.contains(alert.region()))
                && (severities.isEmpty() || severities.contains(alert.severity()))
                && (assets.isEmpty() || assets.contains(alert.assetId()));
    }
}
