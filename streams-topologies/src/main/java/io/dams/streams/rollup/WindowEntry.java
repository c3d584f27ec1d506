package io.dams.streams.rollup;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import org.apache.kafka.common.errors.SerializationException;

/**
 * One stored part of a window: a batch's samples of one minute ({@link #SAMPLES}), or a closed minute's aggregates
 * ({@link #AGGREGATES}, the parts of an hour). Series are slots of a {@code SeriesLayout}, so an entry holds numbers,
 * not names: a batch's entry is its values and usually one timestamp, written once and never read back until its
 * window closes. Read in place; immutable.
 *
 * <p>Format 1 (big-endian): version byte 1, kind, region (int length, UTF-8), layout id (long), entry count m (int);
 * samples: slot mode (0: slots 0..m-1 in order, 1: m ints), timestamp mode (0: one long for all, 1: m longs), m
 * values (double); aggregates: per slot 0..m-1 min, max, sum (double), count (long), last (double), last timestamp
 * (long).
 */
final class WindowEntry {

    static final byte FORMAT = 1;
    static final byte SAMPLES = 1;
    static final byte AGGREGATES = 2;
    static final int AGGREGATE_BYTES = 6 * Long.BYTES;

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle DOUBLES = MethodHandles.byteArrayViewVarHandle(double[].class, ByteOrder.BIG_ENDIAN);
    private static final VarHandle INTS = MethodHandles.byteArrayViewVarHandle(int[].class, ByteOrder.BIG_ENDIAN);

    private final byte[] bytes;
    final byte kind;
    final String region;
    final long layoutId;
    final int count;
    /** Samples: where the explicit slots start, or -1 for slots 0..m-1. */
    private final int slotsAt;
    /** Samples: where the timestamps start, and whether there is one for all. */
    private final int timestampsAt;
    private final boolean oneTimestamp;
    /** Where the values (samples) or the aggregates start. */
    private final int valuesAt;

    private WindowEntry(byte[] bytes) {
        try {
            this.bytes = bytes;
            ByteBuffer in = ByteBuffer.wrap(bytes);
            if (in.get() != FORMAT) {
                throw new SerializationException("window entry in format " + bytes[0] + ", this version reads 1");
            }
            kind = in.get();
            int regionLength = in.getInt();
            if (regionLength < 0 || regionLength > in.remaining()) {
                throw new SerializationException("window entry: region of " + regionLength + " bytes");
            }
            region = new String(bytes, in.position(), regionLength, StandardCharsets.UTF_8);
            in.position(in.position() + regionLength);
            layoutId = in.getLong();
            count = in.getInt();
            if (count < 0) {
                throw new SerializationException("window entry of " + count + " series");
            }
            if (kind == SAMPLES) {
                boolean explicit = in.get() != 0;
                slotsAt = explicit ? in.position() : -1;
                in.position(in.position() + (explicit ? count * Integer.BYTES : 0));
                oneTimestamp = in.get() == 0;
                timestampsAt = in.position();
                valuesAt = timestampsAt + (oneTimestamp ? Long.BYTES : count * Long.BYTES);
                in.position(valuesAt + count * Double.BYTES);
            } else if (kind == AGGREGATES) {
                slotsAt = -1;
                oneTimestamp = false;
                timestampsAt = -1;
                valuesAt = in.position();
                in.position(valuesAt + count * AGGREGATE_BYTES);
            } else {
                throw new SerializationException("window entry of unknown kind " + kind);
            }
            if (in.hasRemaining()) {
                throw new SerializationException("window entry with " + in.remaining() + " bytes left over");
            }
        } catch (java.nio.BufferUnderflowException | IllegalArgumentException e) {
            throw new SerializationException("window entry cut short (" + bytes.length + " bytes)", e);
        }
    }

    static WindowEntry read(byte[] bytes) {
        return new WindowEntry(bytes);
    }

    /**
     * A batch's samples of one window: {@code slots[0, m)} of layout {@code layoutId} (null: slots 0..m-1), their
     * timestamps and values.
     */
    static byte[] samples(String region, long layoutId, int m, int[] slots, long[] timestamps, double[] values) {
        boolean oneTimestamp = true;
        for (int i = 1; i < m && oneTimestamp; i++) {
            oneTimestamp = timestamps[i] == timestamps[0];
        }
        byte[] regionBytes = region.getBytes(StandardCharsets.UTF_8);
        ByteBuffer out = ByteBuffer.allocate(1 + 1 + 4 + regionBytes.length + 8 + 4 + 1
                + (slots == null ? 0 : m * Integer.BYTES) + 1 + (oneTimestamp ? 8 : m * Long.BYTES) + m * Double.BYTES);
        out.put(FORMAT).put(SAMPLES).putInt(regionBytes.length).put(regionBytes).putLong(layoutId).putInt(m);
        out.put((byte) (slots == null ? 0 : 1));
        if (slots != null) {
            for (int i = 0; i < m; i++) {
                out.putInt(slots[i]);
            }
        }
        out.put((byte) (oneTimestamp ? 0 : 1));
        if (oneTimestamp) {
            out.putLong(m == 0 ? 0 : timestamps[0]);
        } else {
            for (int i = 0; i < m; i++) {
                out.putLong(timestamps[i]);
            }
        }
        for (int i = 0; i < m; i++) {
            out.putDouble(values[i]);
        }
        return out.array();
    }

    /** Aggregates of every slot of layout {@code layoutId}. */
    static byte[] aggregates(String region, long layoutId, SlotAggregates a) {
        byte[] regionBytes = region.getBytes(StandardCharsets.UTF_8);
        int m = a.size();
        ByteBuffer out = ByteBuffer.allocate(1 + 1 + 4 + regionBytes.length + 8 + 4 + m * AGGREGATE_BYTES);
        out.put(FORMAT).put(AGGREGATES).putInt(regionBytes.length).put(regionBytes).putLong(layoutId).putInt(m);
        for (int i = 0; i < m; i++) {
            out.putDouble(a.min[i]).putDouble(a.max[i]).putDouble(a.sum[i]).putLong(a.count[i]).putDouble(a.last[i])
                    .putLong(a.lastTimestamp[i]);
        }
        return out.array();
    }

    /** Adds this entry's samples or aggregates into {@code into}, whose layout is this entry's. */
    void addTo(SlotAggregates into) {
        if (kind == SAMPLES) {
            for (int i = 0; i < count; i++) {
                int slot = slotsAt < 0 ? i : (int) INTS.get(bytes, slotsAt + i * Integer.BYTES);
                long timestamp = (long) LONGS.get(bytes, oneTimestamp ? timestampsAt : timestampsAt + i * Long.BYTES);
                into.add(slot, timestamp, (double) DOUBLES.get(bytes, valuesAt + i * Double.BYTES));
            }
        } else {
            for (int i = 0; i < count; i++) {
                int at = valuesAt + i * AGGREGATE_BYTES;
                into.merge(i, (double) DOUBLES.get(bytes, at), (double) DOUBLES.get(bytes, at + 8),
                        (double) DOUBLES.get(bytes, at + 16), (long) LONGS.get(bytes, at + 24),
                        (double) DOUBLES.get(bytes, at + 32), (long) LONGS.get(bytes, at + 40));
            }
        }
    }
}
