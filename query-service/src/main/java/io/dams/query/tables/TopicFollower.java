package io.dams.query.tables;

import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topic;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One thread following every partition of one topic with a consumer of its own (no consumer group, nothing committed;
 * committed records only, as the jobs write under exactly-once). It waits for the topic to exist, skips (and logs)
 * records that cannot be decoded, logs a trouble once rather than on every retry, backs off while Kafka is away, and
 * stops on {@link #close()}. Subclasses say where to start ({@link #assigned}) and what a poll means ({@link #polled}).
 */
public abstract class TopicFollower<V extends SpecificRecord> implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TopicFollower.class);
    private static final Duration POLL = Duration.ofMillis(200);
    static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration BACKOFF = Duration.ofSeconds(1);

    private final String topic;
    private final String what;
    private final KafkaConsumer<String, V> consumer;
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean running = true;
    private boolean assigned;
    private String lastTrouble;

    /**
     * @param what     the follower's name for people, e.g. {@code silences} or {@code live feed}
     * @param clientId the consumer's client id, and the thread's name
     * @param reset    where to go on when a position is no longer in the log: {@code earliest} or {@code latest}
     */
    protected TopicFollower(Topic<String, V> topic, String what, String bootstrapServers, String registryUrl,
                            String clientId, String reset) {
        this.topic = topic.name();
        this.what = what;
        RegistrySerdes serdes = new RegistrySerdes(registryUrl);
        Map<String, Object> config = new HashMap<>(serdes.valueConfig());
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, reset);
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, clientId);
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(), serdes.valueDeserializer(topic));
        this.thread = new Thread(this::run, clientId);
        this.thread.setDaemon(true);
    }

    /** Starts following; the last thing a subclass's constructor does. */
    protected final void start() {
        thread.start();
    }

    /** The partitions are assigned: seek where to begin (on the following thread). */
    protected abstract void assigned(KafkaConsumer<String, V> consumer, List<TopicPartition> partitions);

    /** One poll's records, possibly none (on the following thread). */
    protected abstract void polled(KafkaConsumer<String, V> consumer, ConsumerRecords<String, V> records);

    protected final String topic() {
        return topic;
    }

    private void run() {
        try {
            while (running) {
                try {
                    if (!assigned) {
                        assign();
                    } else {
                        polled(consumer, consumer.poll(POLL));
                        recovered();
                    }
                } catch (WakeupException e) {
                    // close() wants the thread to stop.
                } catch (RecordDeserializationException e) {
                    LOG.warn("{}: {} partition {} offset {}: a record that cannot be decoded is skipped: {}", what,
                            topic, e.topicPartition().partition(), e.offset(), e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                } catch (KafkaException e) {
                    trouble("cannot read " + topic + ": " + e.getMessage());
                    backoff();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void assign() {
        List<PartitionInfo> infos = consumer.partitionsFor(topic, METADATA_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            trouble(topic + " does not exist yet; waiting for it (the platform creates it at start)");
            backoff();
            return;
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        assigned(consumer, partitions);
        assigned = true;
        recovered();
    }

    private void recovered() {
        if (lastTrouble != null) {
            LOG.info("{}: reading {} again", what, topic);
            lastTrouble = null;
        }
    }

    /** Logged once per distinct trouble, not on every retry. */
    private void trouble(String message) {
        if (!message.equals(lastTrouble)) {
            LOG.warn("{}: {}", what, message);
            lastTrouble = message;
        }
    }

    private void backoff() {
        try {
            stop.await(BACKOFF.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        running = false;
        stop.countDown();
        consumer.wakeup();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
