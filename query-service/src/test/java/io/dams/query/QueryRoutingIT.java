package io.dams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.query.auth.Role;
import io.dams.query.auth.Tokens;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topic;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.dams.streams.ingest.IngestSettings;
import io.dams.streams.ingest.IngestTopology;
import io.dams.streams.iq.InteractiveQueries;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The query service over two instances of the ingest job while it knows only the first: the first instance forwards
 * the second's assets to it, and merges the second's part into the listing.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class QueryRoutingIT {

    static final Duration WITHIN = Duration.ofSeconds(60);

    @TempDir
    Path tmp;

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    @Test
    void shouldAnswerForAssetsOwnedByEitherInstanceThroughTheFirstOnly(Endpoints platform) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String applicationId = "dams-query-routing-it-" + run;
        List<String> assetIds = assetsOnEveryPartition("it-query-" + run);
        long t = System.currentTimeMillis();
        Tokens.IssuedToken token = Tokens.generate("routing-it", Role.VIEWER);

        try (StreamsJob a = StreamsJob.start(ingestJob(platform, applicationId, tmp.resolve("a")));
             StreamsJob b = StreamsJob.start(ingestJob(platform, applicationId, tmp.resolve("b")));
             KafkaProducer<String, Asset> assets = producer(platform, Topics.ASSETS);
             KafkaProducer<String, MetricBatch> raw = producer(platform, Topics.METRICS_RAW);
             QueryService query = QueryService.start(queryConfig(a, token))) {
            // Both running with tasks of their own before the data arrives, so that each owns some of the assets.
            await().atMost(WITHIN).until(() -> everyTaskAssignedToBoth(a, b));

            for (int i = 0; i < assetIds.size(); i++) {
                String id = assetIds.get(i);
                assets.send(new ProducerRecord<>(Topics.ASSETS.name(), id, asset(id, "site-" + i)));
                raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), id, batch(id, t, i)));
            }
            assets.flush();
            raw.flush();

            HostInfo hostA = HostInfo.buildFromEndpoint(a.applicationServer().orElseThrow());
            HostInfo hostB = HostInfo.buildFromEndpoint(b.applicationServer().orElseThrow());
            // Retried as a whole: a rebalance may pass at any moment, and the API answers 503 while it does.
            await().atMost(WITHIN).untilAsserted(() -> {
                Set<HostInfo> owners = new HashSet<>();
                for (int i = 0; i < assetIds.size(); i++) {
                    String id = assetIds.get(i);
                    HostInfo owner = owner(a, id);
                    assertThat(owner).as("both instances agree on the owner of " + id).isEqualTo(owner(b, id));
                    assertThat(owner).isIn(hostA, hostB);
                    owners.add(owner);

                    HttpResponse<String> detail = get(query, "/api/v2/assets/" + id, token);
                    assertThat(detail.statusCode()).as("GET /api/v2/assets/" + id + ": " + detail.body()).isEqualTo(200);
                    JsonNode body = json(detail);
                    assertThat(body.get("asset").get("asset_id").asText()).isEqualTo(id);
                    assertThat(body.get("asset").get("site").asText()).isEqualTo("site-" + i);
                    assertThat(body.get("asset").get("last_seen_ms").asLong()).isEqualTo(t);
                    assertThat(seriesOf(body)).containsExactly("cpu_percent{core=0}=" + (double) i,
                            "mem_used_bytes{}=" + (1000.0 + i));

                    HttpResponse<String> latest = get(query, "/api/v2/metrics/" + id, token);
                    assertThat(latest.statusCode()).as("GET /api/v2/metrics/" + id + ": " + latest.body()).isEqualTo(200);
                    assertThat(json(latest).get("asset_id").asText()).isEqualTo(id);
                    assertThat(seriesOf(json(latest))).containsExactly("cpu_percent{core=0}=" + (double) i,
                            "mem_used_bytes{}=" + (1000.0 + i));
                }
                assertThat(owners).as("the assets answered are owned by both instances").containsExactlyInAnyOrder(hostA,
                        hostB);
                assertThat(hostA).isNotEqualTo(hostB);

                HttpResponse<String> listing = get(query, "/api/v2/assets?limit=1000", token);
                assertThat(listing.statusCode()).as("GET /api/v2/assets: " + listing.body()).isEqualTo(200);
                List<String> listed = new ArrayList<>();
                json(listing).get("assets").forEach(asset -> listed.add(asset.get("asset_id").asText()));
                assertThat(listed).containsAll(assetIds);
                assertThat(json(listing).get("next_cursor").isNull()).isTrue();

                assertThat(get(query, "/api/v2/assets/it-query-" + run + "-nobody", token).statusCode()).isEqualTo(404);
                assertThat(get(query, "/api/v2/metrics/it-query-" + run + "-nobody", token).statusCode()).isEqualTo(404);
            });
        }
    }

    /** The query service on a free loopback port over the first instance's interactive queries only. */
    private static QueryConfig queryConfig(StreamsJob first, Tokens.IssuedToken token) {
        QueryConfig defaults = QueryConfig.defaults();
        URI endpoint = URI.create("http://" + first.applicationServer().orElseThrow());
        // The listing is fetched for every request, so that each attempt sees the stores as they are.
        return new QueryConfig(new QueryConfig.Listen("127.0.0.1", 0),
                new QueryConfig.InteractiveQuerySettings(List.of(endpoint), Duration.ofSeconds(5), Duration.ZERO,
                        Duration.ofSeconds(30)),
                List.of(token.entry()), defaults.limits());
    }

    private static JobConfig ingestJob(Endpoints platform, String applicationId, Path stateDir) {
        JobConfig defaults = JobConfig.defaults();
        return new JobConfig("ingest", platform.bootstrapServers(), platform.registryUrl(), applicationId, stateDir,
                1, Duration.ofMillis(100), 1, new JobConfig.Status("127.0.0.1", 0),
                IngestSettings.defaults().withApplicationServer("127.0.0.1:0"), defaults.rollup());
    }

    private static <V extends SpecificRecord> KafkaProducer<String, V> producer(Endpoints platform,
                                                                             Topic<String, V> topic) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(platform.registryUrl()).producerConfig());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(config);
    }

    private static Asset asset(String id, String site) {
        return Asset.newBuilder().setAssetId(id).setRegion("eu-west-1").setSite(site).setHostname(id + ".example")
                .setKind("server").setTags(Map.of()).setCollectionIntervalMs(10_000).setRegisteredAt(1)
                .setUpdatedAt(1).build();
    }

    private static MetricBatch batch(String id, long t, int i) {
        return MetricBatch.newBuilder().setAssetId(id).setAgentId("agent-" + id).setSeq(1).setRegion("eu-west-1")
                .setSentAt(t).setReceivedAt(0)
                .setSamples(List.of(new Sample("cpu_percent", Map.of("core", "0"), t, (double) i),
                        new Sample("mem_used_bytes", Map.of(), t, 1000.0 + i)))
                .build();
    }

    /** Two asset ids per partition of the asset topics (default partitioner), so that each instance owns some. */
    private static List<String> assetsOnEveryPartition(String prefix) {
        int[] perPartition = new int[Topics.ASSET_PARTITIONS];
        List<String> ids = new ArrayList<>();
        for (int n = 0; ids.size() < 2 * Topics.ASSET_PARTITIONS; n++) {
            String id = prefix + "-" + n;
            int partition = Utils.toPositive(Utils.murmur2(id.getBytes(StandardCharsets.UTF_8)))
                    % Topics.ASSET_PARTITIONS;
            if (perPartition[partition] < 2) {
                perPartition[partition]++;
                ids.add(id);
            }
        }
        return ids;
    }

    /**
     * Both running, each with active tasks of its own, and together with every task of every sub-topology seen (each
     * has {@link Topics#ASSET_PARTITIONS} tasks), each task once: the assignment has settled.
     */
    private static boolean everyTaskAssignedToBoth(StreamsJob a, StreamsJob b) {
        Set<TaskId> tasksOfA = activeTasks(a);
        Set<TaskId> tasksOfB = activeTasks(b);
        if (tasksOfA.isEmpty() || tasksOfB.isEmpty()) {
            return false;
        }
        Set<TaskId> all = new HashSet<>(tasksOfA);
        all.addAll(tasksOfB);
        long subtopologies = all.stream().map(TaskId::subtopology).distinct().count();
        return all.size() == tasksOfA.size() + tasksOfB.size()
                && all.size() == subtopologies * Topics.ASSET_PARTITIONS;
    }

    private static Set<TaskId> activeTasks(StreamsJob job) {
        if (job.state() != KafkaStreams.State.RUNNING) {
            return Set.of();
        }
        Set<TaskId> tasks = new HashSet<>();
        job.streams().metadataForLocalThreads().forEach(thread -> thread.activeTasks()
                .forEach(task -> tasks.add(task.taskId())));
        return tasks;
    }

    private static HostInfo owner(StreamsJob job, String assetId) {
        return job.streams().queryMetadataForKey(IngestTopology.HEALTH_STORE, assetId, Serdes.String().serializer())
                .activeHost();
    }

    private HttpResponse<String> get(QueryService query, String pathAndQuery, Tokens.IssuedToken token) {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + query.port() + pathAndQuery))
                .timeout(Duration.ofSeconds(10)).header("Authorization", "Bearer " + token.secret()).GET().build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        try {
            return InteractiveQueries.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    /** Each series as {@code name{labels}=value}, in the order the API gave them. */
    private static List<String> seriesOf(JsonNode body) {
        List<String> series = new ArrayList<>();
        for (JsonNode s : body.get("series")) {
            List<String> labels = new ArrayList<>();
            s.get("labels").fields().forEachRemaining(e -> labels.add(e.getKey() + "=" + e.getValue().asText()));
            series.add(s.get("name").asText() + "{" + String.join(",", labels) + "}=" + s.get("value").asDouble());
        }
        return series;
    }
}
