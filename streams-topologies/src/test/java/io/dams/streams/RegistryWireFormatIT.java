package io.dams.streams;

import static io.dams.streams.Fixtures.asset;
import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.AssetEvent;
import io.dams.schemas.avro.AssetEventType;
import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.avro.Liveness;
import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.SeriesAggregate;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topic;
import io.dams.schemas.topics.Topics;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.AvroBatchSerde;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The jobs' serdes ({@link TopicSerdes#registry}) against the real registry: for every topic the jobs write or keep in
 * a store, the same bytes as the registry serializer (so the same schema id, which the Confluent-compatible API
 * resolves to the topic's schema), and both deserializers read each other's records.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class RegistryWireFormatIT {

    static final long T = 1_740_830_400_000L;

    final ObjectMapper json = new ObjectMapper();

    @Test
    void shouldWriteTheRegistrySerializersBytesWithTheRegistrysIdsAndReadThemBack(Endpoints platform) throws Exception {
        RegistrySerdes registry = new RegistrySerdes(platform.registryUrl());
        TopicSerdes jobs = TopicSerdes.registry(platform.registryUrl());

        check(platform, registry, jobs, Topics.METRICS_RAW, List.of(
                batch("a1", "agent-1", 1, "eu-west-1", List.of(sample("up", T, 1))),
                batch("a1", "agent-1", 2, "eu-west-1", List.of(sample("cpu_percent", Map.of("core", "0"), T, 12.5),
                        sample("disk_used_percent", Map.of("mount", "/var"), T, 97.25))),
                batch("a2", "agent-2", 9, "us-east-1", List.of())));
        check(platform, registry, jobs, Topics.METRICS_SAMPLES, List.of(
                batch("a1", "agent-1", 1, "eu-west-1", List.of(sample("up", T, 1))),
                io.dams.schemas.avro.MetricBatch.newBuilder(batch("a1", "agent-1", 2, "eu-west-1",
                        List.of(sample("cpu_percent", Map.of("core", "0"), T, 12.5)))).setSite("dub-1")
                        .setTags(Map.of("rack", "r7")).build()));
        check(platform, registry, jobs, Topics.ASSETS, List.of(
                asset("a1", "eu-west-1", "dub-1", Map.of("rack", "r7"), 10_000),
                asset("a2", "us-east-1", null, Map.of(), 60_000)));
        check(platform, registry, jobs, Topics.ASSETS_HEALTH, List.of(
                health("a1", Liveness.UP), health("a2", Liveness.DOWN)));
        check(platform, registry, jobs, Topics.ASSETS_EVENTS, List.of(
                event("a1", AssetEventType.UP, "first data"), event("a2", AssetEventType.DOWN, null)));
        check(platform, registry, jobs, Topics.METRICS_ROLLUP_1M, List.of(
                rollup("a1", Resolution.ONE_MINUTE, 60_000), rollup("a2", Resolution.ONE_MINUTE, 60_000)));
        check(platform, registry, jobs, Topics.METRICS_ROLLUP_1H, List.of(
                rollup("a1", Resolution.ONE_HOUR, 3_600_000), rollup("a2", Resolution.ONE_HOUR, 3_600_000)));
    }

    @Test
    void shouldReadBatchesInPlaceAndWriteTheRegistrySerializersBytes(Endpoints platform) {
        RegistrySerdes registry = new RegistrySerdes(platform.registryUrl());
        TopicSerdes jobs = TopicSerdes.registry(platform.registryUrl());
        for (Topic<String, MetricBatch> topic : List.of(Topics.METRICS_RAW, Topics.METRICS_SAMPLES)) {
            AvroBatchSerde batches = new AvroBatchSerde(jobs.valueSerde(topic));
            Serializer<MetricBatch> registryWriter = registry.valueSerializer(topic);
            Deserializer<MetricBatch> registryReader = registry.valueDeserializer(topic);
            for (MetricBatch value : List.of(
                    batch("a1", "agent-1", 1, "eu-west-1", List.of(sample("up", T, 1))),
                    MetricBatch.newBuilder(batch("a1", "agent-1", 2, "eu-west-1",
                            List.of(sample("cpu_percent", Map.of("core", "0"), T, 12.5)))).setSite("dub-1")
                            .setTags(Map.of("rack", "r7")).build())) {
                byte[] reference = registryWriter.serialize(topic.name(), value);
                AvroBatch read = batches.deserialize(topic.name(), reference);
                assertThat(read.toRecord()).isEqualTo(value);
                assertThat(batches.serialize(topic.name(), read)).as(topic.name()).isEqualTo(reference);
                assertThat(registryReader.deserialize(topic.name(), batches.serialize(topic.name(), AvroBatch.of(value))))
                        .isEqualTo(value);
            }
            assertThat(batches.decodedAsRecords()).as("read in place, " + topic.name()).isZero();
        }
    }

    @Test
    void shouldReadBatchesOfAnotherSchemaVersionThroughTheRegistry(Endpoints platform) {
        // A later producer's MetricBatch with one more field: another id on the same subject (BACKWARD allows it).
        Schema evolved = SchemaBuilder.record("MetricBatch").namespace("io.dams.schemas.avro").fields()
                .name("asset_id").type().stringType().noDefault()
                .name("agent_id").type().stringType().noDefault()
                .name("seq").type().longType().noDefault()
                .name("region").type().stringType().noDefault()
                .name("sent_at").type().longType().noDefault()
                .name("received_at").type().longType().longDefault(0)
                .name("samples").type().array().items(Sample.getClassSchema()).noDefault()
                .name("site").type().optional().stringType()
                .name("tags").type().map().values().stringType().mapDefault(Map.of())
                .name("firmware").type().stringType().stringDefault("")
                .endRecord();
        String topic = "dams.test.evolved-batches";
        GenericRecord sample = new GenericData.Record(Sample.getClassSchema());
        sample.put("name", "up");
        sample.put("labels", Map.of("job", "node"));
        sample.put("timestamp_ms", T);
        sample.put("value", 1.0);
        GenericRecord newer = new GenericData.Record(evolved);
        newer.put("asset_id", "a1");
        newer.put("agent_id", "agent-1");
        newer.put("seq", 7L);
        newer.put("region", "eu-west-1");
        newer.put("sent_at", T);
        newer.put("received_at", T + 1);
        newer.put("samples", List.of(sample));
        newer.put("site", null);
        newer.put("tags", Map.of());
        newer.put("firmware", "2.1");
        RegistrySerdes registry = new RegistrySerdes(platform.registryUrl());
        io.apicurio.registry.serde.avro.AvroKafkaSerializer<GenericRecord> writer =
                new io.apicurio.registry.serde.avro.AvroKafkaSerializer<>();
        writer.configure(registry.valueConfig(), false);
        byte[] bytes = writer.serialize(topic, newer);

        AvroBatchSerde batches = new AvroBatchSerde(TopicSerdes.registry(platform.registryUrl())
                .valueSerde(Topics.METRICS_RAW));
        AvroBatch read = batches.deserialize(topic, bytes);

        assertThat(batches.decodedAsRecords()).isEqualTo(1);
        assertThat(read.toRecord()).isEqualTo(MetricBatch.newBuilder(batch("a1", "agent-1", 7, "eu-west-1",
                List.of(sample("up", Map.of("job", "node"), T, 1)))).setSentAt(T).setReceivedAt(T + 1).build());
    }

    private <V extends SpecificRecord> void check(Endpoints platform, RegistrySerdes registry, TopicSerdes jobs,
                                                  Topic<String, V> topic, List<V> values) throws Exception {
        Serde<V> framed = jobs.valueSerde(topic);
        Serializer<V> registryWriter = registry.valueSerializer(topic);
        Deserializer<V> registryReader = registry.valueDeserializer(topic);
        // Twice over: the first record of a topic goes through the registry serializer, the others do not.
        for (V value : List.of(values, values).stream().flatMap(List::stream).toList()) {
            byte[] written = framed.serializer().serialize(topic.name(), value);
            byte[] reference = registryWriter.serialize(topic.name(), value);

            assertThat(written).as(topic.name()).isEqualTo(reference);
            assertThat(registryReader.deserialize(topic.name(), written)).as(topic.name()).isEqualTo(value);
            assertThat(framed.deserializer().deserialize(topic.name(), reference)).as(topic.name()).isEqualTo(value);

            assertThat(written[0]).isZero();
            int id = ByteBuffer.wrap(written, 1, 4).getInt();
            Schema schema = new Schema.Parser().parse(schemaOfId(platform, id));
            assertThat(schema).as("schema id %d of %s in the Confluent-compatible API", id, topic.name())
                    .isEqualTo(SpecificData.get().getSchema(topic.valueType()));
        }
    }

    private String schemaOfId(Endpoints platform, int id) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create(platform.ccompatUrl() + "/schemas/ids/" + id)).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode body = json.readTree(response.body());
        return body.get("schema").asText();
    }

    private static AssetHealth health(String assetId, Liveness liveness) {
        return AssetHealth.newBuilder().setAssetId(assetId).setRegion("eu-west-1").setLiveness(liveness)
                .setLastSeen(T).setExpectedIntervalMs(10_000).setFiringAlerts(Map.of()).setUpdatedAt(T + 1).build();
    }

    private static AssetEvent event(String assetId, AssetEventType type, String detail) {
        return AssetEvent.newBuilder().setAssetId(assetId).setRegion("eu-west-1").setType(type).setAt(T)
                .setLastSeen(T - 30_000).setDetail(detail).build();
    }

    private static Rollup rollup(String assetId, Resolution resolution, long size) {
        return Rollup.newBuilder().setAssetId(assetId).setRegion("eu-west-1").setResolution(resolution)
                .setWindowStart(T).setWindowEnd(T + size).setSeries(List.of(
                        SeriesAggregate.newBuilder().setName("cpu_percent").setLabels(Map.of("core", "0")).setMin(1)
                                .setMax(9).setSum(20).setCount(4).setLast(3).setLastTimestampMs(T + 50_000).build()))
                .build();
    }
}
