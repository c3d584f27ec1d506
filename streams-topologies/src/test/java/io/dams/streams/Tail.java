package io.dams.streams;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Predicate;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.RecordDeserializationException;

/**
 * Everything on a topic so far, read by whoever calls {@link #records}: poll it inside an Awaitility condition.
 * Not thread-safe; one test thread uses it.
 */
public final class Tail<V> implements AutoCloseable {

    private final KafkaConsumer<String, V> consumer;
    private final List<ConsumerRecord<String, V>> seen = new ArrayList<>();

    Tail(Map<String, Object> config, String topic) {
        this.consumer = new KafkaConsumer<>(config);
        List<TopicPartition> partitions = consumer.partitionsFor(topic, Duration.ofSeconds(30)).stream()
                .map(p -> new TopicPartition(topic, p.partition())).toList();
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
    }

    /**
     * The records read so far whose key matches, after one more poll. Records that cannot be decoded (other tests on
     * the same platform write deliberate garbage to some topics) are passed over.
     */
    public List<ConsumerRecord<String, V>> records(Predicate<String> key) {
        try {
            for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                seen.add(record);
            }
        } catch (RecordDeserializationException e) {
            consumer.seek(e.topicPartition(), e.offset() + 1);
        }
        return seen.stream().filter(r -> r.key() != null && key.test(r.key())).toList();
    }

    /** The values read so far for one key, in order, after one more poll. */
    public List<V> values(String key) {
        return records(key::equals).stream().map(ConsumerRecord::value).toList();
    }

    @Override
    public void close() {
        consumer.close(org.apache.kafka.clients.consumer.CloseOptions.timeout(Duration.ofSeconds(5)));
    }
}
