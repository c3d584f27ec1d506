package io.dams.streams;

import io.dams.schemas.topics.Topic;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;

/**
 * Registry-free Avro for {@code TopologyTestDriver} tests only: plain Avro binary with the generated class's schema.
 * Production and integration tests use the registry ({@link TopicSerdes#registry}).
 */
public final class PlainAvroSerdes implements TopicSerdes {

    @Override
    public <V extends SpecificRecord> Serde<V> valueSerde(Topic<?, V> topic) {
        Class<V> type = topic.valueType();
        Schema schema = SpecificData.get().getSchema(type);
        SpecificDatumWriter<V> writer = new SpecificDatumWriter<>(schema);
        SpecificDatumReader<V> reader = new SpecificDatumReader<>(schema);
        return Serdes.serdeFrom((t, value) -> {
            if (value == null) {
                return null;
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(bytes, null);
            try {
                writer.write(value, encoder);
                encoder.flush();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return bytes.toByteArray();
        }, (t, data) -> {
            if (data == null) {
                return null;
            }
            try {
                var decoder = DecoderFactory.get().binaryDecoder(data, null);
                V value = reader.read(null, decoder);
                if (!decoder.isEnd()) {
                    throw new SerializationException("trailing bytes after a " + type.getSimpleName());
                }
                return value;
            } catch (IOException | RuntimeException e) {
                throw new SerializationException("not a " + type.getSimpleName() + ": " + e.getMessage(), e);
            }
        });
    }
}
