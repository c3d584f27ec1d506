package io.dams.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.agent.simulate.BridgeTargets;
import io.dams.agent.simulate.Fleet;
import io.dams.bridge.BridgeConfig;
import io.dams.bridge.EdgeBridge;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import io.dams.embedded.PortGuard;
import io.dams.embedded.bootstrap.TopicBootstrap;
import io.dams.embedded.kafka.KafkaBroker;
import io.dams.embedded.registry.RegistryDistribution;
import io.dams.embedded.registry.SchemaRegistryServer;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.schemas.avro.MetricBatch;
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
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.LongStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The ingest fault test of record: simulated agents, each with its own certificate, send to a bridge over mutual TLS
 * while the Kafka broker is stopped for 30 s. The bridge spools and keeps acknowledging; once the broker is back every
 * accepted batch is in Kafka, in order per asset, none missing.
 *
 * <p>It needs a broker it can stop, so it starts its own (and a registry) rather than the shared platform.
 */
class BrokerOutageIT {

    static final Duration OUTAGE = Duration.ofSeconds(30);
    static final String DOMAIN = "dams.test";
    static final String REGION = "eu-west-1";
    static final String HOST = "127.0.0.1";
    static final int ASSETS = 6;
    static final Duration INTERVAL = Duration.ofMillis(500);
    static final Duration WITHIN = Duration.ofSeconds(90);

    private static final Logger LOG = LoggerFactory.getLogger(BrokerOutageIT.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldDeliverEveryAcceptedBatchInOrderPerAssetAfterA30SecondBrokerOutage() throws Exception {
        CompletableFuture<SchemaRegistryServer> registryStarting = CompletableFuture.supplyAsync(() ->
                SchemaRegistryServer.start(RegistryDistribution.locate().unpack(PlatformSettings.defaultCacheDir()),
                        tmp.resolve("registry"), 0, Duration.ofSeconds(120)));
        KafkaBroker broker = null;
        SchemaRegistryServer registry = null;
        try {
            broker = KafkaBroker.start(tmp.resolve("kafka"), 0, 0, HOST);
            registry = registryStarting.join();
            int brokerPort = broker.port();
            int controllerPort = broker.controllerPort();
            try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG,
                    broker.bootstrapServers()))) {
                new TopicBootstrap(admin, (short) 1).apply(List.of(Topics.METRICS_RAW, Topics.ASSETS));
            }
            Endpoints platform = new Endpoints(broker.bootstrapServers(), registry.url(), null, null,
                    ProcessHandle.current().pid());

