package io.dams.streams.iq;

import io.dams.streams.alerting.AlertQueries;
import io.dams.streams.ingest.AssetQueries;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.StoreQueryParameters;
import org.apache.kafka.streams.StreamsMetadata;
import org.apache.kafka.streams.errors.UnknownStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.QueryableStoreTypes;

/**
 * What {@link InteractiveQueryServer} needs of the job it serves: its state, which stores its topology has, where keys
 * live and the answers from this instance's own stores. Over a running {@link KafkaStreams} in production
 * ({@link #of}); tests give it test drivers' stores.
 */
interface ServedJob {

    KafkaStreams.State state();

    /** Whether the job's topology has the store at all (the ingest or the alerting job). */
    boolean hasStore(String store);

    /** Every instance of the application, this one included. */
    List<HostInfo> instances();

    /** The partition and active instance of {@code key} in {@code store}; null or NOT_AVAILABLE when unknown now. */
    KeyQueryMetadata owner(String store, String key);

    AssetQueries assets();

    AlertQueries alerts();

    static ServedJob of(KafkaStreams streams) {
        AssetQueries assets = AssetQueries.of(streams);
        AlertQueries alerts = AlertQueries.of(streams);
        Map<String, Boolean> known = new ConcurrentHashMap<>();
        return new ServedJob() {
            @Override
            public KafkaStreams.State state() {
                return streams.state();
            }

            @Override
            public boolean hasStore(String store) {
                Boolean has = known.get(store);
                if (has == null) {
                    try {
                        // Opening a store is lazy: only a name the topology lacks fails here.
                        streams.store(StoreQueryParameters.fromNameAndType(store,
                                QueryableStoreTypes.keyValueStore()));
                        has = true;
                    } catch (UnknownStateStoreException e) {
                        has = false;
                    }
                    known.put(store, has);
                }
                return has;
            }

            @Override
            public List<HostInfo> instances() {
                return streams.metadataForAllStreamsClients().stream().map(StreamsMetadata::hostInfo).toList();
            }

            @Override
            public KeyQueryMetadata owner(String store, String key) {
                return streams.queryMetadataForKey(store, key, Serdes.String().serializer());
            }

            @Override
            public AssetQueries assets() {
                return assets;
            }

            @Override
            public AlertQueries alerts() {
                return alerts;
            }
        };
    }
}
