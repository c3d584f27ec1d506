package io.dams.streams.rollup;

import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.avro.SeriesAggregate;
import io.dams.streams.SeriesKey;
import io.dams.streams.state.StateSerde;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One asset's series aggregated so far over one window: one store entry per asset and window, however many series.
 * Mutable; lives for one update between a store read and write.
 */
final class WindowAggregate {

    /** min, max, sum, count and the newest value of one series. */
    static final class Aggregate {
        double min = Double.POSITIVE_INFINITY;
        double max = Double.NEGATIVE_INFINITY;
        double sum;
        long count;
        double last;
        long lastTimestampMs = Long.MIN_VALUE;

        void add(long timestampMs, double value) {
            min = Math.min(min, value);
            max = Math.max(max, value);
            sum += value;
            count++;
            // Ties go to the later arrival, as a newer report of the same instant.
            if (timestampMs >= lastTimestampMs) {
                last = value;
                lastTimestampMs = timestampMs;
            }
        }
    }

    private String region;
    private final TreeMap<SeriesKey, Aggregate> series;

    WindowAggregate(String region) {
        this(region, new TreeMap<>());
    }

    private WindowAggregate(String region, TreeMap<SeriesKey, Aggregate> series) {
        this.region = region;
        this.series = series;
    }

    void add(String batchRegion, Sample sample) {
        region = batchRegion;
        series.computeIfAbsent(SeriesKey.of(sample), k -> new Aggregate()).add(sample.getTimestampMs(),
                sample.getValue());
    }

    Rollup toRollup(String assetId, Resolution resolution, long windowStart, long windowEnd) {
        List<SeriesAggregate> aggregates = new ArrayList<>(series.size());
        for (Map.Entry<SeriesKey, Aggregate> e : series.entrySet()) {
            Aggregate a = e.getValue();
            aggregates.add(SeriesAggregate.newBuilder()
                    .setName(e.getKey().name())
                    .setLabels(e.getKey().labels())
                    .setMin(a.min)
                    .setMax(a.max)
                    .setSum(a.sum)
                    .setCount(a.count)
                    .setLast(a.last)
                    .setLastTimestampMs(a.lastTimestampMs)
                    .build());
        }
        return Rollup.newBuilder()
                .setAssetId(assetId)
                .setRegion(region)
                .setResolution(resolution)
                .setWindowStart(windowStart)
                .setWindowEnd(windowEnd)
                .setSeries(aggregates)
                .build();
    }

    static final class Serde extends StateSerde<WindowAggregate> {

        Serde() {
            super(1, "window aggregate");
        }

        @Override
        protected void write(WindowAggregate value, DataOutputStream out) throws IOException {
            writeString(out, value.region);
            out.writeInt(value.series.size());
            for (Map.Entry<SeriesKey, Aggregate> e : value.series.entrySet()) {
                writeString(out, e.getKey().name());
                writeMap(out, e.getKey().labels());
                Aggregate a = e.getValue();
                out.writeDouble(a.min);
                out.writeDouble(a.max);
                out.writeDouble(a.sum);
                out.writeLong(a.count);
                out.writeDouble(a.last);
                out.writeLong(a.lastTimestampMs);
            }
        }

        @Override
        protected WindowAggregate read(DataInputStream in, int format) throws IOException {
            String region = readString(in);
            int count = in.readInt();
            TreeMap<SeriesKey, Aggregate> series = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                SeriesKey key = SeriesKey.of(readString(in), readMap(in));
                Aggregate a = new Aggregate();
                a.min = in.readDouble();
                a.max = in.readDouble();
                a.sum = in.readDouble();
                a.count = in.readLong();
                a.last = in.readDouble();
                a.lastTimestampMs = in.readLong();
                series.put(key, a);
            }
            return new WindowAggregate(region, series);
        }
    }
}
