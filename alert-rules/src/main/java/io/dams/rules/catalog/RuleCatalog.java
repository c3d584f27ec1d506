package io.dams.rules.catalog;

import io.dams.rules.AlertRule;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rules catalogue: the compacted {@code dams.rules} topic (key: rule name, value: Avro {@link Rule}, a deletion
 * being a tombstone). Reads it to its end and publishes a {@link RuleDiff}. Each call opens and closes its own
 * clients, as a command-line tool wants.
 */
public final class RuleCatalog {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);

    private static final Logger LOG = LoggerFactory.getLogger(RuleCatalog.class);
    private static final String TOPIC = Topics.RULES.name();

    private final Map<String, Object> clientConfig;
    private final RegistrySerdes serdes;
    private final Clock clock;
    private final Duration timeout;

    /** A catalogue on a plain-text cluster. */
    public RuleCatalog(String bootstrapServers, String registryUrl) {
        this(Map.of(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers), registryUrl, Clock.systemUTC(),
                DEFAULT_TIMEOUT);
    }

    /**
     * @param clientConfig {@code bootstrap.servers} and whatever else the cluster needs (security settings); passed
     *                     to the consumer and the producer
     * @param timeout      how long a read or an apply may take before it fails
     */
    public RuleCatalog(Map<String, Object> clientConfig, String registryUrl, Clock clock, Duration timeout) {
        this.clientConfig = Map.copyOf(clientConfig);
        if (!clientConfig.containsKey(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG)) {
            throw new IllegalArgumentException("clientConfig needs " + CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
        }
        this.serdes = new RegistrySerdes(registryUrl);
        this.clock = Objects.requireNonNull(clock, "clock");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
    }

    /** What {@link #apply} published. */
    public record Applied(List<String> published, List<String> deleted) {
        public Applied {
            published = List.copyOf(published);
            deleted = List.copyOf(deleted);
        }
    }

    /**
     * The catalogue's current rules by name: the topic read from its beginning to the end offsets taken when the read
     * starts (committed records only), tombstones removing earlier values.
     *
     * @throws RuleCatalogException when the topic is missing, the cluster does not answer within the timeout, or a
     *                              record cannot be decoded
     */
    public Map<String, Rule> read() {
        Map<String, Object> config = new HashMap<>(serdes.valueConfig());
        config.putAll(clientConfig);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "dams-rules-catalog-reader");
        long deadline = System.nanoTime() + timeout.toNanos();
        try (KafkaConsumer<String, Rule> consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                serdes.valueDeserializer(Topics.RULES))) {
            List<TopicPartition> partitions = partitions(consumer.partitionsFor(TOPIC, timeout));
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = consumer.endOffsets(partitions, remaining(deadline));
            Map<String, Rule> rules = new TreeMap<>();
            while (!reachedEnd(consumer, end)) {
                if (System.nanoTime() > deadline) {
                    throw new RuleCatalogException("reading " + TOPIC + " from " + bootstrap() + " took longer than "
                            + timeout + "; is the cluster reachable?");
                }
                for (ConsumerRecord<String, Rule> record : consumer.poll(Duration.ofMillis(200))) {
                    if (record.key() == null) {
                        LOG.warn("{} offset {}: a record without key (rule name) is ignored", TOPIC, record.offset());
                    } else if (record.value() == null) {
                        rules.remove(record.key());
                    } else {
                        rules.put(record.key(), record.value());
                    }
                }
            }
            return rules;
        } catch (org.apache.kafka.common.errors.TimeoutException e) {
            throw new RuleCatalogException("the cluster at " + bootstrap() + " did not answer within " + timeout
                    + " while reading " + TOPIC + ": " + e.getMessage(), e);
        } catch (KafkaException e) {
            throw new RuleCatalogException("cannot read " + TOPIC + " from " + bootstrap() + ": " + e.getMessage(), e);
        }
    }

    /**
     * Publishes a diff: every added and changed rule (stamped with now and {@code updatedBy}), a tombstone for every
     * removed one. Returns once the cluster has acknowledged them all. Publishing a diff computed from a catalogue
     * that has changed since is the caller's choice; re-read and diff again to be sure.
     *
     * @param updatedBy who applies (e.g. the operator's user name), kept in {@code updated_by}
     * @throws RuleCatalogException when the topic is missing or a record is not acknowledged within the timeout
     */
    public Applied apply(RuleDiff diff, String updatedBy) {
        List<String> published = new ArrayList<>();
        List<String> deleted = new ArrayList<>();
        if (diff.isEmpty()) {
            return new Applied(published, deleted);
        }
        Map<String, Object> config = new HashMap<>(serdes.valueConfig());
        config.putAll(clientConfig);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "dams-rules-catalog-writer");
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        long deadline = System.nanoTime() + timeout.toNanos();
        Instant now = clock.instant();
        try (KafkaProducer<String, Rule> producer = new KafkaProducer<>(config, new StringSerializer(),
                serdes.valueSerializer(Topics.RULES))) {
            // The topic must exist already: a topic created by the producer would not be compacted.
            partitions(producer.partitionsFor(TOPIC));
            List<Future<RecordMetadata>> sends = new ArrayList<>();
            List<AlertRule> upserts = new ArrayList<>(diff.added());
            diff.changed().forEach(c -> upserts.add(c.rule()));
            for (AlertRule rule : upserts) {
                sends.add(producer.send(new ProducerRecord<>(TOPIC, rule.name(), rule.toAvro(now, updatedBy))));
                published.add(rule.name());
            }
            for (String name : diff.removed()) {
                sends.add(producer.send(new ProducerRecord<>(TOPIC, name, null)));
                deleted.add(name);
            }
            producer.flush();
            for (Future<RecordMetadata> send : sends) {
                send.get(remaining(deadline).toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (ExecutionException e) {
            throw new RuleCatalogException("publishing to " + TOPIC + " at " + bootstrap() + " failed: "
                    + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new RuleCatalogException("publishing to " + TOPIC + " at " + bootstrap() + " was not acknowledged"
                    + " within " + timeout, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new RuleCatalogException("interrupted while publishing to " + TOPIC, e);
        } catch (KafkaException e) {
            throw new RuleCatalogException("cannot publish to " + TOPIC + " at " + bootstrap() + ": "
                    + e.getMessage(), e);
        }
        LOG.info("rules catalogue {}: published {} ({}), deleted {} ({}) as {}", TOPIC, published.size(),
                String.join(", ", published), deleted.size(), String.join(", ", deleted), updatedBy);
        return new Applied(published, deleted);
    }

    private List<TopicPartition> partitions(List<PartitionInfo> infos) {
        if (infos == null || infos.isEmpty()) {
            throw new RuleCatalogException("topic " + TOPIC + " does not exist at " + bootstrap() + ": create the"
                    + " catalogue's topics first (the platform does when it starts)");
        }
        return infos.stream().map(p -> new TopicPartition(p.topic(), p.partition())).toList();
    }

    private static boolean reachedEnd(KafkaConsumer<?, ?> consumer, Map<TopicPartition, Long> end) {
        for (Map.Entry<TopicPartition, Long> e : end.entrySet()) {
            if (consumer.position(e.getKey()) < e.getValue()) {
                return false;
            }
        }
        return true;
    }

    private static Duration remaining(long deadline) {
        return Duration.ofNanos(Math.max(1_000_000, deadline - System.nanoTime()));
    }

    private Object bootstrap() {
        return clientConfig.get(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG);
    }
}
