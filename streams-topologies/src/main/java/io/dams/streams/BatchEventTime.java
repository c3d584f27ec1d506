package io.dams.streams;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.streams.batch.AvroBatch;
import java.time.Duration;
import java.util.function.LongSupplier;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of a batch: its newest sample's timestamp (DESIGN §4: event time is the sample's timestamp), but never
 * more than {@link #MAX_AHEAD} past the wall clock. The cap keeps one sample from a clock far ahead from closing every
 * window of its partition at once, and keeps the job's own records (changelogs, results) within what brokers accept
 * ({@code log.message.timestamp.after.max.ms}, 1 h by default since Kafka 4.0). A batch without samples, or a value
 * that is not a batch, keeps the record's timestamp, or the partition's time when that is invalid.
 */
public final class BatchEventTime implements TimestampExtractor {

    public static final Duration MAX_AHEAD = Duration.ofMinutes(10);

    private final LongSupplier wallClock;

    public BatchEventTime() {
        this(System::currentTimeMillis);
    }

    BatchEventTime(LongSupplier wallClock) {
        this.wallClock = wallClock;
    }

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof AvroBatch batch && !batch.isEmpty()) {
            return Math.min(batch.newestTimestamp(), wallClock.getAsLong() + MAX_AHEAD.toMillis());
        }
        if (record.value() instanceof MetricBatch batch && !batch.getSamples().isEmpty()) {
            return Math.min(newest(batch), wallClock.getAsLong() + MAX_AHEAD.toMillis());
        }
        return record.timestamp() >= 0 ? record.timestamp() : Math.max(partitionTime, 0);
    }

    /** The newest sample timestamp of a batch with at least one sample. */
    public static long newest(MetricBatch batch) {
        long newest = Long.MIN_VALUE;
        for (Sample sample : batch.getSamples()) {
            newest = Math.max(newest, sample.getTimestampMs());
        }
        return newest;
    }
}
