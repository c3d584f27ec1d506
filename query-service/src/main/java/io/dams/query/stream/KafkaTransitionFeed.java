package io.dams.query.stream;

import io.dams.query.fleet.StoreUnavailableException;
import io.dams.query.tables.TopicFollower;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Follows {@code dams.alerts.transitions} from its end with one consumer assigned every partition (no group, nothing
 * committed: the feed is live, not a replay) and hands each transition to every subscriber. Committed records only,
 * as the rules job writes under exactly-once.
 */
public final class KafkaTransitionFeed extends TopicFollower<AlertTransition> implements TransitionFeed {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTransitionFeed.class);
    private static final String TOPIC = Topics.ALERTS_TRANSITIONS.name();

    private final List<Consumer<AlertTransition>> listeners = new CopyOnWriteArrayList<>();
    /** Whether the consumer knows its positions at the end: from then on nothing published is missed. */
    private volatile boolean following;

    public KafkaTransitionFeed(String bootstrapServers, String registryUrl) {
        super(Topics.ALERTS_TRANSITIONS, "live feed", bootstrapServers, registryUrl, "dams-query-live-feed", "latest");
        start();
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

    @Override
    protected void assigned(KafkaConsumer<String, AlertTransition> consumer, List<TopicPartition> partitions) {
        consumer.seekToEnd(partitions);
        // Resolves the end now, so that everything published after a subscription is delivered to it.
        partitions.forEach(consumer::position);
        following = true;
        LOG.info("live feed: following {} ({} partitions)", TOPIC, partitions.size());
    }

    @Override
    protected void polled(KafkaConsumer<String, AlertTransition> consumer,
                          ConsumerRecords<String, AlertTransition> records) {
        for (ConsumerRecord<String, AlertTransition> record : records) {
            if (record.value() != null) {
                deliver(record.value());
            }
        }
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

    @Override
    public void close() {
        super.close();
        listeners.clear();
    }
}
