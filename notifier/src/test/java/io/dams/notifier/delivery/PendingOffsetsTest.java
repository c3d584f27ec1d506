package io.dams.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class PendingOffsetsTest {

    private final TopicPartition p0 = new TopicPartition("t", 0);
    private final TopicPartition p1 = new TopicPartition("t", 1);
    private final PendingOffsets offsets = new PendingOffsets();

    @Test
    void shouldCommitOnlyUpToTheOldestUnfinishedNotification() {
        offsets.read(p0, 10, 2);
        offsets.read(p0, 11, 1);
        offsets.read(p0, 12, 0);

        assertThat(offsets.committable()).containsEntry(p0, new OffsetAndMetadata(10));

        offsets.complete(p0, 11);
        offsets.complete(p0, 10);
        assertThat(offsets.committable()).containsEntry(p0, new OffsetAndMetadata(10));

        offsets.complete(p0, 10);
        assertThat(offsets.committable()).containsEntry(p0, new OffsetAndMetadata(13));
        assertThat(offsets.unfinished()).isZero();
    }

    @Test
    void shouldOfferAnOffsetOnceUntilItMoves() {
        offsets.read(p0, 0, 0);
        Map<TopicPartition, OffsetAndMetadata> first = offsets.committable();
        offsets.committed(first);

        assertThat(offsets.committable()).isEmpty();
        offsets.read(p0, 1, 0);
        assertThat(offsets.committable()).containsEntry(p0, new OffsetAndMetadata(2));
    }

    @Test
    void shouldKeepPartitionsApartAndForgetRevokedOnes() {
        offsets.read(p0, 5, 1);
        offsets.read(p1, 7, 0);

        assertThat(offsets.committable()).containsEntry(p0, new OffsetAndMetadata(5))
                .containsEntry(p1, new OffsetAndMetadata(8));

        offsets.forget(List.of(p0));
        offsets.complete(p0, 5);
        assertThat(offsets.committable()).containsOnlyKeys(p1);
    }
}
