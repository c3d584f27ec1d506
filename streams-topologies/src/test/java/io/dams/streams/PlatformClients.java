package io.dams.streams;

import io.dams.embedded.Endpoints;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topic;
import io.dams.streams.alerting.AlertingSettings;
import io.dams.streams.ingest.IngestSettings;
import io.dams.streams.rules.RulesSettings;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringSerializer;

/** Producers, tails and job configurations against the embedded platform, with the real registry serdes. */
public final class PlatformClients {

    private PlatformClients() {
    }

    /** A producer of a catalogue topic's records, Avro through the registry as the bridge writes them. */
    public static <V extends SpecificRecord> KafkaProducer<String, V> producer(Endpoints platform, Topic<String, V> topic) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(platform.registryUrl()).producerConfig());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        return new KafkaProducer<>(config);
    }

    /** A producer of raw bytes, to put what no serializer would write on a topic. */
    public static KafkaProducer<String, byte[]> bytesProducer(Endpoints platform) {
        return new KafkaProducer<>(Map.of(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()),
                new StringSerializer(), new ByteArraySerializer());
    }

    /** Reads a topic from its beginning, committed records only, decoded through the registry. */
    public static <V extends SpecificRecord> Tail<V> tail(Endpoints platform, Topic<String, V> topic) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(platform.registryUrl()).consumerConfig());
        config.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers());
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        return new Tail<>(config, topic.name());
    }

    /** An ingest job on the platform: its own application id, state dir, free ports. */
    public static JobConfig ingestJob(Endpoints platform, String applicationId, Path stateDir) {
        JobConfig defaults = JobConfig.defaults();
        return new JobConfig("ingest", platform.bootstrapServers(), platform.registryUrl(), applicationId, stateDir,
                1, Duration.ofMillis(100), 1, new JobConfig.Status("127.0.0.1", 0),
                IngestSettings.defaults().withApplicationServer("127.0.0.1:0"), defaults.rollup());
    }

    public static JobConfig rollupJob(Endpoints platform, String applicationId, Path stateDir) {
        return ingestJob(platform, applicationId, stateDir).withJob("rollup");
    }

    /** A rules job on the platform, its settings at their defaults. */
    public static JobConfig rulesJob(Endpoints platform, String applicationId, Path stateDir) {
        return ingestJob(platform, applicationId, stateDir).withJob("rules").withRules(RulesSettings.defaults());
    }

    /** An alerting job on the platform with these settings, its interactive queries on a free port. */
    public static JobConfig alertingJob(Endpoints platform, String applicationId, Path stateDir,
                                        AlertingSettings settings) {
        return ingestJob(platform, applicationId, stateDir).withJob("alerting")
                .withAlerting(settings.withApplicationServer("127.0.0.1:0"));
    }
}
