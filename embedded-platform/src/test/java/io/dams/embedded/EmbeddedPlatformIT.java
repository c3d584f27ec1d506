package io.dams.embedded;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.config.ConfigResource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Start, restart and refusal of the embedded platform, each on a data directory of its own. */
class EmbeddedPlatformIT {

    @TempDir
    Path tmp;

    @Test
    void shouldKeepTopicsSchemasRecordsAndTablesAcrossARestart() throws Exception {
        Path dataDir = tmp.resolve("data");
        List<String> firstStart = new ArrayList<>();
        MetricBatch sent = ContractsIT.batch("node-restart", 1);
        try (EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dataDir), firstStart::add)) {
            assertThat(Endpoints.readRunning(dataDir)).contains(platform.endpoints());
            produce(platform.endpoints(), sent);
            sql(platform.endpoints(), "CREATE TABLE kept (v int); INSERT INTO kept VALUES (42)");
        }
        assertThat(firstStart).anyMatch(l -> l.startsWith("topics: ") && l.contains(Topics.ALL.size() + " created"));
        assertThat(Endpoints.readRunning(dataDir)).isEmpty();

        List<String> secondStart = new ArrayList<>();
        try (EmbeddedPlatform platform = EmbeddedPlatform.start(PlatformSettings.randomPorts(dataDir), secondStart::add)) {
            assertThat(secondStart).anyMatch(l -> l.startsWith("topics: ") && l.contains(" 0 created"));
            assertThat(consumeAll(platform.endpoints())).contains(sent);
            assertThat(sql(platform.endpoints(), "SELECT v FROM kept")).isEqualTo(42);
            // Someone turns the rules table into a stream, which would let Kafka delete rules by age.
            alterConfig(platform.endpoints(), Topics.RULES.name(), "cleanup.policy", "delete");
        }

        PlatformSettings settings = PlatformSettings.randomPorts(dataDir);
        assertThatThrownBy(() -> EmbeddedPlatform.start(settings, l -> { }))
                .isInstanceOf(PlatformException.class)
                .hasMessage("topic dams.rules: cleanup.policy is delete, the catalogue says compact. DAMS changes no"
                        + " existing topic by itself: start again with --fix-topics to alter the configuration (it"
                        + " deletes nothing), or use another --data-dir");

        List<String> fixedStart = new ArrayList<>();
        try (EmbeddedPlatform platform = EmbeddedPlatform.start(settings.withFixTopics(true), fixedStart::add)) {
            assertThat(fixedStart).contains("topics: fixed topic dams.rules: cleanup.policy is delete, the catalogue"
                    + " says compact");
            assertThat(consumeAll(platform.endpoints())).contains(sent);
        }
    }

    private static void alterConfig(Endpoints endpoints, String topic, String key, String value) throws Exception {
        try (Admin admin = Admin.create(Map.<String, Object>of("bootstrap.servers", endpoints.bootstrapServers()))) {
            ConfigResource resource = new ConfigResource(ConfigResource.Type.TOPIC, topic);
            admin.incrementalAlterConfigs(Map.of(resource, List.of(
                    new AlterConfigOp(new ConfigEntry(key, value), AlterConfigOp.OpType.SET)))).all().get();
        }
    }

    @Test
    void shouldRefuseADataDirectoryInUseAPortInUseAndAMissingRegistryWithOneLineEach() throws Exception {
        Path dataDir = tmp.resolve("busy");
        try (EmbeddedPlatform running = EmbeddedPlatform.start(PlatformSettings.randomPorts(dataDir), l -> { })) {
            List<Path> before = listFiles(dataDir);

            assertThatThrownBy(() -> EmbeddedPlatform.start(PlatformSettings.randomPorts(dataDir), l -> { }))
                    .isInstanceOf(PlatformException.class)
                    .hasMessageContaining("is in use by another running DAMS")
                    .hasMessageNotContaining("\n");
            assertThat(listFiles(dataDir)).containsAll(before);
            assertThat(Endpoints.readRunning(dataDir)).contains(running.endpoints());
        }

        try (ServerSocket taken = new ServerSocket()) {
            taken.bind(new InetSocketAddress(InetAddress.getByName("127.0.0.1"), 0));
            PlatformSettings settings = PlatformSettings.randomPorts(tmp.resolve("port")).withKafkaPort(taken.getLocalPort());
            assertThatThrownBy(() -> EmbeddedPlatform.start(settings, l -> { }))
                    .isInstanceOf(PlatformException.class)
                    .hasMessage("port " + taken.getLocalPort() + " (Kafka broker) is already in use; stop what uses it"
                            + " or choose another port with --kafka-port");
        }

        Path missing = tmp.resolve("nowhere/apicurio-registry-app-all.zip");
        PlatformSettings noRegistry = PlatformSettings.randomPorts(tmp.resolve("noreg")).withRegistryDistribution(missing);
        assertThatThrownBy(() -> EmbeddedPlatform.start(noRegistry, l -> { }))
                .isInstanceOf(PlatformException.class)
                .hasMessageContaining(missing.toString())
                .hasMessageNotContaining("\n");
        // What started beside the missing registry was stopped again and the directory is free for a next try.
        assertThat(Endpoints.readRunning(tmp.resolve("noreg"))).isEmpty();
        DataDirectory.open(tmp.resolve("noreg")).close();
    }

    @Test
    void shouldRefuseAFolderThatIsNotADamsDataDirectoryAndLeaveItAlone() throws IOException {
        Path foreign = Files.createDirectories(tmp.resolve("foreign"));
        Path precious = Files.writeString(foreign.resolve("precious.txt"), "keep me");

        assertThatThrownBy(() -> EmbeddedPlatform.start(PlatformSettings.randomPorts(foreign), l -> { }))
                .isInstanceOf(PlatformException.class)
                .hasMessage("data directory " + foreign + " is not empty and was not created by DAMS (no "
                        + DataDirectory.MARKER + "); choose a new or empty --data-dir");
        assertThat(listFiles(foreign)).containsExactly(precious);
    }

    private static List<Path> listFiles(Path dir) throws IOException {
        try (Stream<Path> files = Files.walk(dir)) {
            return files.filter(Files::isRegularFile).toList();
        }
    }

    private static void produce(Endpoints endpoints, MetricBatch batch) throws Exception {
        Map<String, Object> props = new HashMap<>(new RegistrySerdes(endpoints.registryUrl()).producerConfig());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        try (KafkaProducer<String, MetricBatch> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), batch.getAssetId(), batch)).get();
        }
    }

    private static List<MetricBatch> consumeAll(Endpoints endpoints) {
        Map<String, Object> props = new HashMap<>(new RegistrySerdes(endpoints.registryUrl()).consumerConfig());
        props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        try (KafkaConsumer<String, MetricBatch> consumer = new KafkaConsumer<>(props)) {
            List<TopicPartition> partitions = consumer.partitionsFor(Topics.METRICS_RAW.name()).stream()
                    .map(p -> new TopicPartition(p.topic(), p.partition())).toList();
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions);
            List<MetricBatch> values = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (partitions.stream().anyMatch(p -> consumer.position(p) < end.get(p)) && System.nanoTime() < deadline) {
                for (ConsumerRecord<String, MetricBatch> record : consumer.poll(Duration.ofMillis(200))) {
                    values.add(record.value());
                }
            }
            return values;
        }
    }

    private static int sql(Endpoints endpoints, String sql) throws Exception {
        try (Connection connection = DriverManager.getConnection(endpoints.jdbcUrl());
             Statement statement = connection.createStatement()) {
            if (statement.execute(sql)) {
                try (ResultSet rs = statement.getResultSet()) {
                    rs.next();
                    return rs.getInt(1);
                }
            }
            return 0;
        }
    }
}
