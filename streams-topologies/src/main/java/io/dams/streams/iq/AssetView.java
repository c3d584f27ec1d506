package io.dams.streams.iq;

import java.util.Map;

/**
 * One asset as the ingest job knows it: its registration (from {@code dams.assets}) joined with its health. An asset
 * that sends data before it registered is known too, with {@code registered = false} and no metadata yet.
 *
 * @param liveness {@code UP} or {@code DOWN} (down after 3 expected intervals of silence)
 * @param lastSeen event time of the newest sample, ms since the epoch; 0 when nothing arrived yet
 * @param firingAlerts firing alerts by severity name (filled by the alerting job; empty until then)
 */
public record AssetView(String assetId, String region, String site, Double latitude, Double longitude,
                        String hostname, String kind, Map<String, String> tags, String liveness, long lastSeen,
                        long expectedIntervalMs, Map<String, Integer> firingAlerts, boolean registered) {
}
