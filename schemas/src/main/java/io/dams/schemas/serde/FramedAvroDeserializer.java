package io.dams.schemas.serde;

import io.apicurio.registry.resolver.strategy.ArtifactReference;
import io.apicurio.registry.serde.avro.AvroKafkaDeserializer;
import io.apicurio.registry.serde.avro.DefaultAvroDatumProvider;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.IntFunction;
import org.apache.avro.Schema;
import org.apache.avro.io.DatumReader;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.header.Headers;
import org.apache.kafka.common.serialization.Deserializer;

/**
 * Reads values in the Confluent framing (magic byte 0, the 4-byte schema id, Avro binary) as the registry
 * deserializer does, with the same reader (the generated class of the writer schema's name), but builds that reader
 * once per schema id instead of once per record. The writer schema of an id is looked up through the registry
 * deserializer's own resolver and id handler, so ids mean what they mean to it.
 *
 * <p>Bytes that do not start with the framing go to the registry deserializer, which refuses them with its usual
 * error. Thread-safe; configured at construction.
 */
public final class FramedAvroDeserializer<V extends SpecificRecord> implements Deserializer<V> {

    private final Deserializer<V> registryDeserializer;
    private final IntFunction<Schema> writerSchemas;
    private final DefaultAvroDatumProvider<V> readers = new DefaultAvroDatumProvider<>(true);
    private final Map<Integer, DatumReader<V>> readerById = new ConcurrentHashMap<>();

    FramedAvroDeserializer(Deserializer<V> registryDeserializer, IntFunction<Schema> writerSchemas) {
        this.registryDeserializer = Objects.requireNonNull(registryDeserializer, "registryDeserializer");
        this.writerSchemas = Objects.requireNonNull(writerSchemas, "writerSchemas");
    }

    /**
     * @param registryDeserializer a configured registry deserializer for the Confluent framing (4-byte ids); it
     *                             resolves each new schema id and is closed with this one
     */
    public static <V extends SpecificRecord> FramedAvroDeserializer<V> of(AvroKafkaDeserializer<V> registryDeserializer) {
        if (registryDeserializer.getIdHandler().idSize() != FramedAvroSerializer.FRAME_LENGTH - 1) {
            throw new IllegalArgumentException("the registry deserializer reads " + registryDeserializer.getIdHandler()
                    .idSize() + "-byte ids, not the Confluent framing's 4; check apicurio.registry.id-handler");
        }
        return new FramedAvroDeserializer<>(registryDeserializer, id -> {
            ArtifactReference reference = registryDeserializer.getIdHandler().readId(
                    ByteBuffer.allocate(Integer.BYTES).putInt(0, id));
            return registryDeserializer.getSchemaResolver().resolveSchemaByArtifactReference(reference)
                    .getParsedSchema().getParsedSchema();
        });
    }

    @Override
    public V deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        if (data.length < FramedAvroSerializer.FRAME_LENGTH || data[0] != FramedAvroSerializer.MAGIC) {
            return registryDeserializer.deserialize(topic, data);
        }
        int id = ByteBuffer.wrap(data, 1, Integer.BYTES).getInt();
        DatumReader<V> reader = readerById.get(id);
        if (reader == null) {
            reader = readerById.computeIfAbsent(id, i -> readers.createDatumReader(writerSchemas.apply(i)));
        }
        try {
            return reader.read(null, DecoderFactory.get().binaryDecoder(data, FramedAvroSerializer.FRAME_LENGTH,
                    data.length - FramedAvroSerializer.FRAME_LENGTH, null));
        } catch (IOException | RuntimeException e) {
            throw new SerializationException("cannot decode a record of " + topic + " written with schema id " + id
                    + ": " + e.getMessage(), e);
        }
    }

    /** Headers carry no schema reference in the Confluent framing (the registry serdes run with headers off). */
    @Override
    public V deserialize(String topic, Headers headers, byte[] data) {
        return deserialize(topic, data);
    }

    @Override
    public void close() {
        registryDeserializer.close();
    }
}
