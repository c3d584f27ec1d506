package io.dams.query;

import io.dams.query.fleet.StoreUnavailableException;
import io.dams.query.tables.Table;
import java.util.Collections;
import java.util.Map;
import java.util.TreeMap;

/** A table in memory, for the query service's own tests; the real one ({@code KafkaTable}) is tested against Kafka. */
public final class InMemoryTable<V> implements Table<V> {

    private final TreeMap<String, V> entries = new TreeMap<>();
    private volatile StoreUnavailableException unavailable;
    private volatile boolean loaded = true;

    public void loaded(boolean loaded) {
        this.loaded = loaded;
    }

    @Override
    public boolean loaded() {
        return loaded;
    }

    public void unavailable(StoreUnavailableException e) {
        this.unavailable = e;
    }

    @Override
    public synchronized Map<String, V> entries() {
        check();
        return Collections.unmodifiableMap(new TreeMap<>(entries));
    }

    @Override
    public synchronized void put(String key, V value) {
        check();
        entries.put(key, value);
    }

    @Override
    public synchronized void delete(String key) {
        check();
        entries.remove(key);
    }

    private void check() {
        StoreUnavailableException e = unavailable;
        if (e != null) {
            throw e;
        }
    }
}
