package io.dams.streams.batch;

import io.dams.streams.SeriesKey;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.apache.kafka.common.errors.SerializationException;

/**
 * The series of a batch, in its order, as their Avro binary (each a name, then a map of labels): what batch after
 * batch of one agent has in common. State stores hold a layout's id and one number per series instead of every
 * series' name and labels again; the layout itself is stored once per job task ({@code series-layouts}). Its id is a
 * 64-bit hash of its bytes ({@link #hash}); the rare layout whose hash is taken is stored under the next free id.
 * Immutable; the series keys are made when first asked for.
 */
public final class SeriesLayout {

    private static final int FORMAT = 1;

    private final long id;
    /** The series' bytes, one after another; series {@code i} lies in {@code [offsets[i], offsets[i + 1])}. */
    private final byte[] bytes;
    private final int[] offsets;
    private volatile SeriesKey[] keys;
    private volatile int[] inKeyOrder;
    private volatile Map<SeriesKey, Integer> slots;
    private volatile Boolean repeated;

    private SeriesLayout(long id, byte[] bytes, int[] offsets) {
        this.id = id;
        this.bytes = bytes;
        this.offsets = offsets;
    }

    /** The layout of {@code batch}'s samples, under {@code id}. */
    static SeriesLayout of(long id, AvroBatch batch) {
        int n = batch.size();
        int[] offsets = new int[n + 1];
        int length = 0;
        for (int i = 0; i < n; i++) {
            offsets[i] = length;
            length += batch.seriesLength(i);
        }
        offsets[n] = length;
        byte[] bytes = new byte[length];
        for (int i = 0; i < n; i++) {
            batch.copySeries(i, bytes, offsets[i]);
        }
        return new SeriesLayout(id, bytes, offsets);
    }

    /** The layout of these series in this order (labels written sorted by name), under {@code id}. */
    static SeriesLayout of(long id, List<SeriesKey> series) {
        AvroWriting out = new AvroWriting(32 * series.size() + 16);
        int[] offsets = new int[series.size() + 1];
        for (int i = 0; i < series.size(); i++) {
            offsets[i] = out.size();
            SeriesKey key = series.get(i);
            out.writeString(key.name());
            out.writeStringMap(key.labels());
        }
        offsets[series.size()] = out.size();
        return new SeriesLayout(id, out.toByteArray(), offsets);
    }

    /** The hash that is a layout's id unless another layout had it first; the same for a batch and its layout. */
    static long hash(AvroBatch batch) {
        long h = 0x9E3779B97F4A7C15L ^ batch.size();
        for (int i = 0; i < batch.size(); i++) {
            h = batch.hashSeries(i, h);
        }
        return finish(h);
    }

    long hash() {
        long h = 0x9E3779B97F4A7C15L ^ size();
        for (int i = 0; i < size(); i++) {
            h = mix(h, bytes, offsets[i], offsets[i + 1]);
        }
        return finish(h);
    }

    /** Folds {@code bytes[at, end)} and its length into {@code h}, eight bytes a step. */
    static long mix(long h, byte[] bytes, int at, int end) {
        h = (h ^ (end - at)) * 0xFF51AFD7ED558CCDL;
        int i = at;
        for (; i + 8 <= end; i += 8) {
            h = (h ^ (long) LONGS.get(bytes, i)) * 0xC4CEB9FE1A85EC53L;
            h ^= h >>> 29;
        }
        long tail = 0;
        for (int shift = 0; i < end; i++, shift += 8) {
            tail |= (bytes[i] & 0xffL) << shift;
        }
        return ((h ^ tail) * 0xC4CEB9FE1A85EC53L) ^ (h >>> 31);
    }

    private static long finish(long h) {
        h ^= h >>> 33;
        h *= 0xFF51AFD7ED558CCDL;
        return h ^ (h >>> 33);
    }

    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    public long id() {
        return id;
    }

    /** How many series it has. */
    public int size() {
        return offsets.length - 1;
    }

    /** Whether {@code batch}'s samples are these series in this order. */
    boolean matches(AvroBatch batch) {
        if (batch.size() != size()) {
            return false;
        }
        for (int i = 0; i < size(); i++) {
            if (!batch.seriesEquals(i, bytes, offsets[i], offsets[i + 1])) {
                return false;
            }
        }
        return true;
    }

    /** The key of series {@code i}. */
    public SeriesKey key(int i) {
        return keys()[i];
    }

