package io.dams.schemas.serde;

import static io.dams.schemas.serde.FramedAvroSerializerTest.batch;
import static io.dams.schemas.serde.FramedAvroSerializerTest.framed;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.MetricBatch;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.junit.jupiter.api.Test;

class FramedAvroDeserializerTest {

    /** MetricBatch as it was before received_at, site and tags: records written with it must still be read. */
    static final Schema OLD_BATCH = new Schema.Parser().parse("""
            {"type": "record", "name": "MetricBatch", "namespace": "io.dams.schemas.avro", "fields": [
              {"name": "asset_id", "type": "string"},
              {"name": "agent_id", "type": "string"},
              {"name": "seq", "type": "long"},
              {"name": "region", "type": "string"},
              {"name": "sent_at", "type": "long"},
              {"name": "samples", "type": {"type": "array", "items": {"type": "record", "name": "Sample", "fields": [
                {"name": "name", "type": "string"},
                {"name": "labels", "type": {"type": "map", "values": "string"}, "default": {}},
                {"name": "timestamp_ms", "type": "long"},
                {"name": "value", "type": "double"}]}}}]}""");

    final List<Integer> lookups = new ArrayList<>();
    final List<String> registryCalls = new ArrayList<>();
    final Deserializer<MetricBatch> registry = (topic, data) -> {
        registryCalls.add(topic);
        throw new SerializationException("Unknown magic byte!");
    };
    final Map<Integer, Schema> schemas = Map.of(7, MetricBatch.getClassSchema(), 3, OLD_BATCH);
    final FramedAvroDeserializer<MetricBatch> deserializer = new FramedAvroDeserializer<>(registry, id -> {
        lookups.add(id);
        return schemas.get(id);
    });

    @Test
    void shouldDecodeFramedRecordsLookingEachSchemaIdUpOnce() {
        for (long seq = 1; seq <= 5; seq++) {
            assertThat(deserializer.deserialize("raw", framed(7, batch(seq, 4)))).isEqualTo(batch(seq, 4));
        }
        assertThat(lookups).containsExactly(7);
        assertThat(registryCalls).isEmpty();
    }

    @Test
    void shouldReadRecordsWrittenWithAnOlderSchemaFillingInTheDefaults() throws Exception {
        GenericRecord sample = new GenericData.Record(OLD_BATCH.getField("samples").schema().getElementType());
        sample.put("name", "cpu_percent");
        sample.put("labels", Map.of("core", "0"));
        sample.put("timestamp_ms", 1_700_000_000_000L);
        sample.put("value", 12.5);
        GenericRecord old = new GenericData.Record(OLD_BATCH);
        old.put("asset_id", "node-1");
        old.put("agent_id", "agent-1");
        old.put("seq", 9L);
        old.put("region", "eu-west-1");
        old.put("sent_at", 1_700_000_000_000L);
        old.put("samples", List.of(sample));
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.write(0);
        out.write(ByteBuffer.allocate(4).putInt(3).array());
        BinaryEncoder encoder = EncoderFactory.get().binaryEncoder(out, null);
        new GenericDatumWriter<GenericRecord>(OLD_BATCH).write(old, encoder);
        encoder.flush();

        MetricBatch read = deserializer.deserialize("raw", out.toByteArray());

        assertThat(read.getSeq()).isEqualTo(9);
        assertThat(read.getSamples().get(0).getLabels()).isEqualTo(Map.of("core", "0"));
        assertThat(read.getReceivedAt()).isZero();
        assertThat(read.getSite()).isNull();
        assertThat(read.getTags()).isEmpty();
        assertThat(deserializer.deserialize("raw", framed(7, batch(1, 1)))).isEqualTo(batch(1, 1));
        assertThat(lookups).containsExactly(3, 7);
    }

    @Test
    void shouldHandBytesWithoutTheFramingToTheRegistryDeserializer() {
        assertThatThrownBy(() -> deserializer.deserialize("raw", "not avro at all".getBytes()))
                .isInstanceOf(SerializationException.class).hasMessage("Unknown magic byte!");
        assertThatThrownBy(() -> deserializer.deserialize("raw", new byte[]{0, 0, 0}))
                .isInstanceOf(SerializationException.class).hasMessage("Unknown magic byte!");
        assertThat(registryCalls).containsExactly("raw", "raw");
        assertThat(lookups).isEmpty();
    }

    @Test
    void shouldRefuseTruncatedAvroWithASerializationException() {
        byte[] whole = framed(7, batch(1, 3));
        byte[] truncated = java.util.Arrays.copyOf(whole, whole.length - 10);

        assertThatThrownBy(() -> deserializer.deserialize("raw", truncated))
                .isInstanceOf(SerializationException.class).hasMessageContaining("schema id 7");
    }

    @Test
    void shouldReadNullAsNull() {
        assertThat(deserializer.deserialize("raw", null)).isNull();
    }
}
