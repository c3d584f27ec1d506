package io.dams.streams.ingest;

import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.avro.Liveness;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;

/**
 * What the ingest job knows about one asset's health: the published {@link AssetHealth} fields plus what deciding
 * liveness needs, the wall-clock time of the last batch and the interval observed between batches.
 *
 * @param lastSeen           event time of the newest sample
 * @param expectedIntervalMs the asset's collection interval (registered, else observed, else the default)
 * @param observedIntervalMs event time between its last two batches; 0 until there were two
 * @param lastArrivalMs      wall clock when its last batch was processed
 * @param changedAt          wall clock of the last published change
 */
record AssetState(String region, Liveness liveness, long lastSeen, long expectedIntervalMs,
                         long observedIntervalMs, long lastArrivalMs, long changedAt) {

    /** The published form. {@code firing_alerts} is the alerting job's to fill. */
    AssetHealth toHealth(String assetId) {
        return AssetHealth.newBuilder()
                .setAssetId(assetId)
                .setRegion(region)
                .setLiveness(liveness)
                .setLastSeen(lastSeen)
                .setExpectedIntervalMs(expectedIntervalMs)
                .setFiringAlerts(Map.of())
                .setUpdatedAt(changedAt)
                .build();
    }

    AssetState down(long now) {
        return new AssetState(region, Liveness.DOWN, lastSeen, expectedIntervalMs, observedIntervalMs, lastArrivalMs,
                now);
    }

    static final class Serde extends StateSerde<AssetState> {

        Serde() {
            super(1, "asset health");
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
        }

        @Override
        protected AssetState read(ByteBuffer in, int format) throws IOException {
            return new AssetState(readString(in), Liveness.valueOf(readString(in)), in.getLong(), in.getLong(),
                    in.getLong(), in.getLong(), in.getLong());
        }
    }
}
