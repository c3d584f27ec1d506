package io.dams.streams.ingest;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.streams.SeriesKey;
import io.dams.streams.state.StateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The latest value of every series of one asset: one store entry per asset, so that a batch costs one read and one
 * write however many series it carries.
 */
record LatestValues(SortedMap<SeriesKey, Point> series) {

    /** A series' newest sample. */
    public record Point(long timestampMs, double value) {
    }

    public LatestValues {
        series = Collections.unmodifiableSortedMap(series);
    }

    static LatestValues empty() {
        return new LatestValues(new TreeMap<>());
    }

    /**
     * These values updated with a batch: a sample replaces its series' value unless it is older; series without a
     * sample for {@code retentionMs} behind the newest one are forgotten.
     */
    LatestValues merge(MetricBatch batch, long retentionMs) {
        TreeMap<SeriesKey, Point> merged = new TreeMap<>(series);
        long newest = Long.MIN_VALUE;
        for (Sample sample : batch.getSamples()) {
            SeriesKey key = SeriesKey.of(sample);
            Point current = merged.get(key);
            if (current == null || sample.getTimestampMs() >= current.timestampMs) {
                merged.put(key, new Point(sample.getTimestampMs(), sample.getValue()));
            }
        }
        for (Point p : merged.values()) {
            newest = Math.max(newest, p.timestampMs);
        }
        long horizon = newest - retentionMs;
        merged.values().removeIf(p -> p.timestampMs < horizon);
        return new LatestValues(merged);
    }

    static final class Serde extends StateSerde<LatestValues> {

        Serde() {
            super(1, "latest values");
        }

        @Override
        protected void write(LatestValues value, DataOutputStream out) throws IOException {
            out.writeInt(value.series.size());
            for (Map.Entry<SeriesKey, Point> e : value.series.entrySet()) {
                writeString(out, e.getKey().name());
                writeMap(out, e.getKey().labels());
                out.writeLong(e.getValue().timestampMs);
                out.writeDouble(e.getValue().value);
            }
        }

        @Override
        protected LatestValues read(DataInputStream in, int format) throws IOException {
            int count = in.readInt();
            TreeMap<SeriesKey, Point> series = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                series.put(SeriesKey.of(readString(in), readMap(in)), new Point(in.readLong(), in.readDouble()));
            }
            return new LatestValues(series);
        }
    }
}
