package io.dams.streams;

import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topic;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serde;

/**
 * The value serde of each catalogue topic, as the topologies get it: registry-backed in production
 * ({@link #registry(String)}), registry-free in {@code TopologyTestDriver} tests.
 */
@FunctionalInterface
public interface TopicSerdes {

    <V extends SpecificRecord> Serde<V> valueSerde(Topic<?, V> topic);

    /**
     * Avro in the Confluent wire format, schemas in the registry at {@code registryUrl}: the registry serdes' bytes and
     * ids, asking the registry once per topic and schema id rather than deriving the schema from every record.
     */
    static TopicSerdes registry(String registryUrl) {
        return new RegistrySerdes(registryUrl)::framedValueSerde;
    }
}
