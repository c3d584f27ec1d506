package io.dams.schemas.topics;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import org.apache.avro.specific.SpecificRecord;

/**
 * One Kafka topic of DAMS with everything that is fixed about it: name, key and value types, partitions, cleanup
 * policy and retention.
 *
 * @param retention how long a {@link CleanupPolicy#DELETE} topic keeps records; empty for a compacted table
 */
public record Topic<K, V extends SpecificRecord>(
        String name,
        Class<K> keyType,
        Class<V> valueType,
        int partitions,
        CleanupPolicy cleanupPolicy,
        Optional<Duration> retention,
        String description) {

    public Topic {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(keyType, "keyType");
        Objects.requireNonNull(valueType, "valueType");
        Objects.requireNonNull(cleanupPolicy, "cleanupPolicy");
        Objects.requireNonNull(retention, "retention");
        if (partitions < 1) {
            throw new IllegalArgumentException(name + ": partitions must be at least 1");
        }
        if (cleanupPolicy == CleanupPolicy.COMPACT && retention.isPresent()) {
            throw new IllegalArgumentException(name + ": a compacted table keeps its newest values, it has no retention");
        }
    }

    static <K, V extends SpecificRecord> Topic<K, V> stream(
            String name, Class<K> key, Class<V> value, int partitions, Duration retention, String description) {
        return new Topic<>(name, key, value, partitions, CleanupPolicy.DELETE, Optional.of(retention), description);
    }

    static <K, V extends SpecificRecord> Topic<K, V> table(
            String name, Class<K> key, Class<V> value, int partitions, String description) {
        return new Topic<>(name, key, value, partitions, CleanupPolicy.COMPACT, Optional.empty(), description);
    }

    /** The registry subject of the value schema (topic-name strategy). */
    public String valueSubject() {
        return name + "-value";
    }

    /**
     * The topic-level configuration DAMS owns. Anything not listed here (segment size, compression...) is left to
     * the cluster's defaults and is not compared when checking an existing topic.
     */
    public Map<String, String> configs() {
        Map<String, String> configs = new LinkedHashMap<>();
        configs.put("cleanup.policy", cleanupPolicy.config());
        retention.ifPresent(r -> configs.put("retention.ms", Long.toString(r.toMillis())));
        return configs;
    }
}
