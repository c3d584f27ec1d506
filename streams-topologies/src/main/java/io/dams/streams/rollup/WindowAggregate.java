package io.dams.streams.rollup;

import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.avro.SeriesAggregate;
import io.dams.streams.SeriesKey;
import io.dams.streams.SeriesOrder;
import io.dams.streams.state.SeriesKeyCodec;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One asset's series aggregated so far over one window: one store entry per asset and window, however many series.
 * Mutable; lives for one update between a store read and write (or one fold of a closed minute into its hour).
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

        /** Takes in the aggregate of a later window of the same series (or of the same one, for a tie on last). */
        void merge(Aggregate later) {
            min = Math.min(min, later.min);
            max = Math.max(max, later.max);
            sum += later.sum;
            count += later.count;
            if (later.lastTimestampMs >= lastTimestampMs) {
                last = later.last;
                lastTimestampMs = later.lastTimestampMs;
            }
        }
    }

    private String region;
    /** In key order, but for series added since (see {@link #inKeyOrder()}). */
    private LinkedHashMap<SeriesKey, Aggregate> series;
    private SeriesKey lastKey;
    private boolean ordered = true;

    WindowAggregate(String region) {
        this(region, new LinkedHashMap<>(), null);
    }

    private WindowAggregate(String region, LinkedHashMap<SeriesKey, Aggregate> inKeyOrder, SeriesKey lastKey) {
        this.region = region;
        this.series = inKeyOrder;
        this.lastKey = lastKey;
    }

    void add(String batchRegion, Sample sample) {
        add(batchRegion, SeriesKey.of(sample), sample.getTimestampMs(), sample.getValue());
    }

    void add(String batchRegion, SeriesKey series, long timestampMs, double value) {
        region = batchRegion;
        aggregateOf(series).add(timestampMs, value);
    }

    /**
     * Folds in the aggregates of a later window of the same asset (a closed minute into its hour), series by series;
     * the region becomes the later window's. Returns this aggregate.
     */
    WindowAggregate merge(WindowAggregate later) {
        region = later.region;
        for (Map.Entry<SeriesKey, Aggregate> e : later.series.entrySet()) {
            aggregateOf(e.getKey()).merge(e.getValue());
        }
        return this;
    }

    private Aggregate aggregateOf(SeriesKey key) {
        Aggregate aggregate = series.get(key);
        if (aggregate == null) {
            aggregate = new Aggregate();
            series.put(key, aggregate);
            ordered &= lastKey == null || lastKey.compareTo(key) < 0;
            lastKey = key;
        }
        return aggregate;
    }

    String region() {
        return region;
    }

    /** The series in key order, in which they are stored and emitted. */
    Map<SeriesKey, Aggregate> inKeyOrder() {
        if (!ordered) {
            series = SeriesOrder.sorted(series);
            for (SeriesKey key : series.keySet()) {
                lastKey = key;
            }
            ordered = true;
        }
        return series;
    }

    Rollup toRollup(String assetId, Resolution resolution, long windowStart, long windowEnd) {
        List<SeriesAggregate> aggregates = new ArrayList<>(series.size());
        for (Map.Entry<SeriesKey, Aggregate> e : inKeyOrder().entrySet()) {
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

        private final SeriesKeyCodec keys = new SeriesKeyCodec();

        Serde() {
            super(1, "window aggregate");
        }

        @Override
        protected void write(WindowAggregate value, StateOutput out) {
            writeString(out, value.region);
            out.writeInt(value.series.size());
            for (Map.Entry<SeriesKey, Aggregate> e : value.inKeyOrder().entrySet()) {
                keys.write(out, e.getKey());
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
        protected WindowAggregate read(ByteBuffer in, int format) throws IOException {
            String region = readString(in);
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IOException("series count " + count + " with " + in.remaining() + " bytes left");
            }
            // Written in key order (format 1 from a sorted map, too).
            LinkedHashMap<SeriesKey, Aggregate> series = new LinkedHashMap<>(SeriesOrder.capacity(count));
            SeriesKey key = null;
            for (int i = 0; i < count; i++) {
                key = keys.read(in);
                Aggregate a = new Aggregate();
                a.min = in.getDouble();
                a.max = in.getDouble();
                a.sum = in.getDouble();
                a.count = in.getLong();
                a.last = in.getDouble();
                a.lastTimestampMs = in.getLong();
                series.put(key, a);
            }
            return new WindowAggregate(region, series, key);
        }
    }
}
