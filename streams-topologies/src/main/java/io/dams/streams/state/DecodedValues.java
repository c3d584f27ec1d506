package io.dams.streams.state;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.ToIntFunction;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * A processor's key-value store with the values it last wrote kept decoded beside it, so that reading one back for
 * the next batch of the same key costs a map look-up instead of decoding a per-asset value of a hundred series (in
 * the ingest and rollup jobs, that decoding was a fifth of all the work: {@code bench/RESULTS.md}). Every write still
 * goes to the store, so its changelog, restoration and interactive queries are unchanged.
 *
 * <p>Only for stores that this processor alone writes, and only while it is the one processing the task: create it
 * (or {@link #clear()} it) in the processor's {@code init}, which Kafka Streams calls again on the same processor after
 * it wiped and restored a task's stores. Values must not change after they are put, or must be
 * changed only right before they are put again: the kept object is the one put.
 *
 * <p>Bounded by a weight (e.g. series per value): when full it keeps what it holds and admits no new key, rather than
 * evicting, because each key comes back once per collection interval, round-robin, and an evicting cache smaller than
 * that round would miss every time. Deleted keys free their weight. Not thread-safe: one per processor instance.
 */
public final class DecodedValues<K, V> {

    private final KeyValueStore<K, V> store;
    private final ToIntFunction<V> weigher;
    private final long maxWeight;
    private final Map<K, Entry<V>> values = new HashMap<>();
    private long weight;

    private record Entry<V>(V value, int weight) {
    }

    /**
     * @param weigher   the weight of a value, e.g. its number of series
     * @param maxWeight the most weight kept decoded; beyond it new keys are read from the store each time
     */
    public DecodedValues(KeyValueStore<K, V> store, ToIntFunction<V> weigher, long maxWeight) {
        this.store = Objects.requireNonNull(store, "store");
        this.weigher = Objects.requireNonNull(weigher, "weigher");
        this.maxWeight = maxWeight;
    }

    public V get(K key) {
        Entry<V> entry = values.get(key);
        if (entry != null) {
            return entry.value();
        }
        V value = store.get(key);
        if (value != null) {
            keep(key, value);
        }
        return value;
    }

    public void put(K key, V value) {
        store.put(key, value);
        keep(key, value);
    }

    /** Deletes the key; unlike {@link KeyValueStore#delete}, without decoding the old value to return it. */
    public void delete(K key) {
        store.put(key, null);
        forget(key);
    }

    /** Forgets every decoded value; the store is untouched. */
    public void clear() {
        values.clear();
        weight = 0;
    }

    /** How many values are kept decoded. */
    public int size() {
        return values.size();
    }

    private void keep(K key, V value) {
        int w = weigher.applyAsInt(value);
        Entry<V> old = values.get(key);
        long without = weight - (old == null ? 0 : old.weight());
        if (without + w > maxWeight) {
            if (old != null) {
                forget(key); // grew beyond the room left: read it from the store from now on
            }
            return;
        }
        values.put(key, new Entry<>(value, w));
        weight = without + w;
    }

    private void forget(K key) {
        Entry<V> old = values.remove(key);
        if (old != null) {
            weight -= old.weight();
        }
    }
}
