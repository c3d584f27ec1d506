package io.dams.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.embedded.bootstrap.SchemaBootstrap;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.specific.SpecificData;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Serializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The contracts on the real broker and registry: framing, readability by any Confluent consumer, compatibility. */
@ExtendWith(EmbeddedPlatformExtension.class)
class ContractsIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void shouldProduceAMetricBatchAndConsumeItBackWithItsSchemaFromTheRegistry(Endpoints platform) throws Exception {
        RegistrySerdes serdes = new RegistrySerdes(platform.registryUrl());
        MetricBatch sent = batch("node-" + UUID.randomUUID(), 1);
        RecordMetadata written = send(platform, serdes, sent);

        Map<String, Object> props = new HashMap<>(serdes.consumerConfig());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        try (KafkaConsumer<String, MetricBatch> consumer = new KafkaConsumer<>(props)) {
            ConsumerRecord<String, MetricBatch> received = readAt(consumer, written);
            assertThat(received.key()).isEqualTo(sent.getAssetId());
            assertThat(received.value()).isEqualTo(sent);
        }
    }

    @Test
    void shouldWriteBytesThatPlainAvroDecodesWithTheWriterSchemaFromTheConfluentApi(Endpoints platform)
            throws Exception {
        RegistrySerdes serdes = new RegistrySerdes(platform.registryUrl());
        MetricBatch sent = batch("node-" + UUID.randomUUID(), 2);
        RecordMetadata written = send(platform, serdes, sent);

        Map<String, Object> props = new HashMap<>();
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        try (KafkaConsumer<String, byte[]> consumer =
                     new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
            ByteBuffer payload = ByteBuffer.wrap(readAt(consumer, written).value());
            assertThat(payload.get()).as("Confluent magic byte").isZero();
            int schemaId = payload.getInt();

            // What any Confluent-ecosystem consumer does: fetch the writer schema by id, decode plain Avro binary.
            HttpResponse<String> response = HttpClient.newHttpClient().send(
                    HttpRequest.newBuilder(URI.create(platform.ccompatUrl() + "/schemas/ids/" + schemaId)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode()).isEqualTo(200);
            Schema writer = new Schema.Parser().parse(JSON.readTree(response.body()).get("schema").asText());
            GenericRecord decoded = new GenericDatumReader<GenericRecord>(writer).read(null, DecoderFactory.get()
                    .binaryDecoder(payload.array(), payload.position(), payload.remaining(), null));

            assertThat(decoded.get("asset_id")).hasToString(sent.getAssetId());
            assertThat(decoded.get("seq")).isEqualTo(2L);
            @SuppressWarnings("unchecked")
            GenericRecord sample = ((List<GenericRecord>) decoded.get("samples")).get(0);
            assertThat(sample.get("name")).hasToString("cpu_percent");
            assertThat(sample.get("value")).isEqualTo(42.5);
        }
    }

    @Test
    void shouldRefuseABackwardIncompatibleSchemaAndAcceptACompatibleOne(Endpoints platform) {
        Schema current = SpecificData.get().getSchema(MetricBatch.class);
        SchemaBootstrap registry = new SchemaBootstrap(platform.ccompatUrl());

        // A new required field without a default: readers of the new schema could not read old data.
        Schema incompatible = withExtraField(current, false);
        assertThatThrownBy(() -> registry.register(Topics.METRICS_RAW.valueSubject(), incompatible))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("not BACKWARD compatible");

        // The producer's auto-registration is refused too, so an incompatible writer never reaches the topic.
        RegistrySerdes serdes = new RegistrySerdes(platform.registryUrl());
        Map<String, Object> config = serdes.valueConfig();
        try (Serializer<GenericRecord> serializer = new io.apicurio.registry.serde.avro.AvroKafkaSerializer<>()) {
            serializer.configure(config, false);
            GenericRecord record = new org.apache.avro.generic.GenericRecordBuilder(incompatible)
                    .set("asset_id", "a").set("agent_id", "a").set("seq", 1L).set("region", "r").set("sent_at", 1L)
                    .set("samples", new ArrayList<>()).set("extra", "x").build();
            assertThatThrownBy(() -> serializer.serialize(Topics.METRICS_RAW.name(), record))
                    .hasStackTraceContaining("RuleViolation");
        }

        // A new field with a default is BACKWARD compatible. Register it under a scratch subject that starts from
        // the current schema, so that the shared platform's own subject keeps its version.
        String scratch = "compat-" + UUID.randomUUID() + "-value";
        int v1 = registry.register(scratch, current);
        int v2 = registry.register(scratch, withExtraField(current, true));
        assertThat(v2).isNotEqualTo(v1);
    }

    private static Schema withExtraField(Schema schema, boolean withDefault) {
        List<Schema.Field> fields = new ArrayList<>();
        for (Schema.Field f : schema.getFields()) {
            fields.add(new Schema.Field(f, f.schema()));
        }
        fields.add(withDefault
                ? new Schema.Field("extra", SchemaBuilder.builder().stringType(), "added later", "none")
                : new Schema.Field("extra", SchemaBuilder.builder().stringType(), "added later"));
        return Schema.createRecord(schema.getName(), schema.getDoc(), schema.getNamespace(), false, fields);
    }

    static MetricBatch batch(String assetId, long seq) {
        long now = System.currentTimeMillis();
        return MetricBatch.newBuilder()
                .setAssetId(assetId).setAgentId("agent-" + assetId).setSeq(seq).setRegion("eu-west-1").setSentAt(now)
                .setSamples(List.of(
                        Sample.newBuilder().setName("cpu_percent").setTimestampMs(now).setValue(42.5).build(),
                        Sample.newBuilder().setName("disk_used_percent").setLabels(Map.of("mount", "/"))
                                .setTimestampMs(now).setValue(71.0).build()))
                .build();
    }

    private static RecordMetadata send(Endpoints platform, RegistrySerdes serdes, MetricBatch batch)
            throws Exception {
        Map<String, Object> props = new HashMap<>(serdes.producerConfig());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        try (KafkaProducer<String, MetricBatch> producer = new KafkaProducer<>(props)) {
            return producer.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), batch.getAssetId(), batch)).get();
        }
    }

    private static <V> ConsumerRecord<String, V> readAt(KafkaConsumer<String, V> consumer, RecordMetadata at) {
        TopicPartition partition = new TopicPartition(at.topic(), at.partition());
        consumer.assign(List.of(partition));
        consumer.seek(partition, at.offset());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (System.nanoTime() < deadline) {
            for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                if (record.offset() == at.offset()) {
                    return record;
                }
            }
        }
        throw new AssertionError("record at " + at + " not read back within 30 s");
    }
}
