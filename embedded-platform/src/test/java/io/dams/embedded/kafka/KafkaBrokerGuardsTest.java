package io.dams.embedded.kafka;

import io.dams.embedded.PlatformException;

import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.InconsistentClusterIdException;
import org.apache.kafka.metadata.storage.Formatter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The broker's guards, storage layout and error translation, exercised without starting Kafka. */
class KafkaBrokerGuardsTest {

    @TempDir
    Path dataDir;

    @Test
    void formatsAFreshDirectoryOnceAndKeepsItsClusterId() {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        KafkaStorage.Plan plan = KafkaStorage.inspect(layout);
        assertThat(plan.format()).isTrue();

        String clusterId = KafkaStorage.format(layout, plan.clusterId());

        assertThat(clusterId).isEqualTo(plan.clusterId());
        assertThat(layout.logDir().resolve("meta.properties")).exists();
        assertThat(layout.metadataDir().resolve("meta.properties")).exists();
        assertThat(KafkaStorage.readMarker(layout)).contains(clusterId);
        assertThat(KafkaStorage.inspect(layout)).isEqualTo(new KafkaStorage.Plan(clusterId, false));
    }

    @Test
    void refusesKafkaDataOfAnotherClusterAndLeavesItAlone() throws IOException {
        KafkaLayout layout = formatted();
        String theirs = KafkaStorage.readMarker(layout).orElseThrow();
        String ours = Uuid.randomUuid().toString();
        Files.writeString(layout.marker(), "cluster.id=" + ours + "\n");
        Map<String, String> before = snapshot(dataDir);

        assertThatThrownBy(() -> KafkaStorage.inspect(layout))
                .isInstanceOf(PlatformException.class)
                .hasMessage("data directory " + layout.dataDir() + " holds Kafka data of cluster " + theirs
                        + " (node 1), not of this DAMS installation (cluster " + ours + ", node 1); use another"
                        + " --data-dir or move " + layout.kafkaDir() + " away");
        assertThat(snapshot(dataDir)).isEqualTo(before);
    }

    @Test
    void refusesKafkaDataOfAnotherNode() throws IOException {
        KafkaLayout layout = formatted();
        for (Path dir : List.of(layout.logDir(), layout.metadataDir())) {
            Path meta = dir.resolve("meta.properties");
            Files.writeString(meta, Files.readString(meta).replace("node.id=1", "node.id=2"));
        }

        assertThatThrownBy(() -> KafkaStorage.inspect(layout))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("(node 2), not of this DAMS installation");
    }

    @Test
    void refusesKafkaDataThatDamsDidNotCreate() throws Exception {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        String theirs = Uuid.randomUuid().toString();
        plainKafkaFormat(theirs, layout.metadataDir(), layout.logDir());

        assertThatThrownBy(() -> KafkaStorage.inspect(layout))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("holds Kafka data of cluster " + theirs + " (node 1) that this DAMS installation"
                        + " did not create (no dams-cluster.properties)");
    }

    @Test
    void refusesKafkaDataFormattedDirectlyInTheKafkaDirectory() throws Exception {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        plainKafkaFormat(Uuid.randomUuid().toString(), layout.kafkaDir());

        assertThatThrownBy(() -> KafkaStorage.inspect(layout))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("directly in " + layout.kafkaDir());
    }

    @Test
    void refusesHalfFormattedStorage() throws IOException {
        KafkaLayout layout = formatted();
        Files.delete(layout.metadataDir().resolve("meta.properties"));

        assertThatThrownBy(() -> KafkaStorage.inspect(layout))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("holds inconsistent Kafka data (" + layout.metadataDir().resolve("meta.properties")
                        + " is missing while " + layout.logDir().resolve("meta.properties") + " exists)");
    }

    @Test
    void refusesPartitionDataWithoutMetaProperties() throws IOException {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        Files.createDirectories(layout.logDir().resolve("readings-0"));

        assertThatThrownBy(() -> KafkaStorage.inspect(layout))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining(layout.logDir() + " holds readings-0 but no meta.properties");
    }

    @Test
    void reformatsWithTheRecordedClusterIdWhenKafkaDirectoriesAreGone() throws IOException {
        KafkaLayout layout = formatted();
        String recorded = KafkaStorage.readMarker(layout).orElseThrow();
        deleteTree(layout.logDir());
        deleteTree(layout.metadataDir());

        assertThat(KafkaStorage.inspect(layout)).isEqualTo(new KafkaStorage.Plan(recorded, true));
    }

    @Test
    void lockKeepsASecondBrokerOfThisProcessOff() {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        DataDirLock first = DataDirLock.acquire(layout);
        try {
            assertThatThrownBy(() -> DataDirLock.acquire(layout))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageStartingWith("data directory " + layout.dataDir() + " is in use by another running DAMS")
                    .hasMessageEndingWith("; stop it first or choose another --data-dir");
        } finally {
            first.close();
        }
        DataDirLock.acquire(layout).close();
    }

