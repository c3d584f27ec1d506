package io.dams.streams.iq;

import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.state.QueryableStoreTypes;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/** Opens a key-value store by name; over a running {@link KafkaStreams} ({@link #of}), or a test driver's stores. */
public interface LocalStores {

    <V> ReadOnlyKeyValueStore<String, V> store(String name);

    /** Only the store of one partition; by default all of them, which holds the same keys. */
    default <V> ReadOnlyKeyValueStore<String, V> store(String name, int partition) {
        return store(name);
    }

    /** The stores of the local active tasks of a running job. */
    static LocalStores of(KafkaStreams streams) {
        return new LocalStores() {
            @Override
            public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
                return streams.store(StoreQueryParameters.fromNameAndType(name,
                        QueryableStoreTypes.<String, V>keyValueStore()));
            }

            @Override
            public <V> ReadOnlyKeyValueStore<String, V> store(String name, int partition) {
                return streams.store(StoreQueryParameters.fromNameAndType(name,
                        QueryableStoreTypes.<String, V>keyValueStore()).withPartition(partition));
            }
        };
    }
}