            Path certs = tmp.resolve("certs");
            CertificateAuthority ca = CertificateAuthority.init(certs, DOMAIN, Duration.ofDays(1), Clock.systemUTC());
            TlsFiles bridgeTls = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(DOMAIN, REGION, "hub"),
                    Duration.ofDays(1), List.of("localhost"), List.of(HOST)), tmp.resolve("bridge-tls"));
            int bridgePort = PortGuard.freePort(HOST);
            BridgeConfig bridgeConfig = TestConfigs.bridge(platform, tmp.resolve("bridge-data"), bridgeTls, REGION,
                    DOMAIN, bridgePort);

            Map<String, List<Long>> seqsByAsset = new ConcurrentHashMap<>();
            long ackedAtEnd;
            long ackedBefore;
            long ackedDuringOutage;
            AtomicLong spooledAtMost = new AtomicLong();
            try (EdgeBridge bridge = EdgeBridge.start(bridgeConfig, Clock.systemUTC());
                 Fleet fleet = Fleet.start(new Fleet.Settings(ASSETS, List.of(REGION),
                         BridgeTargets.parse(List.of(HOST + ":" + bridgePort)), certs, tmp.resolve("fleet"), INTERVAL,
                         7L, "localhost"), Clock.systemUTC())) {
                await().atMost(WITHIN).until(() -> fleet.progress().acked() >= 3L * ASSETS);

                broker.close();
                long stoppedAt = System.nanoTime();
                LOG.info("broker stopped for {} s", OUTAGE.toSeconds());
                ackedBefore = fleet.progress().acked();
                await().atMost(WITHIN).until(() -> "spooling".equals(kafkaMode(bridge)));
                // The outage lasts this long by design, whatever happens meanwhile; watch the spool fill.
                await().pollInterval(Duration.ofMillis(500)).atMost(OUTAGE.plus(WITHIN)).until(() -> {
                    spooledAtMost.accumulateAndGet(health(bridge).path("spoolRecords").asLong(), Math::max);
                    return System.nanoTime() - stoppedAt >= OUTAGE.toNanos();
                });
                ackedDuringOutage = fleet.progress().acked() - ackedBefore;
                assertThat(kafkaMode(bridge)).as("still spooling at the end of the outage").isEqualTo("spooling");

                broker = KafkaBroker.start(tmp.resolve("kafka"), brokerPort, controllerPort, HOST);
                await().atMost(WITHIN).until(() -> "direct".equals(kafkaMode(bridge)));
                long ackedAtRecovery = fleet.progress().acked();
                // Direct sends again, and everything the agents hold acknowledged.
                await().atMost(WITHIN).until(() -> fleet.progress().acked() >= ackedAtRecovery + 2L * ASSETS
                        && fleet.progress().buffered() == 0);
                fleet.close();
                ackedAtEnd = fleet.progress().acked();
            }

            try (KafkaConsumer<String, MetricBatch> consumer = consumer(platform)) {
                await().atMost(WITHIN).until(() -> {
                    for (ConsumerRecord<String, MetricBatch> r : consumer.poll(Duration.ofMillis(200))) {
                        seqsByAsset.computeIfAbsent(r.key(), k -> new ArrayList<>()).add(r.value().getSeq());
                    }
                    return distinct(seqsByAsset) >= ackedAtEnd;
                });
            }

            assertThat(ackedDuringOutage).as("batches the bridge acknowledged from its spool while Kafka was down")
                    .isGreaterThanOrEqualTo((long) (OUTAGE.toMillis() / INTERVAL.toMillis() / 2) * ASSETS);
            assertThat(spooledAtMost.get()).as("batches in the spool during the outage").isPositive();
            assertThat(seqsByAsset).hasSize(ASSETS);
            int duplicates = 0;
            for (Map.Entry<String, List<Long>> asset : seqsByAsset.entrySet()) {
                List<Long> firsts = List.copyOf(new LinkedHashSet<>(asset.getValue()));
                assertThat(firsts).as("%s's batches in Kafka, first occurrences in order", asset.getKey())
                        .isEqualTo(LongStream.rangeClosed(1, firsts.size()).boxed().toList());
                duplicates += asset.getValue().size() - firsts.size();
            }
            assertThat(distinct(seqsByAsset)).as("every batch acknowledged to the agents, once each")
                    .isEqualTo(ackedAtEnd);
            LOG.info("{} batches acknowledged ({} during the {} s outage, up to {} spooled at once), all in Kafka"
                    + " in order per asset; {} duplicates in Kafka", ackedAtEnd, ackedDuringOutage,
                    OUTAGE.toSeconds(), spooledAtMost.get(), duplicates);
        } finally {
            if (broker != null) {
                broker.close();
            }
            if (registry != null) {
                registry.close();
            }
        }
    }

    private static long distinct(Map<String, List<Long>> seqsByAsset) {
        return seqsByAsset.values().stream().mapToLong(seqs -> seqs.stream().distinct().count()).sum();
    }

    private static String kafkaMode(EdgeBridge bridge) throws Exception {
        return health(bridge).path("kafka").asText();
    }

    /** The bridge's /healthz: status, kafka (direct or spooling), spoolRecords, ... */
    private static JsonNode health(EdgeBridge bridge) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                        URI.create("http://" + HOST + ":" + bridge.statusPort() + "/healthz")).build(),
                HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(response.body());
    }

    private static KafkaConsumer<String, MetricBatch> consumer(Endpoints platform) {
        Map<String, Object> props = new HashMap<>(new RegistrySerdes(platform.registryUrl()).consumerConfig());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        KafkaConsumer<String, MetricBatch> consumer = new KafkaConsumer<>(props);
        List<TopicPartition> partitions = consumer.partitionsFor(Topics.METRICS_RAW.name()).stream()
                .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        return consumer;
    }
}