    /** The slot of {@code key}, or -1. */
    public int slotOf(SeriesKey key) {
        Map<SeriesKey, Integer> bySeries = slots;
        if (bySeries == null) {
            SeriesKey[] all = keys();
            bySeries = new HashMap<>(all.length * 2);
            for (int i = 0; i < all.length; i++) {
                bySeries.putIfAbsent(all[i], i); // a batch that repeats a series: its first place
            }
            slots = bySeries;
        }
        Integer slot = bySeries.get(key);
        return slot == null ? -1 : slot;
    }

    /** Whether some series has two slots (a batch that repeated a series). */
    public boolean repeatsASeries() {
        Boolean repeats = repeated;
        if (repeats == null) {
            repeats = false;
            for (int i = 0; i < size() && !repeats; i++) {
                repeats = slotOf(key(i)) != i;
            }
            repeated = repeats;
        }
        return repeats;
    }

    /** Its slots in the order of their series keys: the order in which series are listed everywhere. */
    public int[] inKeyOrder() {
        int[] order = inKeyOrder;
        if (order == null) {
            SeriesKey[] all = keys();
            Integer[] boxed = new Integer[all.length];
            for (int i = 0; i < boxed.length; i++) {
                boxed[i] = i;
            }
            Arrays.sort(boxed, (a, b) -> all[a].compareTo(all[b]));
            order = Arrays.stream(boxed).mapToInt(Integer::intValue).toArray();
            inKeyOrder = order;
        }
        return order;
    }

    private SeriesKey[] keys() {
        SeriesKey[] all = keys;
        if (all == null) {
            all = new SeriesKey[size()];
            for (int i = 0; i < all.length; i++) {
                all[i] = decode(bytes, offsets[i], offsets[i + 1]);
            }
            keys = all;
        }
        return all;
    }

    /** Its stored form: a format byte, the series count, each series' length, then their bytes. */
    byte[] toStored() {
        ByteBuffer out = ByteBuffer.allocate(1 + 4 + 4 * size() + bytes.length);
        out.put((byte) FORMAT).putInt(size());
        for (int i = 0; i < size(); i++) {
            out.putInt(offsets[i + 1] - offsets[i]);
        }
        return out.put(bytes).array();
    }

    static SeriesLayout fromStored(long id, byte[] stored) {
        try {
            ByteBuffer in = ByteBuffer.wrap(stored);
            int format = in.get();
            if (format != FORMAT) {
                throw new SerializationException("series layout in format " + format + ", this version reads 1");
            }
            int n = in.getInt();
            if (n < 0 || n > in.remaining() / 4) {
                throw new SerializationException("series layout of " + n + " series in " + stored.length + " bytes");
            }
            int[] offsets = new int[n + 1];
            for (int i = 0; i < n; i++) {
                int length = in.getInt();
                if (length < 0) {
                    throw new SerializationException("series layout with a series of length " + length);
                }
                offsets[i + 1] = offsets[i] + length;
            }
            if (offsets[n] != in.remaining()) {
                throw new SerializationException("series layout: " + offsets[n] + " bytes of series, "
                        + in.remaining() + " stored");
            }
            return new SeriesLayout(id, Arrays.copyOfRange(stored, in.position(), stored.length), offsets);
        } catch (java.nio.BufferUnderflowException e) {
            throw new SerializationException("series layout cut short (" + stored.length + " bytes)", e);
        }
    }

    /** Whether it is the same series in the same order as {@code other}. */
    boolean sameSeries(SeriesLayout other) {
        return Arrays.equals(offsets, other.offsets) && Arrays.equals(bytes, other.bytes);
    }

    /** The distinct series of these layouts, in key order. */
    public static List<SeriesKey> union(Collection<SeriesLayout> layouts) {
        TreeSet<SeriesKey> all = new TreeSet<>();
        for (SeriesLayout layout : layouts) {
            all.addAll(Arrays.asList(layout.keys()));
        }
        return List.copyOf(all);
    }

    @Override
    public String toString() {
        return "SeriesLayout[" + Long.toHexString(id) + ", " + size() + " series]";
    }

    /** The key of the name and labels in {@code bytes[at, end)}, made anew. */
    static SeriesKey decode(byte[] bytes, int at, int end) {
        AvroBatch.Reader in = new AvroBatch.Reader(bytes, at, end);
        String name = in.readString("sample name");
        Map<String, String> labels = new HashMap<>();
        for (long block = in.readBlockCount("sample labels"); block != 0; block = in.readBlockCount("sample labels")) {
            for (long i = 0; i < block; i++) {
                labels.put(in.readString("label name"), in.readString("label value"));
            }
        }
        return SeriesKey.of(name, labels);
    }
}
