package io.dams.streams.batch;

import io.dams.schemas.avro.MetricBatch;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A batch topic's values as {@link AvroBatch}es, in the same bytes as the topic's record serde: whatever that serde
 * puts before the Avro binary (the registry's framing, magic byte and schema id) is learned once per topic by letting
 * it write one small batch, as every producer registers or finds its schema. A value that starts with that prefix was
 * written with this schema and is read in place; any other (another schema version's id, or no framing) goes through
 * the record serde, which resolves its writer schema, and is written again in this schema. Writing puts the prefix
 * before the batch's bytes. While the prefix cannot be learned (the registry unreachable), values go the slow way and
 * it is asked again a little later. Thread-safe.
 */
public final class AvroBatchSerde implements Serde<AvroBatch>, Serializer<AvroBatch>, Deserializer<AvroBatch> {

    private static final Logger LOG = LoggerFactory.getLogger(AvroBatchSerde.class);
    private static final long RETRY_AFTER_MS = 10_000;
    private static final MetricBatch PROBE = MetricBatch.newBuilder().setAssetId("").setAgentId("").setSeq(0)
            .setRegion("").setSentAt(0).setSamples(List.of()).build();

    private final Serde<MetricBatch> records;
    private final Map<String, byte[]> prefixes = new ConcurrentHashMap<>();
    private final Map<String, Long> failedAt = new ConcurrentHashMap<>();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final AtomicLong decodedAsRecords = new AtomicLong();

    /** @param records the topic's serde of generated records, whose bytes these are */
    public AvroBatchSerde(Serde<MetricBatch> records) {
        this.records = Objects.requireNonNull(records, "records");
    }

    @Override
    public byte[] serialize(String topic, AvroBatch batch) {
        if (batch == null) {
            return null;
        }
        byte[] prefix = prefix(topic);
        if (prefix == null) {
            throw new SerializationException("cannot learn how " + topic + "'s serde frames a batch (see the log)");
        }
        return batch.framed(prefix);
    }

    @Override
    public AvroBatch deserialize(String topic, byte[] data) {
        if (data == null) {
            return null;
        }
        byte[] prefix = prefix(topic);
        if (prefix != null && data.length >= prefix.length
                && Arrays.equals(data, 0, prefix.length, prefix, 0, prefix.length)) {
            return AvroBatch.read(data, prefix.length, data.length);
        }
        MetricBatch record = records.deserializer().deserialize(topic, data);
        if (record == null) {
            return null;
        }
        if (decodedAsRecords.getAndIncrement() == 0) {
            LOG.info("{} holds batches of another schema version than this one's: those are decoded and written"
                    + " again in this version's schema, at a higher cost per batch", topic);
        }
        return AvroBatch.of(record);
    }

    /** How many values were not in this schema's bytes and went through the record serde. */
    public long decodedAsRecords() {
        return decodedAsRecords.get();
    }

    /** The bytes the record serde writes before a batch's Avro binary on {@code topic}, or null while unknown. */
    private byte[] prefix(String topic) {
        byte[] prefix = prefixes.get(topic);
        if (prefix != null) {
            return prefix;
        }
        Long failed = failedAt.get(topic);
        if (failed != null && System.currentTimeMillis() - failed < RETRY_AFTER_MS) {
            return null;
        }
        try {
            byte[] framed = records.serializer().serialize(topic, PROBE);
            byte[] plain = AvroWriting.encode(PROBE);
            int length = framed.length - plain.length;
            if (length < 0 || !Arrays.equals(framed, length, framed.length, plain, 0, plain.length)) {
                throw new SerializationException("the serde of " + topic + " does not write plain Avro binary after a"
                        + " prefix");
            }
            prefix = Arrays.copyOf(framed, length);
            prefixes.put(topic, prefix);
            failedAt.remove(topic);
            return prefix;
        } catch (RuntimeException e) {
            if (failedAt.put(topic, System.currentTimeMillis()) == null) {
                LOG.warn("cannot learn the schema id of {} ({}); its batches are decoded through the registry until"
                        + " it can", topic, e.toString());
            }
            return null;
        }
    }

    @Override
    public Serializer<AvroBatch> serializer() {
        return this;
    }

    @Override
    public Deserializer<AvroBatch> deserializer() {
        return this;
    }

    @Override
    public void configure(Map<String, ?> configs, boolean isKey) {
    }

    /** Closes the record serde once, however many of the topology's nodes close this. */
    @Override
    public void close() {
        if (closed.compareAndSet(false, true)) {
            records.close();
        }
    }
}
