package io.dams.streams.ingest;

import io.dams.streams.SeriesKey;
import io.dams.streams.SeriesOrder;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesLayout;
import io.dams.streams.batch.SeriesLayouts;
import io.dams.streams.state.SeriesKeyCodec;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serializer;

/**
 * The latest value of every series of one asset: one store entry per asset, so that a batch costs one read and one
 * write however many series it carries. The entry holds, per {@link SeriesLayout} the asset's batches came in, that
 * layout's id and the newest timestamp and value of each of its series: sixteen bytes a series instead of its name
 * and labels again, written after every batch. A series in several layouts has the value of the newest sample; on a
 * tie, of the layout written last. A layout whose newest sample is more than the series retention behind the asset's
 * newest is forgotten. Immutable.
 *
 * <p>Format 2 (big-endian): version byte 2, segment count (int), then segments, the one written last first: layout id
 * (long), series count n (int), timestamps (byte 0 then one long for all, or byte 1 then n longs), n values (double).
 * Format 1, which listed every series with its key, is still read; the next batch rewrites it in format 2.
 */
final class LatestValues {

    /** A series' newest sample. */
    public record Point(long timestampMs, double value) {
    }

    static final byte FORMAT = 2;
    private static final int HEADER = 1 + Integer.BYTES;
    private static final byte ONE_TIMESTAMP = 0;
    private static final byte TIMESTAMPS = 1;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);

    /** Format 2, or null for a value read in format 1. */
    private final byte[] bytes;
    /** A value read in format 1: every series in key order. */
    private final Map<SeriesKey, Point> legacy;

    private LatestValues(byte[] bytes, Map<SeriesKey, Point> legacy) {
        this.bytes = bytes;
        this.legacy = legacy;
    }

    static LatestValues empty() {
        return new LatestValues(ByteBuffer.allocate(HEADER).put(FORMAT).putInt(0).array(), null);
    }

    /**
     * These values updated with a batch whose samples are {@code layout}'s series: a sample replaces its series'
     * value unless older. A layout without a sample for {@code retentionMs} behind the newest one is forgotten.
     * {@code layouts} gives the layouts of the entry and takes the layout of a format-1 value's series.
     */
    LatestValues merge(AvroBatch batch, SeriesLayout layout, SeriesLayouts layouts, long retentionMs) {
        if (legacy != null) {
            return inFormatTwo(layouts).merge(batch, layout, layouts, retentionMs);
        }
        List<Segment> segments = segments();
        Segment previous = null;
        long newest = batch.newestTimestamp();
        for (Segment s : segments) {
            newest = Math.max(newest, s.newest());
            if (s.layoutId == layout.id()) {
                previous = s;
            }
        }
        long horizon = newest - retentionMs;

        int n = batch.size();
        long[] timestamps = new long[n];
        double[] values = new double[n];
        for (int i = 0; i < n; i++) {
            timestamps[i] = batch.timestamp(i);
            values[i] = batch.value(i);
        }
        if (previous != null && previous.newest() > batch.oldestTimestamp()) {
            // Some sample is older than its series' value: that one stays.
            for (int i = 0; i < n; i++) {
                long known = previous.timestamp(i);
                if (timestamps[i] < known) {
                    timestamps[i] = known;
                    values[i] = previous.value(i);
                }
            }
        }
        boolean oneTimestamp = true;
        for (int i = 1; i < n && oneTimestamp; i++) {
            oneTimestamp = timestamps[i] == timestamps[0];
        }

        int size = HEADER + segmentLength(n, oneTimestamp);
        int kept = 0;
        for (Segment s : segments) {
            if (s != previous && s.newest() >= horizon) {
                size += s.length;
                kept++;
            }
        }
        ByteBuffer out = ByteBuffer.allocate(size).put(FORMAT).putInt(kept + 1);
        out.putLong(layout.id()).putInt(n);
        if (oneTimestamp) {
            out.put(ONE_TIMESTAMP).putLong(n == 0 ? 0 : timestamps[0]);
        } else {
            out.put(TIMESTAMPS);
            for (long t : timestamps) {
                out.putLong(t);
            }
        }
        for (double v : values) {
            out.putDouble(v);
        }
        for (Segment s : segments) {
            if (s != previous && s.newest() >= horizon) {
                out.put(bytes, s.offset, s.length);
            }
        }
        return new LatestValues(out.array(), null);
    }

    /** Every series with its latest value, in key order; {@code layouts} gives the layouts the entry refers to. */
    Map<SeriesKey, Point> series(SeriesLayouts layouts) {
        if (legacy != null) {
            return legacy;
        }
        List<Segment> segments = segments();
        if (segments.size() == 1) {
            // The usual entry: one layout, listed in its key order without sorting.
            Segment only = segments.get(0);
            SeriesLayout layout = layouts.require(only.layoutId);
            if (!layout.repeatsASeries()) {
                LinkedHashMap<SeriesKey, Point> inOrder = new LinkedHashMap<>(SeriesOrder.capacity(only.count));
                for (int i : layout.inKeyOrder()) {
                    inOrder.put(layout.key(i), new Point(only.timestamp(i), only.value(i)));
                }
                return inOrder;
            }
        }
        Map<SeriesKey, Point> latest = new HashMap<>();
        for (Segment s : segments) {
            SeriesLayout layout = layouts.require(s.layoutId);
            for (int i = 0; i < s.count; i++) {
                Point point = new Point(s.timestamp(i), s.value(i));
                // Segments come newest-written first: a later one wins only with a strictly newer sample.
                latest.merge(layout.key(i), point, (known, other) ->
                        other.timestampMs() > known.timestampMs() ? other : known);
            }
        }
        return new TreeMap<>(latest);
    }

    /** The ids of the layouts it refers to. */
    List<Long> layoutIds() {
        List<Long> ids = new ArrayList<>();
        if (legacy == null) {
            for (Segment s : segments()) {
                ids.add(s.layoutId);
            }
        }
        return ids;
    }

    /** A format-1 value as one segment of the layout of its series in key order. */
    private LatestValues inFormatTwo(SeriesLayouts layouts) {
        List<SeriesKey> keys = new ArrayList<>(legacy.keySet());
        SeriesLayout layout = layouts.of(keys);
        int n = keys.size();
        ByteBuffer out = ByteBuffer.allocate(HEADER + segmentLength(n, false)).put(FORMAT).putInt(n == 0 ? 0 : 1);
        if (n > 0) {
            out.putLong(layout.id()).putInt(n).put(TIMESTAMPS);
            for (SeriesKey key : keys) {
                out.putLong(legacy.get(key).timestampMs());
            }
            for (SeriesKey key : keys) {
                out.putDouble(legacy.get(key).value());
            }
        }
        return new LatestValues(Arrays.copyOf(out.array(), out.position()), null);
    }

    private static int segmentLength(int n, boolean oneTimestamp) {
        return Long.BYTES + Integer.BYTES + 1 + (oneTimestamp ? Long.BYTES : n * Long.BYTES) + n * Double.BYTES;
    }

    private List<Segment> segments() {
        ByteBuffer in = ByteBuffer.wrap(bytes);
        in.position(1);
        int k = in.getInt();
        List<Segment> segments = new ArrayList<>(k);
        for (int j = 0; j < k; j++) {
            int offset = in.position();
            long layoutId = in.getLong();
            int n = in.getInt();
            byte mode = in.get();
            int timestampsAt = in.position();
            int valuesAt = timestampsAt + (mode == ONE_TIMESTAMP ? Long.BYTES : n * Long.BYTES);
            int end = valuesAt + n * Double.BYTES;
            in.position(end);
            segments.add(new Segment(offset, end - offset, layoutId, n, mode == ONE_TIMESTAMP, timestampsAt, valuesAt));
        }
        return segments;
    }

    /** One layout's part of the entry, where it lies in {@link #bytes}. */
    private final class Segment {
        final int offset;
        final int length;
        final long layoutId;
        final int count;
        final boolean oneTimestamp;
        final int timestampsAt;
        final int valuesAt;
        private long newest = Long.MIN_VALUE;

        Segment(int offset, int length, long layoutId, int count, boolean oneTimestamp, int timestampsAt,
                int valuesAt) {
            this.offset = offset;
            this.length = length;
            this.layoutId = layoutId;
            this.count = count;
            this.oneTimestamp = oneTimestamp;
            this.timestampsAt = timestampsAt;
            this.valuesAt = valuesAt;
        }

        long timestamp(int i) {
            return (long) LONGS.get(bytes, oneTimestamp ? timestampsAt : timestampsAt + i * Long.BYTES);
        }

        double value(int i) {
            return (double) DOUBLES.get(bytes, valuesAt + i * Double.BYTES);
        }

        long newest() {
            if (newest == Long.MIN_VALUE) {
                long max = Long.MIN_VALUE;
                for (int i = 0; i < (oneTimestamp ? Math.min(count, 1) : count); i++) {
                    max = Math.max(max, timestamp(i));
                }
                newest = max;
            }
            return newest;
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof LatestValues other && Arrays.equals(bytes, other.bytes)
                && Objects.equals(legacy, other.legacy);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(bytes);
    }

    @Override
    public String toString() {
        return legacy != null ? "LatestValues(format 1)" + legacy : "LatestValues" + segments().size() + "segments";
    }

    /** Writes format 2 as it is kept; reads formats 1 and 2. */
    static final class Serde implements org.apache.kafka.common.serialization.Serde<LatestValues>,
            Serializer<LatestValues>, Deserializer<LatestValues> {

        private final FormatOne formatOne = new FormatOne();

        @Override
        public byte[] serialize(String topic, LatestValues value) {
            if (value == null) {
                return null;
            }
            if (value.legacy != null) {
                throw new SerializationException("latest values in format 1 are rewritten by a merge, not stored");
            }
            return value.bytes;
        }

        @Override
        public LatestValues deserialize(String topic, byte[] data) {
            if (data == null) {
                return null;
            }
            if (data.length > 0 && data[0] == 1) {
                return new LatestValues(null, formatOne.deserialize(topic, data));
            }
            if (data.length < HEADER || data[0] != FORMAT) {
                throw new SerializationException("latest values in format " + (data.length == 0 ? "(none)" : data[0])
                        + ", this version reads 1-" + FORMAT);
            }
            LatestValues values = new LatestValues(data, null);
            try {
                int end = HEADER;
                for (Segment s : values.segments()) {
                    if (s.count < 0) {
                        throw new SerializationException("latest values: a layout of " + s.count + " series");
                    }
                    end = s.offset + s.length;
                }
                if (end != data.length) {
                    throw new SerializationException("latest values: " + data.length + " bytes, segments end at " + end);
                }
            } catch (BufferUnderflowException | IllegalArgumentException e) {
                throw new SerializationException("cannot decode latest values: cut short at " + data.length + " bytes",
                        e);
            }
            return values;
        }

        @Override
        public void configure(Map<String, ?> configs, boolean isKey) {
        }

        @Override
        public void close() {
        }

        @Override
        public Serializer<LatestValues> serializer() {
            return this;
        }

        @Override
        public Deserializer<LatestValues> deserializer() {
            return this;
        }
    }

    /** Format 1: every series with its key, in key order. */
    static final class FormatOne extends StateSerde<Map<SeriesKey, Point>> {

        private final SeriesKeyCodec keys = new SeriesKeyCodec();

        FormatOne() {
            super(1, "latest values");
        }

        @Override
        protected void write(Map<SeriesKey, Point> value, io.dams.streams.state.StateOutput out) {
            out.writeInt(value.size());
            for (Map.Entry<SeriesKey, Point> e : value.entrySet()) {
                keys.write(out, e.getKey());
                out.writeLong(e.getValue().timestampMs());
                out.writeDouble(e.getValue().value());
            }
        }

        @Override
        protected Map<SeriesKey, Point> read(ByteBuffer in, int format) throws IOException {
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IOException("series count " + count + " with " + in.remaining() + " bytes left");
            }
            TreeMap<SeriesKey, Point> series = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                series.put(keys.read(in), new Point(in.getLong(), in.getDouble()));
            }
            return series;
        }
    }
}
