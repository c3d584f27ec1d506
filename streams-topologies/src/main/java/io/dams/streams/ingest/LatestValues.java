package io.dams.streams.ingest;

import io.dams.streams.SeriesKey;
import io.dams.streams.SeriesOrder;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesKeys;
import io.dams.streams.state.SeriesKeyCodec;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The latest value of every series of one asset: one store entry per asset, so that a batch costs one read and one
 * write however many series it carries. Immutable; {@link #series()} iterates in key order.
 */
final class LatestValues {

    /** A series' newest sample. */
    public record Point(long timestampMs, double value) {
    }

    private final Map<SeriesKey, Point> series;

    /** @param inKeyOrder the series, iterating in key order; kept, not copied */
    LatestValues(Map<SeriesKey, Point> inKeyOrder) {
        this.series = Collections.unmodifiableMap(inKeyOrder);
    }

    static LatestValues empty() {
        return new LatestValues(new LinkedHashMap<>());
    }

    /** Every series with its latest value, in key order. */
    Map<SeriesKey, Point> series() {
        return series;
    }

    /**
     * These values updated with a batch: a sample replaces its series' value unless it is older; series without a
     * sample for {@code retentionMs} behind the newest one are forgotten.
     */
    LatestValues merge(AvroBatch batch, SeriesKeys keys, long retentionMs) {
        LinkedHashMap<SeriesKey, Point> merged = new LinkedHashMap<>(
                SeriesOrder.capacity(series.size() + batch.size()));
        merged.putAll(series);
        boolean added = false;
        for (int i = 0; i < batch.size(); i++) {
            SeriesKey key = batch.series(i, keys);
            long timestamp = batch.timestamp(i);
            Point current = merged.get(key);
            if (current == null || timestamp >= current.timestampMs) {
                // Replacing a value keeps its place; only a new series can break the order.
                added |= merged.put(key, new Point(timestamp, batch.value(i))) == null;
            }
        }
        long newest = Long.MIN_VALUE;
        for (Point p : merged.values()) {
            newest = Math.max(newest, p.timestampMs);
        }
        long horizon = newest - retentionMs;
        merged.values().removeIf(p -> p.timestampMs < horizon);
        return new LatestValues(added ? SeriesOrder.sorted(merged) : merged);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatestValues other && series.equals(other.series);
    }

    @Override
    public int hashCode() {
        return series.hashCode();
    }

    @Override
    public String toString() {
        return "LatestValues" + series;
    }

    static final class Serde extends StateSerde<LatestValues> {

        private final SeriesKeyCodec keys = new SeriesKeyCodec();

        Serde() {
            super(1, "latest values");
        }

        @Override
        protected void write(LatestValues value, StateOutput out) {
            out.writeInt(value.series.size());
            for (Map.Entry<SeriesKey, Point> e : value.series.entrySet()) {
                keys.write(out, e.getKey());
                out.writeLong(e.getValue().timestampMs);
                out.writeDouble(e.getValue().value);
            }
        }

        @Override
        protected LatestValues read(ByteBuffer in, int format) throws IOException {
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IOException("series count " + count + " with " + in.remaining() + " bytes left");
            }
            // Written in key order (format 1 from a sorted map, too).
            LinkedHashMap<SeriesKey, Point> series = new LinkedHashMap<>(SeriesOrder.capacity(count));
            for (int i = 0; i < count; i++) {
                series.put(keys.read(in), new Point(in.getLong(), in.getDouble()));
            }
            return new LatestValues(series);
        }
    }
}