    @Test
    void refusesPortsThatAreTaken() throws IOException {
        try (ServerSocket held = new ServerSocket(0, 1, InetAddress.getByName(KafkaBroker.BIND_ADDRESS))) {
            int port = held.getLocalPort();
            assertThatThrownBy(() -> Ports.choose(KafkaBroker.BIND_ADDRESS, port, 0))
                    .isInstanceOf(PlatformException.class)
                    .hasMessage("port " + port + " (Kafka broker) is already in use; stop what uses it or choose"
                            + " another port with --kafka-port");
            assertThatThrownBy(() -> Ports.choose(KafkaBroker.BIND_ADDRESS, 0, port))
                    .isInstanceOf(PlatformException.class)
                    .hasMessage("port " + port + " (Kafka controller) is already in use; stop what uses it or choose"
                            + " another port with --controller-port");
        }
        assertThatThrownBy(() -> Ports.choose(KafkaBroker.BIND_ADDRESS, 19092, 19092))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining("cannot share port 19092");
    }

    @Test
    void picksTwoDistinctFreePorts() {
        Ports.Chosen chosen = Ports.choose(KafkaBroker.BIND_ADDRESS, 0, 0);

        assertThat(chosen.broker()).isPositive().isNotEqualTo(chosen.controller());
        assertThat(chosen.controller()).isPositive();
    }

    @Test
    void translatesKafkaStartupFailuresIntoOneLine() {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        Ports.Chosen ports = new Ports.Chosen(1234, 12345);

        assertThat(KafkaBroker.translate(new KafkaException("Socket server failed to bind to 127.0.0.1:12345: Address"
                + " already in use.", new BindException("Address already in use")), layout, ports))
                .hasMessage("port 12345 (Kafka controller) is already in use; stop what uses it or choose another port"
                        + " with --controller-port");
        assertThat(KafkaBroker.translate(new KafkaException("Socket server failed to bind to 127.0.0.1:1234: Address"
                + " already in use."), layout, ports))
                .hasMessageStartingWith("port 1234 (Kafka broker) is already in use");
        assertThat(KafkaBroker.translate(new KafkaException("Failed to acquire lock on file .lock in /x. A Kafka"
                + " instance in another process or thread is using this directory."), layout, ports))
                .hasMessageContaining("is in use by another running DAMS");
        assertThat(KafkaBroker.translate(new RuntimeException(new InconsistentClusterIdException("Expected cluster ID"
                + " a, but got b")), layout, ports))
                .hasMessageContaining("holds Kafka data of another cluster (Expected cluster ID a, but got b)");
        assertThat(KafkaBroker.translate(new RuntimeException("Invalid cluster.id in: /x/meta.properties. Expected a,"
                + " but read b"), layout, ports))
                .hasMessageContaining("holds inconsistent Kafka data (Invalid cluster.id in");
        assertThat(KafkaBroker.translate(new IllegalStateException("boom"), layout, ports))
                .hasMessage("the Kafka broker failed to start (IllegalStateException: boom); see the log for details");
    }

    @Test
    void serverPropertiesFitOneMachine() {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        Map<String, String> props = KafkaBroker.serverProperties(layout, new Ports.Chosen(9092, 9093), "dams-host");

        assertThat(props)
                .containsEntry("process.roles", "broker,controller")
                .containsEntry("controller.quorum.voters", "1@127.0.0.1:9093")
                .containsEntry("listeners", "PLAINTEXT://127.0.0.1:9092,CONTROLLER://127.0.0.1:9093")
                .containsEntry("advertised.listeners", "PLAINTEXT://dams-host:9092")
                .containsEntry("log.dirs", layout.logDir().toString())
                .containsEntry("metadata.log.dir", layout.metadataDir().toString())
                .containsEntry("offsets.topic.replication.factor", "1")
                .containsEntry("transaction.state.log.min.isr", "1")
                .containsEntry("auto.create.topics.enable", "false");
    }

    private KafkaLayout formatted() {
        KafkaLayout layout = KafkaLayout.of(dataDir);
        KafkaStorage.format(layout, KafkaStorage.inspect(layout).clusterId());
        return layout;
    }

    /** Formats as kafka-storage.sh would for a plain Kafka: no DAMS marker. */
    private static void plainKafkaFormat(String clusterId, Path metadataDir, Path... logDirs) throws Exception {
        List<String> dirs = Stream.concat(Stream.of(metadataDir), Arrays.stream(logDirs)).map(Path::toString).toList();
        new Formatter()
                .setPrintStream(new PrintStream(OutputStream.nullOutputStream()))
                .setNodeId(1)
                .setClusterId(clusterId)
                .setControllerListenerName("CONTROLLER")
                .setMetadataLogDirectory(metadataDir.toString())
                .setDirectories(dirs)
                .run();
    }

    /** Every file under {@code root} with a digest of its content, to show that a refused start changed nothing. */
    static Map<String, String> snapshot(Path root) throws IOException {
        Map<String, String> files = new TreeMap<>();
        try (Stream<Path> paths = Files.walk(root)) {
            paths.filter(Files::isRegularFile).forEach(p -> {
                try {
                    byte[] digest = MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(p));
                    files.put(root.relativize(p).toString(), HexFormat.of().formatHex(digest));
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                } catch (NoSuchAlgorithmException e) {
                    throw new IllegalStateException(e);
                }
            });
        }
        return files;
    }

    private static void deleteTree(Path root) throws IOException {
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted((a, b) -> b.getNameCount() - a.getNameCount()).toList()) {
                Files.delete(p);
            }
        }
    }
}
