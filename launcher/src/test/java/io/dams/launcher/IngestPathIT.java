package io.dams.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.agent.Agent;
import io.dams.agent.config.AgentConfig;
import io.dams.bridge.BridgeConfig;
import io.dams.bridge.EdgeBridge;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PortGuard;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The ingest path end to end on real parts: agent → mutual TLS gRPC → bridge → Kafka. */
@ExtendWith(EmbeddedPlatformExtension.class)
class IngestPathIT {

    static final String DOMAIN = "dams.test";
    static final String REGION = "eu-west-1";

    @TempDir
    Path tmp;

    @Test
    void shouldDeliverEveryPushedSampleOnceWithItsValueLabelsAndTimestampAcrossACutLink(Endpoints platform)
            throws Exception {
        String asset = "node-" + UUID.randomUUID().toString().substring(0, 8);
        CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), DOMAIN, Duration.ofDays(1), Clock.systemUTC());
        TlsFiles bridgeTls = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(DOMAIN, REGION, "hub"),
                Duration.ofDays(1), List.of("localhost"), List.of("127.0.0.1")), tmp.resolve("bridge"));
        TlsFiles agentTls = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, REGION, asset),
                Duration.ofDays(1)), tmp.resolve("agent"));
        int bridgePort = PortGuard.freePort("127.0.0.1");
        BridgeConfig bridgeConfig = TestConfigs.bridge(platform, tmp.resolve("bridge-data"), bridgeTls, REGION, DOMAIN,
                bridgePort);
        AgentConfig agentConfig = TestConfigs.agent(asset, REGION, "localhost:" + bridgePort, agentTls,
                tmp.resolve("agent-data"));

        List<MetricBatch> received = new CopyOnWriteArrayList<>();
        try (Tail tail = Tail.start(platform, asset, received);
             Agent agent = Agent.start(agentConfig, Clock.systemUTC())) {
            EdgeBridge bridge = EdgeBridge.start(bridgeConfig, Clock.systemUTC());
            List<String> pushed = new ArrayList<>();
            try {
                pushed.addAll(push(agent, "first", 3));
                await().atMost(Duration.ofSeconds(30)).until(() -> samples(received, "e2e_probe").size() >= 3);
            } finally {
                bridge.close();
            }

            // The link is cut: the agent keeps collecting into its outbox.
            pushed.addAll(push(agent, "while_down", 3));
            await().atMost(Duration.ofSeconds(30)).until(() -> !agent.link().connected());

            try (EdgeBridge again = EdgeBridge.start(bridgeConfig, Clock.systemUTC())) {
                await().atMost(Duration.ofSeconds(60)).until(() -> samples(received, "e2e_probe").size() >= pushed.size());
                pushed.addAll(push(agent, "after", 2));
                await().atMost(Duration.ofSeconds(30)).until(() -> samples(received, "e2e_probe").size() >= pushed.size());
            }

            List<Sample> probes = samples(received, "e2e_probe");
            assertThat(probes).extracting(s -> s.getLabels().get("id")).containsExactlyInAnyOrderElementsOf(pushed);
            for (Sample s : probes) {
                String id = s.getLabels().get("id");
                assertThat(s.getValue()).isEqualTo(Double.parseDouble(id.substring(id.lastIndexOf('_') + 1)));
                assertThat(s.getTimestampMs()).isEqualTo(TIMESTAMP + (long) s.getValue());
                assertThat(s.getLabels()).containsEntry("source", "e2e");
            }
            // Every batch once: the bridge dropped the agent's replays of batches it had already accepted.
            Map<Long, Long> seqs = received.stream().collect(Collectors.groupingBy(MetricBatch::getSeq, Collectors.counting()));
            assertThat(seqs.values()).allMatch(n -> n == 1);
            // The host's own metrics travel too, under the names the documented rules use.
            assertThat(samples(received, "cpu_percent")).isNotEmpty();
            assertThat(samples(received, "memory_used_percent")).isNotEmpty();
        }
    }

    static final long TIMESTAMP = System.currentTimeMillis();

    private static List<String> push(Agent agent, String phase, int count) throws Exception {
        StringBuilder text = new StringBuilder();
        List<String> ids = new ArrayList<>();
        for (int i = 1; i <= count; i++) {
            String id = phase + "_" + i;
            ids.add(id);
            text.append("e2e_probe{source=\"e2e\",id=\"").append(id).append("\"} ").append(i).append(' ')
                    .append(TIMESTAMP + i).append('\n');
        }
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://127.0.0.1:" + agent.healthPort() + "/push"))
                .POST(HttpRequest.BodyPublishers.ofString(text.toString())).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return ids;
    }

    private static List<Sample> samples(List<MetricBatch> batches, String name) {
        return batches.stream().flatMap(b -> b.getSamples().stream()).filter(s -> s.getName().equals(name)).toList();
    }

    /** Reads dams.metrics.raw in the background, keeping one asset's batches. */
    record Tail(KafkaConsumer<String, MetricBatch> consumer, Thread thread) implements AutoCloseable {

        static Tail start(Endpoints platform, String asset, List<MetricBatch> into) {
            Map<String, Object> props = new HashMap<>(new RegistrySerdes(platform.registryUrl()).consumerConfig());
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
            KafkaConsumer<String, MetricBatch> consumer = new KafkaConsumer<>(props);
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.METRICS_RAW.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToEnd(partitions);
            partitions.forEach(consumer::position);
            Thread thread = new Thread(() -> {
                try {
                    while (!Thread.currentThread().isInterrupted()) {
                        for (ConsumerRecord<String, MetricBatch> r : consumer.poll(Duration.ofMillis(200))) {
                            if (asset.equals(r.key())) {
                                into.add(r.value());
                            }
                        }
                    }
                } catch (org.apache.kafka.common.errors.WakeupException | org.apache.kafka.common.errors.InterruptException e) {
                    // closing
                }
            }, "test-tail");
            thread.start();
            return new Tail(consumer, thread);
        }

        @Override
        public void close() throws InterruptedException {
            consumer.wakeup();
            thread.join(5_000);
            consumer.close();
        }
    }
}
