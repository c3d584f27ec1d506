package io.dams.query.tables;

import io.dams.query.fleet.StoreUnavailableException;
import io.dams.schemas.topics.Topic;
import java.time.Duration;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.ConsumerRecords;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A compacted topic tailed into memory by one thread: a consumer assigned every partition from the beginning (no
 * consumer group, nothing committed), each poll applied to a copy of the map that then replaces the published one,
 * tombstones removing keys. Reads answer from the published snapshot once the topic has been read up to the end
 * offsets it had at start. Writes go through the shared {@link TableWriter} and return once this view has passed the
 * written record's offset.
 */
public final class KafkaTable<V extends SpecificRecord> extends TopicFollower<V> implements Table<V> {

    private static final Logger LOG = LoggerFactory.getLogger(KafkaTable.class);

    /** What the thread has read: the entries, and per partition the offset it will read next. */
    private record View(SortedMap<String, Object> entries, Map<Integer, Long> positions, boolean loaded) {

        long position(int partition) {
            return positions.getOrDefault(partition, -1L);
        }
    }

    private final Topic<String, V> topic;
    private final TableWriter writer;
    private final Duration writeTimeout;
    private final String what;
    private final Object monitor = new Object();
    private volatile View view = new View(Collections.emptySortedMap(), Map.of(), false);
    /** The end offsets when the partitions were assigned: read up to them, the view is loaded. */
    private Map<TopicPartition, Long> loadTarget;

    /**
     * Starts tailing {@code topic}.
     *
     * @param what         the table's name for people, e.g. {@code silences}
     * @param writeTimeout how long a write may take, acknowledgement and visibility together
     */
    public KafkaTable(Topic<String, V> topic, String what, String bootstrapServers, String registryUrl,
                      TableWriter writer, Duration writeTimeout) {
        super(topic, what, bootstrapServers, registryUrl, "dams-query-table-" + topic.name(), "earliest");
        this.topic = Objects.requireNonNull(topic, "topic");
        this.what = what;
        this.writer = writer;
        this.writeTimeout = writeTimeout;
        start();
    }

    @Override
    @SuppressWarnings("unchecked")
    public Map<String, V> entries() {
        View v = view;
        if (!v.loaded()) {
            throw new StoreUnavailableException(unavailableReason(), topic.name() + " is still being read",
                    Duration.ofSeconds(1), null);
        }
        return (Map<String, V>) (Map<String, ?>) v.entries();
    }

    /** Whether the topic has been read up to the end it had when the service started. */
    @Override
    public boolean loaded() {
        return view.loaded();
    }

    /** Entries in the view now, whether loaded or not (for metrics). */
    public int size() {
        return view.entries().size();
    }

    @Override
    public void put(String key, V value) {
        write(key, Objects.requireNonNull(value, "value"));
    }

    @Override
    public void delete(String key) {
        write(key, null);
    }

    private void write(String key, V value) {
        long deadline = System.nanoTime() + writeTimeout.toNanos();
        RecordMetadata written = writer.write(topic.name(), key, value, deadline, unavailableReason());
        awaitVisible(written.partition(), written.offset(), deadline, key);
    }

    private void awaitVisible(int partition, long offset, long deadline, String key) {
        synchronized (monitor) {
            while (view.position(partition) <= offset) {
                long left = deadline - System.nanoTime();
                if (left <= 0) {
                    throw new StoreUnavailableException(unavailableReason(), "the write of " + key + " to "
                            + topic.name() + " (offset " + offset + ") is not visible after " + writeTimeout,
                            Duration.ofSeconds(5), null);
                }
                try {
                    monitor.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new StoreUnavailableException(unavailableReason(), "interrupted", Duration.ofSeconds(1), e);
                }
            }
        }
    }

    private String unavailableReason() {
        return "the " + what + " cannot be read or written now (Kafka or the schema registry is starting or"
                + " unreachable); a write that timed out may still take effect";
    }

    @Override
    protected void assigned(KafkaConsumer<String, V> consumer, List<TopicPartition> partitions) {
        consumer.seekToBeginning(partitions);
        loadTarget = consumer.endOffsets(partitions, METADATA_TIMEOUT);
        polled(consumer, ConsumerRecords.empty());
    }

    @Override
    protected void polled(KafkaConsumer<String, V> consumer, ConsumerRecords<String, V> records) {
        View before = view;
        SortedMap<String, Object> entries = before.entries();
        if (!records.isEmpty()) {
            TreeMap<String, Object> next = new TreeMap<>(entries);
            for (ConsumerRecord<String, V> record : records) {
                if (record.key() == null) {
                    LOG.warn("{} partition {} offset {}: a record without key is ignored", topic.name(),
                            record.partition(), record.offset());
                } else if (record.value() == null) {
                    next.remove(record.key());
                } else {
                    next.put(record.key(), record.value());
                }
            }
            entries = Collections.unmodifiableSortedMap(next);
        }
        Map<Integer, Long> positions = new HashMap<>();
        boolean loaded = true;
        for (Map.Entry<TopicPartition, Long> target : loadTarget.entrySet()) {
            long position = consumer.position(target.getKey());
            positions.put(target.getKey().partition(), position);
            loaded &= position >= target.getValue();
        }
        loaded |= before.loaded();
        if (loaded && !before.loaded()) {
            LOG.info("{}: {} read, {} entries", what, topic.name(), entries.size());
        }
        synchronized (monitor) {
            view = new View(entries, Map.copyOf(positions), loaded);
            monitor.notifyAll();
        }
    }
}
