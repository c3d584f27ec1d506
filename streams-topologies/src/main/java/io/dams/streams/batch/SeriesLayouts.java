package io.dams.streams.batch;

import io.dams.streams.SeriesKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * The series layouts of one task: stored in {@value #STORE} (layout id in hex → {@link SeriesLayout}'s stored form),
 * which the task's other stores refer to by id, and kept decoded in memory once used. Finding a batch's layout costs
 * a hash of its series' bytes and a comparison with the layout's; the store is read only for a layout not used since
 * the task started and written only for a new one. A task's processor owns its instance; not thread-safe.
 */
public final class SeriesLayouts {

    /** layout id (16 hex digits) → the layout's series. */
    public static final String STORE = "series-layouts";
    /** Past this many layouts in memory it starts again; the store keeps them all. */
    static final int MAX_CACHED = 10_000;

    private final ReadOnlyKeyValueStore<String, byte[]> reads;
    private final KeyValueStore<String, byte[]> writes;
    private final Map<Long, SeriesLayout> cache = new HashMap<>();
    private SeriesLayout lastUsed;

    /** Decoded layouts kept across instances (interactive queries make one per request), checked against the store. */
    private final Map<Long, SeriesLayout> shared;

    private SeriesLayouts(ReadOnlyKeyValueStore<String, byte[]> reads, KeyValueStore<String, byte[]> writes,
                          Map<Long, SeriesLayout> shared) {
        this.reads = reads;
        this.writes = writes;
        this.shared = shared;
    }

    public static StoreBuilder<KeyValueStore<String, byte[]>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), Serdes.ByteArray());
    }

    /** Over a processor's own store, which it may add layouts to. */
    public static SeriesLayouts over(KeyValueStore<String, byte[]> store) {
        return new SeriesLayouts(store, store, null);
    }

    /** Over a store read by interactive queries: finds layouts, never adds one. */
    public static SeriesLayouts reading(ReadOnlyKeyValueStore<String, byte[]> store) {
        return new SeriesLayouts(store, null, null);
    }

    /**
     * The same, reusing the decoded series keys of layouts in {@code remembered} (shared by the instances of one
     * reader, thread-safe) when the store holds the same series under the id.
     */
    public static SeriesLayouts reading(ReadOnlyKeyValueStore<String, byte[]> store,
                                        Map<Long, SeriesLayout> remembered) {
        return new SeriesLayouts(store, null, remembered);
    }

    /** The layout of {@code batch}'s samples, added to the store when new. */
    public SeriesLayout of(AvroBatch batch) {
        long hash = SeriesLayout.hash(batch);
        SeriesLayout last = lastUsed;
        if (last != null && last.id() == hash && last.matches(batch)) {
            return last; // most batches: the layout of the batch before
        }
        for (long id = hash; ; id++) {
            SeriesLayout known = get(id);
            if (known == null) {
                lastUsed = add(SeriesLayout.of(id, batch));
                return lastUsed;
            }
            if (known.matches(batch)) {
                lastUsed = known;
                return known;
            }
        }
    }

    /** The layout of these series in this order, added to the store when new. */
    public SeriesLayout of(List<SeriesKey> series) {
        SeriesLayout wanted = SeriesLayout.of(0, series);
        for (long id = wanted.hash(); ; id++) {
            SeriesLayout known = get(id);
            if (known == null) {
                return add(SeriesLayout.of(id, series));
            }
            if (known.sameSeries(wanted)) {
                return known;
            }
        }
    }

    /** The layout with this id, or null when the store has none. */
    public SeriesLayout get(long id) {
        SeriesLayout layout = cache.get(id);
        if (layout == null) {
            byte[] stored = reads.get(key(id));
            if (stored == null) {
                return null;
            }
            layout = SeriesLayout.fromStored(id, stored);
            if (shared != null) {
                SeriesLayout known = shared.get(id);
                if (known != null && known.sameSeries(layout)) {
                    layout = known;
                } else {
                    if (shared.size() >= MAX_CACHED) {
                        shared.clear();
                    }
                    shared.put(id, layout);
                }
            }
            remember(layout);
        }
        return layout;
    }

    /** The layout with this id; a missing one is state that lost a part of itself, which cannot be read on. */
    public SeriesLayout require(long id) {
        SeriesLayout layout = get(id);
        if (layout == null) {
            throw new IllegalStateException("series layout " + key(id) + " is missing from " + STORE);
        }
        return layout;
    }

    /** Deletes the stored layouts that {@code inUse} says no longer anyone refers to; returns how many. */
    public int forgetUnused(Predicate<Long> inUse) {
        List<String> unused = new ArrayList<>();
        try (KeyValueIterator<String, byte[]> all = writes.all()) {
            while (all.hasNext()) {
                KeyValue<String, byte[]> layout = all.next();
                if (!inUse.test(Long.parseUnsignedLong(layout.key, 16))) {
                    unused.add(layout.key);
                }
            }
        }
        for (String key : unused) {
            writes.delete(key);
            cache.remove(Long.parseUnsignedLong(key, 16));
        }
        lastUsed = null;
        return unused.size();
    }

    private SeriesLayout add(SeriesLayout layout) {
        if (writes == null) {
            throw new IllegalStateException("a read-only view of " + STORE + " cannot add a layout");
        }
        writes.put(key(layout.id()), layout.toStored());
        return remember(layout);
    }

    private SeriesLayout remember(SeriesLayout layout) {
        if (cache.size() >= MAX_CACHED) {
            cache.clear();
            lastUsed = null;
        }
        cache.put(layout.id(), layout);
        return layout;
    }

    static String key(long id) {
        String hex = Long.toHexString(id);
        return "0".repeat(16 - hex.length()) + hex;
    }
}
