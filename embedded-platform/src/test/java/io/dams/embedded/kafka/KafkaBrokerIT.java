package io.dams.embedded.kafka;

import io.dams.embedded.PlatformException;

import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

import static java.util.concurrent.TimeUnit.SECONDS;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * A real in-process broker: records survive a restart, and the guards refuse taken ports, another cluster's data and
 * a data directory in use.
 *
 * <p>Broker starts dominate the run time, so one broker serves the whole class: the restart test leaves it running
 * for the in-use test and leaves a copy of its stopped data for the other-cluster test.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class KafkaBrokerIT {

    private static final String HOST = "127.0.0.1";
    private static final String TOPIC = "dams.it.readings";

    @TempDir
    static Path tmp;

    private Path sharedDir;
    private KafkaBroker running;
    private Path stoppedCopy;

    @BeforeAll
    void startBroker() {
        sharedDir = tmp.resolve("shared");
        running = KafkaBroker.start(sharedDir, 0, 0, HOST);
    }

    @AfterAll
    void stopBroker() {
        if (running != null) {
            running.close();
        }
    }

    @Test
    @Order(1)
    void recordsAndClusterIdSurviveARestart() throws Exception {
        String clusterId = running.clusterId();
        try (Admin admin = admin(running)) {
            admin.createTopics(List.of(new NewTopic(TOPIC, 1, (short) 1))).all().get(30, SECONDS);
        }
        try (KafkaProducer<String, String> producer = producer(running)) {
            producer.send(new ProducerRecord<>(TOPIC, "pump-7", "42.0")).get(30, SECONDS);
        }
        assertThat(readAll(running)).containsExactly("pump-7=42.0");

        restartKeepingCopy();

        assertThat(running.clusterId()).isEqualTo(clusterId);
        assertThat(KafkaStorage.readMarker(KafkaLayout.of(sharedDir))).contains(clusterId);
        assertThat(readAll(running)).containsExactly("pump-7=42.0");
    }

    @Test
    void refusesPortsThatAreTakenBeforeTouchingStorage() throws IOException {
        Path dataDir = tmp.resolve("ports");
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName(HOST))) {
            int port = held.getLocalPort();
            assertThatThrownBy(() -> KafkaBroker.start(dataDir, port, 0, HOST))
                    .isInstanceOf(PlatformException.class)
                    .hasMessage("port " + port + " (Kafka broker) is already in use; stop what uses it or choose"
                            + " another port with --kafka-port");
            assertThatThrownBy(() -> KafkaBroker.start(dataDir, 0, port, HOST))
                    .isInstanceOf(PlatformException.class)
                    .hasMessage("port " + port + " (Kafka controller) is already in use; stop what uses it or choose"
                            + " another port with --controller-port");
        }
        KafkaLayout layout = KafkaLayout.of(dataDir);
        assertThat(layout.logDir()).doesNotExist();
        // A refused start must not keep the directory locked.
        DataDirLock.acquire(layout).close();
    }

    @Test
    @Order(2)
    void refusesDataOfAnotherClusterAndKeepsEveryFile() throws IOException {
        Path stopped = stoppedCopy != null ? stoppedCopy : restartKeepingCopy();
        String theirs = KafkaStorage.readMarker(KafkaLayout.of(stopped)).orElseThrow();

        // This installation recorded another cluster, so the Kafka data moved in from elsewhere.
        Path elsewhere = copyKafkaDir(stopped, tmp.resolve("moved-in"));
        String ours = Uuid.randomUuid().toString();
        Files.writeString(KafkaLayout.of(elsewhere).marker(), "cluster.id=" + ours + "\n");
        Map<String, String> before = KafkaBrokerGuardsTest.snapshot(elsewhere);
        assertThatThrownBy(() -> KafkaBroker.start(elsewhere, 0, 0, HOST))
                .isInstanceOf(PlatformException.class)
                .hasMessage("data directory " + elsewhere.toAbsolutePath() + " holds Kafka data of cluster " + theirs
                        + " (node 1), not of this DAMS installation (cluster " + ours + ", node 1); use another"
                        + " --data-dir or move " + elsewhere.toAbsolutePath().resolve("kafka") + " away");
        assertThat(KafkaBrokerGuardsTest.snapshot(elsewhere)).isEqualTo(before);

        // Same cluster id, but the data was written by another node.
        Path otherNode = copyKafkaDir(stopped, tmp.resolve("other-node"));
        for (Path dir : List.of(KafkaLayout.of(otherNode).logDir(), KafkaLayout.of(otherNode).metadataDir())) {
            Path meta = dir.resolve("meta.properties");
            Files.writeString(meta, Files.readString(meta).replace("node.id=1", "node.id=3"));
        }
        before = KafkaBrokerGuardsTest.snapshot(otherNode);
        assertThatThrownBy(() -> KafkaBroker.start(otherNode, 0, 0, HOST))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("holds Kafka data of cluster " + theirs + " (node 3), not of this DAMS"
                        + " installation (cluster " + theirs + ", node 1)");
        assertThat(KafkaBrokerGuardsTest.snapshot(otherNode)).isEqualTo(before);
    }

    @Test
    @Order(3)
    void refusesADataDirectoryInUseAndLeavesTheRunningBrokerAlone() throws Exception {
        assertThatThrownBy(() -> KafkaBroker.start(sharedDir, 0, 0, HOST))
                .isInstanceOf(PlatformException.class)
                .hasMessageStartingWith("data directory " + sharedDir.toAbsolutePath() + " is in use by another"
                        + " running DAMS (")
                .hasMessageEndingWith("); stop it first or choose another --data-dir");

        try (Admin admin = admin(running)) {
            assertThat(admin.describeCluster().nodes().get(30, SECONDS)).extracting(Node::id).containsExactly(1);
        }
    }

    /** Stops the shared broker, copies its data while nothing writes to it, and starts it again on the same dir. */
    private Path restartKeepingCopy() throws IOException {
        running.close();
        running.close();
        try {
            stoppedCopy = copyKafkaDir(sharedDir, tmp.resolve("stopped-copy"));
        } finally {
            running = KafkaBroker.start(sharedDir, 0, 0, HOST);
        }
        return stoppedCopy;
    }

    private static Path copyKafkaDir(Path fromDataDir, Path toDataDir) throws IOException {
        Path from = fromDataDir.resolve("kafka");
        Path to = toDataDir.resolve("kafka");
        Files.createDirectories(toDataDir);
        try (Stream<Path> paths = Files.walk(from)) {
            paths.forEach(p -> {
                try {
                    Files.copy(p, to.resolve(from.relativize(p).toString()));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        }
        return toDataDir;
    }

    private static List<String> readAll(KafkaBroker broker) {
        TopicPartition partition = new TopicPartition(TOPIC, 0);
        Map<String, Object> config = Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
        List<String> seen = new ArrayList<>();
        try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(config)) {
            // No group: reading a partition from the start needs no coordinator and no offsets topic.
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition), Duration.ofSeconds(30)).get(partition);
            await().atMost(Duration.ofSeconds(30)).pollInSameThread().pollInterval(Duration.ZERO).until(() -> {
                for (ConsumerRecord<String, String> record : consumer.poll(Duration.ofMillis(200))) {
                    seen.add(record.key() + "=" + record.value());
                }
                return consumer.position(partition) >= end;
            });
        }
        return seen;
    }

    private static KafkaProducer<String, String> producer(KafkaBroker broker) {
        return new KafkaProducer<>(Map.of(
                ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers(),
                ProducerConfig.ACKS_CONFIG, "all",
                ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class,
                ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class));
    }

    private static Admin admin(KafkaBroker broker) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, broker.bootstrapServers()));
    }
}
