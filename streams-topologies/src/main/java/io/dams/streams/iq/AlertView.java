package io.dams.streams.iq;

import java.util.List;
import java.util.Map;

/**
 * One alert as the alerting job knows it (its active-alerts store): the newest transition of the alert, with what the
 * silences make of it now. Served by {@code GET /iq/v1/alerts} and {@code GET /iq/v1/alerts/{alert_id}}.
 *
 * @param alertId      short hex form of the fingerprint of rule name and group labels (stable across restarts)
 * @param severity     severity name in lower case: {@code info}, {@code warning}, {@code critical}
 * @param state        {@code pending}, {@code firing} or {@code resolved}
 * @param groupLabels  {@code asset_id} for per-asset rules, the {@code by (...)} labels otherwise
 * @param assetId      the asset of a per-asset rule; null for a {@code by (...)} rule
 * @param activeSince  when the condition became true, ms since the epoch
 * @param firingSince  when the alert started firing; null while pending
 * @param resolvedAt   when it resolved; null unless resolved
 * @param value        the aggregate that decided the newest transition; null when there was none (absent)
 * @param threshold    the threshold in effect (after a region's override); null for {@code absent()}
 * @param updatedAt    event time of the newest transition, ms since the epoch
 * @param silencedBy   ids of the silences muting this alert now; empty when it is not silenced
 */
public record AlertView(String alertId, String ruleName, String severity, String state,
                        Map<String, String> groupLabels, String assetId, String region, long activeSince,
                        Long firingSince, Long resolvedAt, Double value, Double threshold, String condition,
                        List<String> channels, Map<String, String> annotations, long updatedAt,
                        List<String> silencedBy) {
}
