package io.dams.streams;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.dams.schemas.avro.MetricBatch;
import java.util.List;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.junit.jupiter.api.Test;

class BatchEventTimeTest {

    static final long NOW = 1_750_000_000_000L;
    final BatchEventTime extractor = new BatchEventTime(() -> NOW);

    @Test
    void shouldTakeTheNewestSampleOfABatch() {
        MetricBatch b = batch("a", "agent", 1, "r", List.of(sample("x", NOW - 5_000, 1), sample("y", NOW - 1_000, 1),
                sample("z", NOW - 9_000, 1)));
        assertThat(extractor.extract(record(b, 42), 0)).isEqualTo(NOW - 1_000);
    }

    @Test
    void shouldNotRunFurtherAheadOfTheWallClockThanItsCap() {
        MetricBatch b = batch("a", "agent", 1, "r", List.of(sample("x", NOW + 3_600_000, 1)));
        assertThat(extractor.extract(record(b, 42), 0)).isEqualTo(NOW + BatchEventTime.MAX_AHEAD.toMillis());
    }

    @Test
    void shouldKeepTheRecordTimestampOfABatchWithoutSamplesOrThePartitionTimeWhenThatIsInvalid() {
        MetricBatch empty = batch("a", "agent", 1, "r", List.of());
        assertThat(extractor.extract(record(empty, 42), 7)).isEqualTo(42);
        assertThat(extractor.extract(record(empty, -1), 7)).isEqualTo(7);
    }

    private static ConsumerRecord<Object, Object> record(Object value, long timestamp) {
        return new ConsumerRecord<>("t", 0, 0, timestamp, org.apache.kafka.common.record.TimestampType.CREATE_TIME,
                0, 0, "a", value, new org.apache.kafka.common.header.internals.RecordHeaders(), java.util.Optional.empty());
    }
}
