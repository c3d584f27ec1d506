package io.dams.streams.ingest;

import static io.dams.streams.Fixtures.asset;
import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.topics.Topics;
import io.dams.streams.PlatformClients;
import io.dams.streams.StreamsJob;
import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.InteractiveQueryClient;
import io.dams.streams.iq.InteractiveQueryException;
import io.dams.streams.iq.SeriesValue;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Utils;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.processor.TaskId;
import org.apache.kafka.streams.state.HostInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** Two instances of the ingest job share its partitions; either answers for every asset. */
@ExtendWith(EmbeddedPlatformExtension.class)
class IngestRoutingIT {

    static final Duration WITHIN = Duration.ofSeconds(45);

    @TempDir
    Path tmp;

    @Test
    void shouldAnswerForEveryAssetThroughOneInstanceByAskingItsOwner(Endpoints platform) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String applicationId = "dams-ingest-routing-it-" + run;
        List<String> assetIds = assetsOnEveryPartition("it-route-" + run);
        long t = System.currentTimeMillis();

        try (StreamsJob a = StreamsJob.start(PlatformClients.ingestJob(platform, applicationId, tmp.resolve("a")));
             StreamsJob b = StreamsJob.start(PlatformClients.ingestJob(platform, applicationId, tmp.resolve("b")));
             KafkaProducer<String, MetricBatch> raw = PlatformClients.producer(platform, Topics.METRICS_RAW);
             KafkaProducer<String, Asset> assets = PlatformClients.producer(platform, Topics.ASSETS)) {
            // Both running with tasks of their own, before there is data that would make one of them the caught-up one.
            // Every task of each sub-topology (batches; the alert counter's re-keying) has ASSET_PARTITIONS tasks.
            await().atMost(WITHIN).until(() -> {
                Set<TaskId> ofA = activeTasks(a);
                Set<TaskId> ofB = activeTasks(b);
                Set<TaskId> all = new HashSet<>(ofA);
                all.addAll(ofB);
                long subtopologies = all.stream().map(TaskId::subtopology).distinct().count();
                return !ofA.isEmpty() && !ofB.isEmpty() && all.size() == ofA.size() + ofB.size()
                        && all.size() == subtopologies * Topics.ASSET_PARTITIONS;
            });

            for (int i = 0; i < assetIds.size(); i++) {
                String id = assetIds.get(i);
                assets.send(new ProducerRecord<>(Topics.ASSETS.name(), id, asset(id, "eu-west-1", "site-" + i, Map.of(),
                        10_000)));
                raw.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), id, batch(id, "agent-" + id, 1, "eu-west-1",
                        List.of(sample("cpu_percent", t, i)))));
            }
            assets.flush();
            raw.flush();

            InteractiveQueryClient viaA = client(a);
            List<AssetView> all = await().atMost(WITHIN).ignoreExceptionsInstanceOf(InteractiveQueryException.class)
                    .until(viaA::assets, views -> ids(views).containsAll(assetIds)
                            && views.stream().filter(v -> assetIds.contains(v.assetId())).allMatch(v -> v.lastSeen() == t));
            assertThat(ids(all)).containsAll(assetIds);

            HostInfo hostA = HostInfo.buildFromEndpoint(a.applicationServer().orElseThrow());
            HostInfo hostB = HostInfo.buildFromEndpoint(b.applicationServer().orElseThrow());
            // Retried as a whole: a rebalance may pass at any moment, and answers 503 while it does.
            await().atMost(WITHIN).ignoreExceptionsInstanceOf(InteractiveQueryException.class).untilAsserted(() -> {
                List<String> ownedByA = new ArrayList<>();
                List<String> ownedByB = new ArrayList<>();
                for (String id : assetIds) {
                    HostInfo owner = owner(a, id);
                    assertThat(owner).as("both instances agree on the owner of " + id).isEqualTo(owner(b, id));
                    assertThat(owner).isIn(hostA, hostB);
                    (owner.equals(hostA) ? ownedByA : ownedByB).add(id);
                }
                assertThat(ownedByA).as("assets owned by instance A").isNotEmpty();
                assertThat(ownedByB).as("assets owned by instance B").isNotEmpty();

                // Every asset through A alone: B's are forwarded to B.
                for (String id : assetIds) {
                    AssetDetail detail = viaA.asset(id).orElseThrow();
                    int i = assetIds.indexOf(id);
                    assertThat(detail.asset().site()).isEqualTo("site-" + i);
                    assertThat(detail.series()).containsExactly(new SeriesValue("cpu_percent", Map.of(), t, i));
                }
                // A's own listing holds only its assets; scope=all merged B's part in.
                assertThat(ids(viaA.localAssets())).containsAll(ownedByA).doesNotContainAnyElementsOf(ownedByB);
                assertThat(ids(client(b).localAssets())).containsAll(ownedByB).doesNotContainAnyElementsOf(ownedByA);
                assertThat(ids(client(b).assets())).containsAll(assetIds);
                assertThat(viaA.asset("it-route-" + run + "-nobody")).isEmpty();
            });
            assertThat(a.state().isRunningOrRebalancing()).isTrue();
            assertThat(b.state().isRunningOrRebalancing()).isTrue();
        }
    }

    /** Two asset ids per partition of the asset topics (default partitioner), so that each instance owns some. */
    static List<String> assetsOnEveryPartition(String prefix) {
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

    static Set<TaskId> activeTasks(StreamsJob job) {
        if (job.state() != KafkaStreams.State.RUNNING) {
            return Set.of();
        }
        Set<TaskId> tasks = new HashSet<>();
        job.streams().metadataForLocalThreads().forEach(thread -> thread.activeTasks()
                .forEach(task -> tasks.add(task.taskId())));
        return tasks;
    }

    static HostInfo owner(StreamsJob job, String assetId) {
        return job.streams().queryMetadataForKey(IngestTopology.HEALTH_STORE, assetId, Serdes.String().serializer())
                .activeHost();
    }

    static InteractiveQueryClient client(StreamsJob job) {
        return new InteractiveQueryClient(URI.create("http://" + job.applicationServer().orElseThrow()));
    }

    static Set<String> ids(List<AssetView> views) {
        Set<String> ids = new TreeSet<>();
        views.forEach(v -> ids.add(v.assetId()));
        return ids;
    }
}
