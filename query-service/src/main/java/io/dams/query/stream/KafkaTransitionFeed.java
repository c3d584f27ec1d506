package io.dams.query.stream;

import io.dams.query.fleet.StoreUnavailableException;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
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
 * Follows {@code dams.alerts.transitions} from its end with one consumer assigned every partition (no group, nothing
 * committed: the feed is live, not a replay) and hands each transition to every subscriber. Committed records only,
 * as the rules job writes under exactly-once.
 */
public final class KafkaTransitionFeed implements TransitionFeed, AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransitionFeed.class);
    private static final Duration POLL = Duration.ofMillis(200);
    private static final Duration METADATA_TIMEOUT = Duration.ofSeconds(5);
    private static final Duration BACKOFF = Duration.ofSeconds(1);
    private static final String TOPIC = Topics.ALERTS_TRANSITIONS.name();

    private final KafkaConsumer<String, AlertTransition> consumer;
    private final List<Consumer<AlertTransition>> listeners = new CopyOnWriteArrayList<>();
    private final Thread thread;
    private final CountDownLatch stop = new CountDownLatch(1);
    private volatile boolean running = true;
    /** Whether the consumer knows its positions at the end: from then on nothing published is missed. */
    private volatile boolean following;
    private String lastTrouble;

    public KafkaTransitionFeed(String bootstrapServers, String registryUrl) {
        RegistrySerdes serdes = new RegistrySerdes(registryUrl);
        Map<String, Object> config = new HashMap<>(serdes.valueConfig());
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        config.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        config.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "latest");
        config.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        config.put(ConsumerConfig.CLIENT_ID_CONFIG, "dams-query-live-feed");
        this.consumer = new KafkaConsumer<>(config, new StringDeserializer(),
                serdes.valueDeserializer(Topics.ALERTS_TRANSITIONS));
        this.thread = new Thread(this::run, "dams-query-live-feed");
        this.thread.setDaemon(true);
        this.thread.start();
    }

    @Override
    public Subscription subscribe(Consumer<AlertTransition> listener) {
        if (!following) {
            throw new StoreUnavailableException("the live feed is not following " + TOPIC + " yet (Kafka starting or"
                    + " unreachable)", TOPIC + " not assigned yet", Duration.ofSeconds(2), null);
        }
        listeners.add(listener);
        return () -> listeners.remove(listener);
    }

    /** Whether the feed follows the topic (for health and metrics). */
    public boolean following() {
        return following;
    }

    private void run() {
        try {
            while (running) {
                try {
                    if (!following) {
                        assign();
                    } else {
                        for (ConsumerRecord<String, AlertTransition> record : consumer.poll(POLL)) {
                            if (record.value() != null) {
                                deliver(record.value());
                            }
                        }
                        recovered();
                    }
                } catch (WakeupException e) {
                    // close() wants the thread to stop.
                } catch (RecordDeserializationException e) {
                    LOG.warn("{} partition {} offset {}: a transition that cannot be decoded is skipped: {}", TOPIC,
                            e.topicPartition().partition(), e.offset(), e.getMessage());
                    consumer.seek(e.topicPartition(), e.offset() + 1);
                } catch (KafkaException e) {
                    trouble("cannot read " + TOPIC + ": " + e.getMessage());
                    backoff();
                }
            }
        } finally {
            consumer.close(Duration.ofSeconds(5));
        }
    }

    private void assign() {
        List<PartitionInfo> infos = consumer.partitionsFor(TOPIC, METADATA_TIMEOUT);
        if (infos == null || infos.isEmpty()) {
            trouble(TOPIC + " does not exist yet; waiting for it (the platform creates it at start)");
            backoff();
            return;
        }
        List<TopicPartition> partitions = infos.stream().map(p -> new TopicPartition(p.topic(), p.partition()))
                .toList();
        consumer.assign(partitions);
        consumer.seekToEnd(partitions);
        // Resolves the end now, so that everything published after a subscription is delivered to it.
        partitions.forEach(consumer::position);
        following = true;
        LOG.info("live feed: following {} ({} partitions)", TOPIC, partitions.size());
        recovered();
    }

    private void deliver(AlertTransition transition) {
        for (Consumer<AlertTransition> listener : listeners) {
            try {
                listener.accept(transition);
            } catch (RuntimeException e) {
                LOG.warn("live feed: a listener failed on alert {}: {}", transition.getAlertId(), e.toString());
            }
        }
    }

    private void recovered() {
        if (lastTrouble != null) {
            LOG.info("live feed: reading {} again", TOPIC);
            lastTrouble = null;
        }
    }

    private void trouble(String message) {
        if (!message.equals(lastTrouble)) {
            LOG.warn("live feed: {}", message);
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
        listeners.clear();
    }
}
