package io.dams.streams.ingest;

import io.dams.schemas.avro.MetricBatch;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The batches of one asset not yet in {@code dams.assets}, in arrival order, held since {@code waitingSinceMs} (wall
 * clock). Once the wait ran out without the asset, {@code passThrough} marks it: its later batches go on at once,
 * unenriched, until it registers.
 */
record PendingBatches(long waitingSinceMs, boolean passThrough, List<Held> batches) {

    /** One held batch with its record timestamp. */
    record Held(long timestamp, MetricBatch batch) {
    }

    static PendingBatches waiting(long since) {
        return new PendingBatches(since, false, List.of());
    }

    static PendingBatches passingThrough(long since) {
        return new PendingBatches(since, true, List.of());
    }

    PendingBatches with(long timestamp, MetricBatch batch) {
        List<Held> more = new ArrayList<>(batches.size() + 1);
        more.addAll(batches);
        more.add(new Held(timestamp, batch));
        return new PendingBatches(waitingSinceMs, passThrough, more);
    }

    boolean overdue(long now, long waitMs) {
        return !passThrough && now - waitingSinceMs >= waitMs;
    }

    static final class Serde extends StateSerde<PendingBatches> {

        Serde() {
            super(1, "held batches");
        }

        @Override
        protected void write(PendingBatches value, StateOutput out) {
            out.writeLong(value.waitingSinceMs);
            out.writeBoolean(value.passThrough);
            out.writeInt(value.batches.size());
            for (Held held : value.batches) {
                out.writeLong(held.timestamp);
                writeBatch(out, held.batch);
            }
        }

        @Override
        protected PendingBatches read(ByteBuffer in, int format) throws IOException {
            long since = in.getLong();
            boolean passThrough = in.get() != 0;
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IOException("batch count " + count + " with " + in.remaining() + " bytes left");
            }
            List<Held> batches = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                batches.add(new Held(in.getLong(), readBatch(in)));
            }
            return new PendingBatches(since, passThrough, batches);
        }
    }
}
