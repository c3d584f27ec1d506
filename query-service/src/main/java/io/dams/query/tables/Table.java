package io.dams.query.tables;

import java.util.Map;
import java.util.Optional;

/**
 * A compacted topic as the service sees it: every key's newest value, and writes that return once they are part of
 * that view (a read right after a write shows it). Methods throw
 * {@link io.dams.query.fleet.StoreUnavailableException} while the topic cannot be read or written.
 */
public interface Table<V> {

    /** Every key's newest value, sorted by key; a snapshot that later writes do not change. */
    Map<String, V> entries();

    default Optional<V> get(String key) {
        return Optional.ofNullable(entries().get(key));
    }

    /** Publishes {@code value} under {@code key} and returns once the view shows it. */
    void put(String key, V value);

    /** Publishes a tombstone for {@code key} and returns once the view no longer shows the key. */
    void delete(String key);

    /** Whether the view has been read up to the topic's end as it was at start (reads answer only then). */
    default boolean loaded() {
        return true;
    }
}
