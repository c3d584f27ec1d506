package io.dams.notifier.delivery;

import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The notifications read but not finished, per partition, and so the offsets that may be committed: a partition's
 * committable offset is its oldest unfinished notification's, or the one after the last read when all are finished.
 * A notification is finished when each of its channels has its outcome in the delivery log (or needed none).
 * Thread-safe: registered on the consumer's thread, completed on the delivery log's.
 */
public final class PendingOffsets {

    /** Per partition: offset → channels still without a recorded outcome. */
    private final Map<TopicPartition, TreeMap<Long, Integer>> pending = new HashMap<>();
    /** Per partition: the offset after the last one read. */
    private final Map<TopicPartition, Long> readUpTo = new HashMap<>();
    private final Map<TopicPartition, Long> committed = new HashMap<>();

    /** A notification read at {@code offset} with {@code channels} outcomes to wait for (0: finished already). */
    public synchronized void read(TopicPartition partition, long offset, int channels) {
        readUpTo.merge(partition, offset + 1, Math::max);
        if (channels > 0) {
            pending.computeIfAbsent(partition, p -> new TreeMap<>()).put(offset, channels);
        }
    }

    /** One channel of the notification at {@code offset} has its outcome recorded. */
    public synchronized void complete(TopicPartition partition, long offset) {
        TreeMap<Long, Integer> offsets = pending.get(partition);
        if (offsets == null) {
            return; // revoked meanwhile
        }
        Integer left = offsets.get(offset);
        if (left == null) {
            return;
        }
        if (left <= 1) {
            offsets.remove(offset);
        } else {
            offsets.put(offset, left - 1);
        }
    }

    /** The offsets to commit now: those that moved since the last {@link #committed} call. */
    public synchronized Map<TopicPartition, OffsetAndMetadata> committable() {
        Map<TopicPartition, OffsetAndMetadata> out = new HashMap<>();
        readUpTo.forEach((partition, next) -> {
            TreeMap<Long, Integer> offsets = pending.get(partition);
            long commit = offsets == null || offsets.isEmpty() ? next : offsets.firstKey();
            Long last = committed.get(partition);
            if (last == null || commit > last) {
                out.put(partition, new OffsetAndMetadata(commit));
            }
        });
        return out;
    }

    /** Notes offsets as committed. */
    public synchronized void committed(Map<TopicPartition, OffsetAndMetadata> offsets) {
        offsets.forEach((p, o) -> committed.merge(p, o.offset(), Math::max));
    }

    /** Forgets revoked partitions. */
    public synchronized void forget(Collection<TopicPartition> partitions) {
        partitions.forEach(p -> {
            pending.remove(p);
            readUpTo.remove(p);
            committed.remove(p);
        });
    }

    /** Notifications read and not finished. */
    public synchronized int unfinished() {
        return pending.values().stream().mapToInt(Map::size).sum();
    }
}
