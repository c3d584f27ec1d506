package io.dams.streams;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-asset state keeps its series in a hash map whose iteration order is the key order: lookups for a batch's
 * samples cost a hash each instead of a walk down a sorted tree, and the order (in which series are stored and
 * listed) only needs restoring when a batch brought a series not seen before.
 */
public final class SeriesOrder {

    private SeriesOrder() {
    }

    /** The entries of {@code series} in a new map iterating in key order. */
    public static <V> LinkedHashMap<SeriesKey, V> sorted(Map<SeriesKey, V> series) {
        SeriesKey[] keys = series.keySet().toArray(new SeriesKey[0]);
        Arrays.sort(keys);
        LinkedHashMap<SeriesKey, V> sorted = new LinkedHashMap<>(capacity(keys.length));
        for (SeriesKey key : keys) {
            sorted.put(key, series.get(key));
        }
        return sorted;
    }

    /** A hash map capacity that holds {@code entries} without resizing. */
    public static int capacity(int entries) {
        return Math.max(16, (int) (entries / 0.75f) + 1);
    }
}
