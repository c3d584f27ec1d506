package io.dams.bridge.forward;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.PlatformSettings;
import io.dams.embedded.PortGuard;
import io.dams.embedded.bootstrap.TopicBootstrap;
import io.dams.embedded.kafka.KafkaBroker;
import io.dams.embedded.registry.RegistryDistribution;
import io.dams.embedded.registry.SchemaRegistryServer;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The forwarder against a real KRaft broker and the real schema registry: delivery in order, a broker outage with the
 * spool taking over and replaying, a spool that outlives the forwarder, and spooling while the registry is unreachable.
 *
 * <p>Starting servers dominates the run time, so one broker and one registry serve the class; the fault tests stop
 * and restart the broker on the same data directory and ports. Each test uses assets of its own.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaForwarderIT {

    /** How long the fault test keeps Kafka down; the 30 s outage end to end through a bridge is BrokerOutageIT. */
    static final Duration OUTAGE = Duration.ofSeconds(10);
    /** One batch per asset this often, while the fault test runs. */
    private static final Duration SEND_INTERVAL = Duration.ofMillis(30);
    private static final String HOST = "127.0.0.1";
    private static final Duration WITHIN = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(KafkaForwarderIT.class);

    @TempDir
    static Path tmp;

    private SchemaRegistryServer registry;
    private KafkaBroker broker;
    private int brokerPort;
    private int controllerPort;

    @BeforeAll
    void startKafkaAndRegistry() {
        CompletableFuture<SchemaRegistryServer> registryStarting = CompletableFuture.supplyAsync(() ->
                SchemaRegistryServer.start(RegistryDistribution.locate().unpack(PlatformSettings.defaultCacheDir()),
                        tmp.resolve("registry"), 0, Duration.ofSeconds(120)));
        try {
            broker = KafkaBroker.start(kafkaDir(), 0, 0, HOST);
        } finally {
            registry = registryStarting.join();
        }
        brokerPort = broker.port();
        controllerPort = broker.controllerPort();
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers()))) {
            new TopicBootstrap(admin, (short) 1).apply(List.of(Topics.METRICS_RAW));
        }
    }

    @AfterAll
    void stopKafkaAndRegistry() {
        if (broker != null) {
            broker.close();
        }
        if (registry != null) {
            registry.close();
        }
    }

    @Test
    @Order(1)
    void shouldDeliverEveryBatchToKafkaInOrderPerAssetWithItsContent() throws Exception {
        List<String> assets = assets("direct", 4);
        List<MetricBatch> forwarded = new ArrayList<>();
        try (KafkaForwarder forwarder = KafkaForwarder.start(settings("direct"), new SimpleMeterRegistry())) {
            // The first send fetches metadata and registers the schema; after it the path is warm.
            MetricBatch warmUp = KafkaForwarderTest.batch(assets.get(0), 0);
            assertThat(forwarder.forward(EncodedBatch.encode(warmUp)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isEqualTo(Durability.KAFKA);
            forwarded.add(warmUp);

            List<CompletableFuture<Durability>> results = new ArrayList<>();
            for (int seq = 1; seq <= 50; seq++) {
                for (String asset : assets) {
                    MetricBatch batch = KafkaForwarderTest.batch(asset, seq);
                    forwarded.add(batch);
                    results.add(forwarder.forward(EncodedBatch.encode(batch)).toCompletableFuture());
                }
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(results).allSatisfy(r -> assertThat(r.join()).isEqualTo(Durability.KAFKA));
        }

        Map<String, List<MetricBatch>> consumed = consume(Set.copyOf(assets), forwarded.size());
        for (String asset : assets) {
            assertThat(consumed.get(asset)).as("batches of %s in Kafka", asset)
                    .containsExactlyElementsOf(forwarded.stream().filter(b -> b.getAssetId().equals(asset)).toList());
        }
    }

    @Test
    @Order(2)
    void shouldSpoolWhileKafkaIsDownAndDeliverEverythingInOrderOnceItIsBack() throws Exception {
        List<String> assets = assets("outage", 3);
        MeterRegistry meters = new SimpleMeterRegistry();
        List<Sent> sent = Collections.synchronizedList(new ArrayList<>());
        AtomicLong slowestAck = new AtomicLong();
        long stoppedAt;
        long restartingAt;
        double lateAcks;
        try (KafkaForwarder forwarder = KafkaForwarder.start(settings("outage"), meters)) {
            Map<String, Long> seqs = new ConcurrentHashMap<>();
            ScheduledExecutorService sender = Executors.newSingleThreadScheduledExecutor();
            sender.scheduleAtFixedRate(() -> {
                for (String asset : assets) {
                    MetricBatch batch = KafkaForwarderTest.batch(asset, seqs.merge(asset, 1L, Long::sum));
                    long at = System.nanoTime();
                    CompletableFuture<Durability> result = forwarder.forward(EncodedBatch.encode(batch)).toCompletableFuture();
                    result.thenRun(() -> slowestAck.accumulateAndGet(System.nanoTime() - at, Math::max));
                    sent.add(new Sent(batch, at, result));
                }
            }, 0, SEND_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
            try {
                await().atMost(WITHIN).until(() -> count(sent, Durability.KAFKA) >= 30);

                broker.close();
                stoppedAt = System.nanoTime();
                LOG.info("Kafka stopped for {} s", OUTAGE.toSeconds());
                await().atMost(WITHIN).until(forwarder::isSpooling);
                // A bounded wait by design: the outage lasts this long whatever happens meanwhile.
                Thread.sleep(Math.max(0, OUTAGE.toMillis() - elapsedMs(stoppedAt)));
                assertThat(forwarder.isSpooling()).isTrue();

                restartingAt = System.nanoTime();
                broker = KafkaBroker.start(kafkaDir(), brokerPort, controllerPort, HOST);
                await().atMost(WITHIN).until(() -> !forwarder.isSpooling());
                int atRecovery = sent.size();
                // Direct sends again, after the replay.
                await().atMost(WITHIN).until(() -> sent.size() >= atRecovery + 30);
            } finally {
                sender.shutdown();
                assertThat(sender.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
            }
            CompletableFuture.allOf(sent.stream().map(Sent::result).toArray(CompletableFuture[]::new))
                    .get(30, TimeUnit.SECONDS);
            lateAcks = meters.get("dams.bridge.forward.late.acks").counter().count();
        }

        List<Sent> duringOutage = sent.stream()
                .filter(s -> s.forwardedAtNanos() > stoppedAt && s.forwardedAtNanos() < restartingAt).toList();
        assertThat(duringOutage).as("forwarded while Kafka was down").hasSizeGreaterThan(100)
                .allSatisfy(s -> assertThat(s.result().join()).isEqualTo(Durability.SPOOL));
        assertThat(count(sent, Durability.KAFKA)).as("acknowledged by Kafka before and after").isPositive();

        Map<String, List<MetricBatch>> consumed = consume(Set.copyOf(assets), sent.size());
        int duplicates = 0;
        for (String asset : assets) {
            List<Long> seqs = consumed.get(asset).stream().map(MetricBatch::getSeq).toList();
            List<Long> firsts = seqs.stream().distinct().toList();
            long forwardedOfAsset = sent.stream().filter(s -> s.batch().getAssetId().equals(asset)).count();
            assertThat(firsts).as("first occurrences of %s's batches", asset)
                    .containsExactlyElementsOf(IntStream.rangeClosed(1, (int) forwardedOfAsset)
                            .mapToObj(i -> (long) i).toList());
            duplicates += seqs.size() - firsts.size();
            // A repeat may only be a batch the spool held: one Kafka acknowledged after it was spooled.
            Set<Long> spooled = Set.copyOf(sent.stream()
                    .filter(s -> s.batch().getAssetId().equals(asset) && s.result().join() == Durability.SPOOL)
                    .map(s -> s.batch().getSeq()).toList());
            Map<Long, Integer> counts = new HashMap<>();
            seqs.forEach(seq -> counts.merge(seq, 1, Integer::sum));
            counts.forEach((seq, n) -> {
                if (n > 1) {
                    assertThat(spooled).as("batch %s of %s is in Kafka %s times", seq, asset, n).contains(seq);
                }
            });
        }
        LOG.info("fault test: {} batches forwarded, {} during the {} s outage, {} via the spool; {} duplicates in"
                        + " Kafka, {} batches acknowledged by Kafka after being spooled; slowest forward() {} ms",
                sent.size(), duringOutage.size(), OUTAGE.toSeconds(), count(sent, Durability.SPOOL), duplicates,
                lateAcks, TimeUnit.NANOSECONDS.toMillis(slowestAck.get()));
    }

    @Test
    @Order(3)
    void shouldDeliverASpoolLeftByAForwarderThatClosedWhileKafkaWasDown() throws Exception {
        List<String> assets = assets("restart", 2);
        List<MetricBatch> forwarded = new ArrayList<>();
        ForwarderSettings settings = settings("restart");
        try (KafkaForwarder forwarder = KafkaForwarder.start(settings, new SimpleMeterRegistry())) {
            MetricBatch first = KafkaForwarderTest.batch(assets.get(0), 1);
            assertThat(forwarder.forward(EncodedBatch.encode(first)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isEqualTo(Durability.KAFKA);
            forwarded.add(first);

            broker.close();
            List<CompletableFuture<Durability>> results = new ArrayList<>();
            for (int seq = 2; seq <= 40; seq++) {
                for (String asset : assets) {
                    MetricBatch batch = KafkaForwarderTest.batch(asset, seq);
                    forwarded.add(batch);
                    results.add(forwarder.forward(EncodedBatch.encode(batch)).toCompletableFuture());
                }
            }
            CompletableFuture.allOf(results.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
            assertThat(results).allSatisfy(r -> assertThat(r.join()).isEqualTo(Durability.SPOOL));
        }

        broker = KafkaBroker.start(kafkaDir(), brokerPort, controllerPort, HOST);
        try (KafkaForwarder reopened = KafkaForwarder.start(settings, new SimpleMeterRegistry())) {
            assertThat(reopened.health()).containsEntry("spoolRecords", 78L);
            await().atMost(WITHIN).until(() -> !reopened.isSpooling());
            MetricBatch later = KafkaForwarderTest.batch(assets.get(0), 41);
            assertThat(reopened.forward(EncodedBatch.encode(later)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isEqualTo(Durability.KAFKA);
            forwarded.add(later);
        }

        Map<String, List<MetricBatch>> consumed = consume(Set.copyOf(assets), forwarded.size());
        for (String asset : assets) {
            List<MetricBatch> expected = forwarded.stream().filter(b -> b.getAssetId().equals(asset)).toList();
            assertThat(consumed.get(asset).stream().distinct().toList()).as("batches of %s in Kafka", asset)
                    .containsExactlyElementsOf(expected);
        }
    }

    @Test
    @Order(4)
    void shouldSpoolWhileTheRegistryIsUnreachableAndReplayThroughItOnceItAnswers() throws Exception {
        List<String> assets = assets("registry", 1);
        ForwarderSettings reachable = settings("registry");
        ForwarderSettings unreachable = new ForwarderSettings(reachable.bootstrapServers(),
                "http://" + HOST + ":" + PortGuard.freePort(HOST), reachable.linger(), reachable.spoolAfter(),
                reachable.spoolDir(), reachable.spoolCapacity(), reachable.compression());
        List<MetricBatch> forwarded = new ArrayList<>();
        try (KafkaForwarder forwarder = KafkaForwarder.start(unreachable, new SimpleMeterRegistry())) {
            for (int seq = 1; seq <= 10; seq++) {
                MetricBatch batch = KafkaForwarderTest.batch(assets.get(0), seq);
                forwarded.add(batch);
                assertThat(forwarder.forward(EncodedBatch.encode(batch)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                        .isEqualTo(Durability.SPOOL);
            }
        }
        try (KafkaForwarder forwarder = KafkaForwarder.start(reachable, new SimpleMeterRegistry())) {
            await().atMost(WITHIN).until(() -> !forwarder.isSpooling());
            MetricBatch later = KafkaForwarderTest.batch(assets.get(0), 11);
            forwarded.add(later);
            assertThat(forwarder.forward(EncodedBatch.encode(later)).toCompletableFuture().get(30, TimeUnit.SECONDS))
                    .isEqualTo(Durability.KAFKA);
        }

        assertThat(consume(Set.copyOf(assets), forwarded.size()).get(assets.get(0)))
                .containsExactlyElementsOf(forwarded);
    }

    /** One forwarded batch: when, and what the forwarder answered. */
    private record Sent(MetricBatch batch, long forwardedAtNanos, CompletableFuture<Durability> result) {
    }

    private ForwarderSettings settings(String name) {
        ForwarderSettings d = ForwarderSettings.defaults();
        return new ForwarderSettings(bootstrapServers(), registry.url(), d.linger(), d.spoolAfter(),
                tmp.resolve("spool-" + name), d.spoolCapacity(), d.compression());
    }

    /**
     * Reads dams.metrics.raw from the start until {@code expected} distinct batches of these assets have arrived;
     * returns every record of theirs, duplicates included, in partition order.
     */
    private Map<String, List<MetricBatch>> consume(Set<String> assets, int expected) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(registry.url()).consumerConfig());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        Map<String, List<MetricBatch>> byAsset = new LinkedHashMap<>();
        assets.forEach(a -> byAsset.put(a, new ArrayList<>()));
        Set<String> distinct = new HashSet<>();
        try (KafkaConsumer<String, MetricBatch> consumer = new KafkaConsumer<>(config)) {
            List<TopicPartition> partitions = IntStream.range(0, Topics.METRICS_RAW.partitions())
                    .mapToObj(p -> new TopicPartition(Topics.METRICS_RAW.name(), p)).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            await().atMost(WITHIN).until(() -> {
                for (ConsumerRecord<String, MetricBatch> record : consumer.poll(Duration.ofMillis(200))) {
                    if (assets.contains(record.key())) {
                        assertThat(record.value().getAssetId()).isEqualTo(record.key());
                        byAsset.get(record.key()).add(record.value());
                        distinct.add(record.key() + "/" + record.value().getSeq());
                    }
                }
                return distinct.size() >= expected;
            });
            // Whatever else is there (duplicates) arrives with the same poll or the next few.
            consumer.poll(Duration.ofMillis(500)).forEach(record -> {
                if (assets.contains(record.key())) {
                    byAsset.get(record.key()).add(record.value());
                }
            });
        }
        return byAsset;
    }

    private String bootstrapServers() {
        return HOST + ":" + (broker == null ? brokerPort : broker.port());
    }

    private static Path kafkaDir() {
        return tmp.resolve("kafka");
    }

    private static List<String> assets(String test, int n) {
        String run = UUID.randomUUID().toString().substring(0, 8);
        return IntStream.rangeClosed(1, n).mapToObj(i -> test + "-" + run + "-" + i).toList();
    }

    private static long count(List<Sent> sent, Durability durability) {
        synchronized (sent) {
            return sent.stream().filter(s -> s.result().isDone() && !s.result().isCompletedExceptionally()
                    && s.result().join() == durability).count();
        }
    }

    private static long elapsedMs(long sinceNanos) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - sinceNanos);
    }
}
