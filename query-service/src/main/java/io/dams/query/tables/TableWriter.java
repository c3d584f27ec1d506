package io.dams.query.tables;

import io.dams.query.fleet.StoreUnavailableException;
import io.dams.schemas.serde.RegistrySerdes;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The service's one producer for the tables it writes ({@code dams.silences}, {@code dams.rules}): idempotent,
 * {@code acks=all}, values in the registry's Avro wire format as everywhere else.
 */
public final class TableWriter implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(TableWriter.class);

    private final KafkaProducer<String, SpecificRecord> producer;
    private final String bootstrapServers;

    /** @param timeout how long a send may block waiting for metadata, which a write's own deadline bounds anyway */
    public TableWriter(String bootstrapServers, String registryUrl, Duration timeout) {
        this.bootstrapServers = bootstrapServers;
        Map<String, Object> config = new RegistrySerdes(registryUrl).producerConfig();
        config.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.LINGER_MS_CONFIG, 0);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, timeout.toMillis());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "dams-query-writer");
        this.producer = new KafkaProducer<>(config);
    }

    /**
     * Sends one record (a null value is a tombstone) and waits for the cluster's acknowledgement until
     * {@code deadlineNanos} ({@link System#nanoTime()}).
     *
     * @throws StoreUnavailableException when it is not acknowledged in time or cannot be sent
     */
    public RecordMetadata write(String topic, String key, SpecificRecord value, long deadlineNanos,
                                String publicReason) {
        try {
            Future<RecordMetadata> sent = producer.send(new ProducerRecord<>(topic, key, value));
            long left = Math.max(1, deadlineNanos - System.nanoTime());
            return sent.get(left, TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new StoreUnavailableException(publicReason, topic + " at " + bootstrapServers
                    + " did not acknowledge the write of " + key + " in time", Duration.ofSeconds(5), e);
        } catch (ExecutionException e) {
            LOG.warn("writing {} to {} failed: {}", key, topic, e.getCause().toString());
            throw new StoreUnavailableException(publicReason, "writing " + key + " to " + topic + " failed: "
                    + e.getCause(), Duration.ofSeconds(5), e.getCause());
        } catch (RuntimeException e) {
            // A KafkaException (metadata not available in time), or the registry's client failing while serializing.
            LOG.warn("cannot write {} to {}: {}", key, topic, e.toString());
            throw new StoreUnavailableException(publicReason, "cannot write " + key + " to " + topic + ": " + e,
                    Duration.ofSeconds(5), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreUnavailableException(publicReason, "interrupted while writing to " + topic,
                    Duration.ofSeconds(1), e);
        }
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(5));
    }
}
