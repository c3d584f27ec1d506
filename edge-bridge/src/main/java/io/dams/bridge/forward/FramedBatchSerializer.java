package io.dams.bridge.forward;

import io.apicurio.registry.serde.avro.AvroKafkaSerializer;
import io.dams.schemas.avro.MetricBatch;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Writes an {@link EncodedBatch} in the registry's Confluent framing: magic byte 0, the 4-byte schema id, then the
 * Avro binary the batch was encoded to once. The id is the one the registry serializer would write: it is learned by
 * letting that serializer write one small batch per topic (auto-registering or finding the schema, as every producer
 * does) and is kept from then on, since the writer schema is compiled in. So the registry is asked once per topic
 * instead of the schema being derived again for every record (a quarter of the bridge's CPU when it was).
 *
 * <p>Configured like the registry serializer (the producer hands it the {@code apicurio.registry.*} properties). While
 * the registry cannot be reached, {@code serialize} throws {@link SerializationException} and asks again next time.
 */
public final class FramedBatchSerializer implements Serializer<EncodedBatch> {

    private static final byte MAGIC = 0;
    private static final int FRAME_LENGTH = 5;

    private final Map<String, Integer> ids = new ConcurrentHashMap<>();
    private AvroKafkaSerializer<MetricBatch> registrySerializer;

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
        registrySerializer = new AvroKafkaSerializer<>();
        registrySerializer.configure(configs, isKey);
    }

    @Override
    public byte[] serialize(String topic, EncodedBatch batch) {
        if (batch == null) {
            return null;
        }
        int id = ids.computeIfAbsent(topic, this::resolveId);
        byte[] avro = batch.avro();
        return ByteBuffer.allocate(FRAME_LENGTH + avro.length).put(MAGIC).putInt(id).put(avro).array();
    }

    private int resolveId(String topic) {
        if (registrySerializer == null) {
            throw new IllegalStateException("FramedBatchSerializer used before configure()");
        }
        MetricBatch probe = MetricBatch.newBuilder().setAssetId("").setAgentId("").setSeq(0).setRegion("")
                .setSentAt(0).setSamples(List.of()).build();
        byte[] framed = registrySerializer.serialize(topic, probe);
        if (framed == null || framed.length < FRAME_LENGTH || framed[0] != MAGIC) {
            throw new SerializationException("the registry serializer did not write the Confluent framing for "
                    + topic + "; check apicurio.registry.id-handler");
        }
        return ByteBuffer.wrap(framed, 1, 4).getInt();
    }

    @Override
    public void close() {
        if (registrySerializer != null) {
            registrySerializer.close();
        }
    }
}
