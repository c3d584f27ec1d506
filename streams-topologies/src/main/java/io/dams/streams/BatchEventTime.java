package io.dams.streams;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.streams.processor.TimestampExtractor;

/**
 * Event time of a batch: its newest sample's timestamp (DESIGN §4: event time is the sample's timestamp). A batch
 * without samples, or a value that is not a batch, keeps the record's own timestamp, or the partition's time when that
 * is invalid.
 */
public final class BatchEventTime implements TimestampExtractor {

    @Override
    public long extract(ConsumerRecord<Object, Object> record, long partitionTime) {
        if (record.value() instanceof MetricBatch batch && !batch.getSamples().isEmpty()) {
            return newest(batch);
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
