package io.dams.streams.state;

import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;

/**
 * A store serde that decodes each distinct value once: a store read for every batch (an asset's registration, read
 * twice per batch by the ingest job) then costs a hash of the bytes instead of an Avro decode. The values handed out
 * are shared, so they must be treated as immutable. At most {@code capacity} values are remembered; past that it
 * starts again. Thread-safe.
 */
public final class RememberedValues<V> implements Serde<V>, Deserializer<V> {

    private final Serde<V> inner;
    private final int capacity;
    private final Map<ByteSpan, V> decoded = new ConcurrentHashMap<>();

    public RememberedValues(Serde<V> inner, int capacity) {
        this.inner = Objects.requireNonNull(inner, "inner");
        this.capacity = capacity;
    }

    @Override
    public V deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        // The store hands out a new array for every read: compared by content.
        ByteSpan key = new ByteSpan(data, 0, data.length);
        V value = decoded.get(key);
        if (value == null) {
            value = inner.deserializer().deserialize(topic, data);
            if (decoded.size() >= capacity) {
                decoded.clear();
            }
            decoded.put(key, value);
        }
        return value;
    }

    @Override
    public Serializer<V> serializer() {
        return inner.serializer();
    }

    @Override
    public Deserializer<V> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        inner.configure(configs, isKey);
    }

    @Override
    public void close() {
        inner.close();
    }
}
