package io.dams.streams.ingest;

import static io.dams.streams.Fixtures.asset;
import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.AssetEvent;
import io.dams.schemas.avro.AssetEventType;
import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.avro.Liveness;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.PlatformClients;
import io.dams.streams.StreamsJob;
import io.dams.streams.Tail;
import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.InteractiveQueryClient;
import io.dams.streams.iq.InteractiveQueryException;
import io.dams.streams.iq.SeriesValue;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The ingest job on the real platform: broker, registry, registry serdes, exactly-once, its HTTP endpoints. */
@ExtendWith(EmbeddedPlatformExtension.class)
class IngestJobIT {

    static final Duration WITHIN = Duration.ofSeconds(45);
    static final String REGION = "eu-west-1";

    @TempDir
    Path tmp;

    @Test
    void shouldDedupeValidateEnrichAndTrackAssetsThroughUndecodableRecords(Endpoints platform) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String assetId = "it-" + run;
        long t = System.currentTimeMillis();
        JobConfig config = PlatformClients.ingestJob(platform, "dams-ingest-it-" + run, tmp.resolve("state"));

        try (StreamsJob job = StreamsJob.start(config);
             KafkaProducer<String, MetricBatch> raw = PlatformClients.producer(platform, Topics.METRICS_RAW);
             KafkaProducer<String, Asset> assets = PlatformClients.producer(platform, Topics.ASSETS);
             KafkaProducer<String, byte[]> garbage = PlatformClients.bytesProducer(platform);
             Tail<MetricBatch> samples = PlatformClients.tail(platform, Topics.METRICS_SAMPLES);
             Tail<AssetHealth> health = PlatformClients.tail(platform, Topics.ASSETS_HEALTH);
             Tail<AssetEvent> events = PlatformClients.tail(platform, Topics.ASSETS_EVENTS)) {
            await().atMost(WITHIN).until(() -> job.state() == KafkaStreams.State.RUNNING);

            // Before its asset is known: held, then released enriched when the asset arrives.
            raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, batch(assetId, "agent-" + run, 1, REGION,
                    List.of(sample("boot_time_seconds", t, 1234), sample("cpu_percent", Map.of("core", "0"), t, 10)))));
            raw.flush();
            assets.send(new ProducerRecord<>(Topics.ASSETS.name(), assetId,
                    asset(assetId, REGION, "dub-1", Map.of("rack", "r7"), 10_000))).get();
            // A replay, a batch with one bad sample, bytes no deserializer can read, and one more batch.
            raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, batch(assetId, "agent-" + run, 1, REGION,
                    List.of(sample("boot_time_seconds", t, 1234), sample("cpu_percent", Map.of("core", "0"), t, 10)))));
            raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, batch(assetId, "agent-" + run, 2, REGION,
                    List.of(sample("cpu_percent", Map.of("core", "0"), t + 10_000, 20),
                            sample("cpu percent", t + 10_000, 1)))));
            raw.flush();
            garbage.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId,
                    "this is not an avro record".getBytes(StandardCharsets.UTF_8))).get();
            raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, batch(assetId, "agent-" + run, 3, REGION,
                    List.of(sample("cpu_percent", Map.of("core", "0"), t + 20_000, 30)))));
            raw.flush();

            await().atMost(WITHIN).until(() -> samples.values(assetId).size() >= 3);
            List<MetricBatch> out = samples.values(assetId);
            assertThat(out).extracting(MetricBatch::getSeq).containsExactly(1L, 2L, 3L);
            assertThat(out).allSatisfy(b -> {
                assertThat(b.getSite()).isEqualTo("dub-1");
                assertThat(b.getTags()).isEqualTo(Map.of("rack", "r7"));
            });
            assertThat(out.get(1).getSamples()).extracting(s -> s.getName()).containsExactly("cpu_percent");
            assertThat(job.state().isRunningOrRebalancing()).as("the undecodable record did not stop the job").isTrue();

            await().atMost(WITHIN).until(() -> !health.values(assetId).isEmpty() && !events.values(assetId).isEmpty());
            assertThat(health.values(assetId).get(0).getLiveness()).isEqualTo(Liveness.UP);
            assertThat(health.values(assetId).get(0).getExpectedIntervalMs()).isEqualTo(10_000);
            assertThat(events.values(assetId)).extracting(AssetEvent::getType).containsExactly(AssetEventType.UP);

            InteractiveQueryClient client = new InteractiveQueryClient(
                    URI.create("http://" + job.applicationServer().orElseThrow()));
            AssetDetail detail = await().atMost(WITHIN).ignoreExceptionsInstanceOf(InteractiveQueryException.class)
                    .until(() -> client.asset(assetId), d -> d.isPresent() && d.get().asset().lastSeen() == t + 20_000)
                    .orElseThrow();
            assertThat(detail.series()).containsExactly(
                    new SeriesValue("boot_time_seconds", Map.of(), t, 1234),
                    new SeriesValue("cpu_percent", Map.of("core", "0"), t + 20_000, 30));
            assertThat(detail.asset().site()).isEqualTo("dub-1");
            assertThat(detail.asset().liveness()).isEqualTo("UP");
            assertThat(detail.asset().registered()).isTrue();
            await().atMost(WITHIN).ignoreExceptionsInstanceOf(InteractiveQueryException.class).untilAsserted(() -> {
                assertThat(client.assets()).extracting(AssetView::assetId).contains(assetId);
                assertThat(client.asset("it-" + run + "-nobody")).isEmpty();
            });

            String metrics = get("http://127.0.0.1:" + job.statusPort() + "/metrics");
            assertThat(metrics).containsPattern(
                    "dams_streams_deserialization_errors_total\\{[^}]*topic=\"dams\\.metrics\\.raw\"[^}]*} [1-9]");
            assertThat(metrics).containsPattern("dams_ingest_batches_total\\{[^}]*result=\"duplicate\"[^}]*} [1-9]");
            assertThat(metrics).containsPattern(
                    "dams_ingest_samples_total\\{[^}]*reason=\"invalid_metric_name\"[^}]*} [1-9]");
            assertThat(get("http://127.0.0.1:" + job.statusPort() + "/healthz")).contains("\"status\":\"ok\"");
        }
    }

    @Test
    void shouldRestoreItsStoresFromTheChangelogsAfterLosingItsStateDirectory(Endpoints platform) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String assetId = "it-restore-" + run;
        long t = System.currentTimeMillis();
        Path state = tmp.resolve("state");
        JobConfig config = PlatformClients.ingestJob(platform, "dams-ingest-restore-it-" + run, state);

        try (KafkaProducer<String, MetricBatch> raw = PlatformClients.producer(platform, Topics.METRICS_RAW);
             KafkaProducer<String, Asset> assets = PlatformClients.producer(platform, Topics.ASSETS);
             Tail<MetricBatch> samples = PlatformClients.tail(platform, Topics.METRICS_SAMPLES)) {
            assets.send(new ProducerRecord<>(Topics.ASSETS.name(), assetId,
                    asset(assetId, REGION, "dub-1", Map.of(), 10_000))).get();
            MetricBatch second = batch(assetId, "agent-" + run, 2, REGION, List.of(sample("cpu_percent", t + 10_000, 20)));
            try (StreamsJob job = StreamsJob.start(config)) {
                raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, batch(assetId, "agent-" + run, 1,
                        REGION, List.of(sample("boot_time_seconds", t, 1234), sample("cpu_percent", t, 10)))));
                raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, second));
                raw.flush();
                await().atMost(WITHIN).until(() -> samples.values(assetId).size() >= 2);
                assertThat(job.state().isRunningOrRebalancing()).isTrue();
            }
            deleteTree(state);

            try (StreamsJob job = StreamsJob.start(config)) {
                // The replay must meet the restored dedupe store; the next batch shows that it was processed.
                raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, second));
                raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), assetId, batch(assetId, "agent-" + run, 3,
                        REGION, List.of(sample("cpu_percent", t + 20_000, 30)))));
                raw.flush();
                await().atMost(WITHIN).until(() -> samples.values(assetId).size() >= 3);
                assertThat(samples.values(assetId)).extracting(MetricBatch::getSeq).containsExactly(1L, 2L, 3L);

                InteractiveQueryClient client = new InteractiveQueryClient(
                        URI.create("http://" + job.applicationServer().orElseThrow()));
                Optional<AssetDetail> detail = await().atMost(WITHIN).ignoreExceptionsInstanceOf(InteractiveQueryException.class)
                        .until(() -> client.asset(assetId), d -> d.isPresent()
                                && d.get().asset().lastSeen() == t + 20_000);
                // boot_time_seconds came only with batch 1, before the state was lost: it was restored.
                assertThat(detail.orElseThrow().series()).containsExactly(
                        new SeriesValue("boot_time_seconds", Map.of(), t, 1234),
                        new SeriesValue("cpu_percent", Map.of(), t + 20_000, 30));
            }
        }
    }

    static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    static void deleteTree(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
        assertThat(root).doesNotExist();
    }
}
