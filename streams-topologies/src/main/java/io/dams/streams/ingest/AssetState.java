package io.dams.streams.ingest;

import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.avro.Liveness;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * What the ingest job knows about one asset's health: the published {@link AssetHealth} fields plus what deciding
 * liveness needs, the wall-clock time of the last batch and the interval observed between batches.
 *
 * @param lastSeen           event time of the newest sample
 * @param expectedIntervalMs the asset's collection interval (registered, else observed, else the default)
 * @param observedIntervalMs event time between its last two batches; 0 until there were two
 * @param lastArrivalMs      wall clock when its last batch was processed
 * @param changedAt          wall clock of the last published change
 * @param firing             the asset's firing alerts: alert_id → severity name (lower case), from the rules job's
 *                           transitions
 */
record AssetState(String region, Liveness liveness, long lastSeen, long expectedIntervalMs,
                         long observedIntervalMs, long lastArrivalMs, long changedAt, SortedMap<String, String> firing) {

    AssetState {
        firing = firing == null || firing.isEmpty() ? EMPTY : Collections.unmodifiableSortedMap(new TreeMap<>(firing));
    }

    private static final SortedMap<String, String> EMPTY = Collections.unmodifiableSortedMap(new TreeMap<>());

    AssetState(String region, Liveness liveness, long lastSeen, long expectedIntervalMs, long observedIntervalMs,
               long lastArrivalMs, long changedAt) {
        this(region, liveness, lastSeen, expectedIntervalMs, observedIntervalMs, lastArrivalMs, changedAt, EMPTY);
    }

    /** Firing alerts by severity name, e.g. {@code {critical=1, warning=2}}. */
    Map<String, Integer> firingBySeverity() {
        if (firing.isEmpty()) {
            return Map.of();
        }
        Map<String, Integer> counts = new TreeMap<>();
        firing.values().forEach(severity -> counts.merge(severity, 1, Integer::sum));
        return counts;
    }

    /** The same state with {@code alertId} firing at {@code severity} (or no longer firing when null). */
    AssetState withAlert(String alertId, String severity, long now) {
        TreeMap<String, String> next = new TreeMap<>(firing);
        if (severity == null) {
            next.remove(alertId);
        } else {
            next.put(alertId, severity);
        }
        return new AssetState(region, liveness, lastSeen, expectedIntervalMs, observedIntervalMs, lastArrivalMs, now,
                next);
    }

    /** The published form. */
    AssetHealth toHealth(String assetId) {
        return AssetHealth.newBuilder()
                .setAssetId(assetId)
                .setRegion(region)
                .setLiveness(liveness)
                .setLastSeen(lastSeen)
                .setExpectedIntervalMs(expectedIntervalMs)
                .setFiringAlerts(new TreeMap<>(firingBySeverity()))
                .setUpdatedAt(changedAt)
                .build();
    }

    AssetState down(long now) {
        return new AssetState(region, Liveness.DOWN, lastSeen, expectedIntervalMs, observedIntervalMs, lastArrivalMs,
                now, firing);
    }

    static final class Serde extends StateSerde<AssetState> {

        Serde() {
            // Format 2 added the firing alerts.
            super(2, "asset health");
        }

        @Override
        protected void write(AssetState value, StateOutput out) {
            writeString(out, value.region);
            writeString(out, value.liveness.name());
            out.writeLong(value.lastSeen);
            out.writeLong(value.expectedIntervalMs);
            out.writeLong(value.observedIntervalMs);
            out.writeLong(value.lastArrivalMs);
            out.writeLong(value.changedAt);
            out.writeInt(value.firing.size());
            for (Map.Entry<String, String> alert : value.firing.entrySet()) {
                writeString(out, alert.getKey());
                writeString(out, alert.getValue());
            }
        }

        @Override
        protected AssetState read(ByteBuffer in, int format) throws IOException {
            String region = readString(in);
            Liveness liveness = Liveness.valueOf(readString(in));
            long lastSeen = in.getLong();
            long expected = in.getLong();
            long observed = in.getLong();
            long lastArrival = in.getLong();
            long changedAt = in.getLong();
            TreeMap<String, String> firing = new TreeMap<>();
            if (format >= 2) {
                int n = in.getInt();
                if (n < 0 || n > in.remaining()) {
                    throw new IOException(n + " firing alerts with " + in.remaining() + " bytes left");
                }
                for (int i = 0; i < n; i++) {
                    firing.put(readString(in), readString(in));
                }
            }
            return new AssetState(region, liveness, lastSeen, expected, observed, lastArrival, changedAt, firing);
        }
    }
}
