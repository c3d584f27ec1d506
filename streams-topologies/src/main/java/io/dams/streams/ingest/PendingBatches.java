package io.dams.streams.ingest;

import io.dams.streams.batch.AvroBatch;
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
    record Held(long timestamp, AvroBatch batch) {
    }

    static PendingBatches waiting(long since) {
        return new PendingBatches(since, false, List.of());
    }

    static PendingBatches passingThrough(long since) {
        return new PendingBatches(since, true, List.of());
    }

    PendingBatches with(long timestamp, AvroBatch batch) {
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
            // Format 2 holds each batch as its Avro binary; format 1 wrote every field.
            super(2, "held batches");
        }

        @Override
        protected void write(PendingBatches value, StateOutput out) {
            out.writeLong(value.waitingSinceMs);
            out.writeBoolean(value.passThrough);
            out.writeInt(value.batches.size());
            for (Held held : value.batches) {
                out.writeLong(held.timestamp);
                out.writeInt(held.batch.length());
                out.write(held.batch.toByteArray());
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
                long timestamp = in.getLong();
                batches.add(new Held(timestamp, format == 1 ? AvroBatch.of(readBatch(in)) : readAvro(in)));
            }
            return new PendingBatches(since, passThrough, batches);
        }

        private static AvroBatch readAvro(ByteBuffer in) throws IOException {
            int length = in.getInt();
            if (length < 0 || length > in.remaining()) {
                throw new IOException("batch length " + length + " with " + in.remaining() + " bytes left");
            }
            byte[] avro = new byte[length];
            in.get(avro);
            return AvroBatch.read(avro);
        }
    }
}
