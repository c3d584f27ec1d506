package io.dams.schemas.serde;

import io.apicurio.registry.serde.Legacy4ByteIdHandler;
import io.apicurio.registry.serde.SerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.AvroKafkaSerdeConfig;
import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.dams.schemas.topics.Topic;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Serdes for the topics of the catalogue, backed by the schema registry.
 *
 * <p>Values are Avro in the Confluent wire format (magic byte 0, 4-byte schema id, Avro binary) so that any
 * Confluent-ecosystem consumer can read DAMS topics: the registry's content id is the id in the payload, and it
 * resolves through the Confluent-compatible API. Subjects follow the topic-name strategy ({@code <topic>-value}).
 * Keys are UTF-8 strings.
 */
public final class RegistrySerdes {

    /** Path of Apicurio's native API, which its serdes talk to. */
    public static final String NATIVE_API_PATH = "/apis/registry/v2";
    /** Path of the Confluent Schema Registry compatible API. */
    public static final String CCOMPAT_API_PATH = "/apis/ccompat/v7";

    private final String registryUrl;

    /** @param registryUrl the registry's base URL, e.g. {@code http://127.0.0.1:8081} */
    public RegistrySerdes(String registryUrl) {
        this.registryUrl = stripTrailingSlash(Objects.requireNonNull(registryUrl, "registryUrl"));
    }

    public String registryUrl() {
        return registryUrl;
    }

    /**
     * Serde configuration for the value side; pass it to {@code configure}, or merge it into producer, consumer and
     * Streams properties (Kafka hands unknown properties to the configured serializer).
     */
    public Map<String, Object> valueConfig() {
        Map<String, Object> config = new HashMap<>();
        config.put(SerdeConfig.REGISTRY_URL, registryUrl + NATIVE_API_PATH);
        // The Confluent framing's 4-byte id (the same handler as apicurio.registry.as-confluent, without its warning).
        config.put(SerdeConfig.ID_HANDLER, Legacy4ByteIdHandler.class.getName());
        config.put(SerdeConfig.ENABLE_HEADERS, false);
        config.put(SerdeConfig.USE_ID, "contentId");
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT, true);
        config.put(SerdeConfig.AUTO_REGISTER_ARTIFACT_IF_EXISTS, "RETURN_OR_UPDATE");
        config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, true);
        return config;
    }

    /** The serde of a topic's keys. */
    @SuppressWarnings("unchecked")
    public <K> Serde<K> keySerde(Topic<K, ?> topic) {
        if (topic.keyType() != String.class) {
            throw new IllegalArgumentException(topic.name() + ": only string keys are supported, not " + topic.keyType());
        }
        return (Serde<K>) Serdes.String();
    }

    /** The serde of a topic's values, decoding to the generated Avro class. */
    public <V extends SpecificRecord> Serde<V> valueSerde(Topic<?, V> topic) {
        return Serdes.serdeFrom(valueSerializer(topic), valueDeserializer(topic));
    }

    public <V extends SpecificRecord> Serializer<V> valueSerializer(Topic<?, V> topic) {
        Serializer<V> serializer = new AvroKafkaSerializer<>();
        serializer.configure(valueConfig(), false);
        return serializer;
    }

    public <V extends SpecificRecord> Deserializer<V> valueDeserializer(Topic<?, V> topic) {
        Deserializer<V> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(valueConfig(), false);
        return deserializer;
    }

    /**
     * The serde of a topic's values in the same wire format as {@link #valueSerde} (same bytes, same schema ids), for
     * hot paths: it asks the registry once per topic when writing and once per schema id when reading, instead of
     * deriving the schema from every record ({@link FramedAvroSerializer}, {@link FramedAvroDeserializer}).
     */
    public <V extends SpecificRecord> Serde<V> framedValueSerde(Topic<?, V> topic) {
        AvroKafkaSerializer<V> serializer = new AvroKafkaSerializer<>();
        serializer.configure(valueConfig(), false);
        AvroKafkaDeserializer<V> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(valueConfig(), false);
        return Serdes.serdeFrom(new FramedAvroSerializer<>(topic.valueType(), serializer),
                FramedAvroDeserializer.of(deserializer));
    }

    /**
     * A deserializer that decodes any topic's values with the writer's schema into generic records; for tools that
     * show whatever is on a topic, whichever schema version wrote it.
     */
    public Deserializer<GenericRecord> genericValueDeserializer() {
        Map<String, Object> config = valueConfig();
        config.put(AvroKafkaSerdeConfig.USE_SPECIFIC_AVRO_READER, false);
        Deserializer<GenericRecord> deserializer = new AvroKafkaDeserializer<>();
        deserializer.configure(config, false);
        return deserializer;
    }

    /** Producer properties for a topic of the catalogue: string keys, registry-backed Avro values. */
    public Map<String, Object> producerConfig() {
        Map<String, Object> config = valueConfig();
        config.put("key.serializer", StringSerializer.class.getName());
        config.put("value.serializer", AvroKafkaSerializer.class.getName());
        return config;
    }

    /** Consumer properties for a topic of the catalogue: string keys, values decoded to the generated classes. */
    public Map<String, Object> consumerConfig() {
        Map<String, Object> config = valueConfig();
        config.put("key.deserializer", StringDeserializer.class.getName());
        config.put("value.deserializer", AvroKafkaDeserializer.class.getName());
        return config;
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }
}
