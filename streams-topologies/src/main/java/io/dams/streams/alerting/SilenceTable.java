package io.dams.streams.alerting;

import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.avro.Silence;
import io.dams.schemas.topics.Topics;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps {@code dams.silences} in a global store, on every instance: silence_id → the silence. Each record is decoded
 * here rather than by the source, so that one that cannot be decoded, or a silence that could never mute anything
 * sensibly ({@link SilenceMatcher#of}), is counted and skipped, never stored (the previous version of that silence, if
 * any, stays), and never stops the global thread, also when the store is rebuilt from the topic. A tombstone deletes.
 */
final class SilenceTable implements Processor<String, byte[], Void, Void> {

    /** silence_id → silence, valid ones only. */
    static final String STORE = "silences";

    private static final Logger LOG = LoggerFactory.getLogger(SilenceTable.class);

    private final Deserializer<Silence> decoder;
    private final AlertingMetrics metrics;
    private KeyValueStore<String, Silence> silences;

    SilenceTable(Deserializer<Silence> decoder, AlertingMetrics metrics) {
        this.decoder = decoder;
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, Silence>> store() {
        // A global store's changelog is its source topic.
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(), new Serde())
                .withLoggingDisabled();
    }

    @Override
    public void init(ProcessorContext<Void, Void> context) {
        this.silences = context.getStateStore(STORE);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        String id = record.key();
        if (id == null) {
            metrics.invalidSilences.increment();
            LOG.warn("skipped a silence without a key on {}", Topics.SILENCES.name());
            return;
        }
        if (record.value() == null) {
            silences.delete(id);
            metrics.silencesDeleted.increment();
            return;
        }
        Silence silence;
        try {
            silence = decoder.deserialize(Topics.SILENCES.name(), record.value());
        } catch (RuntimeException e) {
            metrics.undecodableSilences.increment();
            LOG.warn("skipped silence {}: it cannot be decoded ({})", id, e.getMessage());
            return;
        }
        try {
            SilenceMatcher.of(id, silence);
        } catch (IllegalArgumentException e) {
            metrics.invalidSilences.increment();
            LOG.warn("skipped silence {} by {}: {}", id, silence.getAuthor(), e.getMessage());
            return;
        }
        silences.put(id, silence);
        metrics.silencesStored.increment();
    }

    /** Every field of {@link Silence}. */
    static final class Serde extends StateSerde<Silence> {

        Serde() {
            super(1, "silence");
        }

        @Override
        protected void write(Silence s, StateOutput out) {
            writeString(out, s.getSilenceId());
            writeNullableString(out, s.getAlertId());
            out.writeInt(s.getMatchers().size());
            for (LabelMatcher m : s.getMatchers()) {
                writeString(out, m.getName());
                writeString(out, m.getOp().name());
                writeString(out, m.getValue());
            }
            out.writeLong(s.getStartsAt());
            out.writeLong(s.getEndsAt());
            writeString(out, s.getAuthor());
            writeNullableString(out, s.getComment());
            out.writeLong(s.getCreatedAt());
        }

        @Override
        protected Silence read(ByteBuffer in, int format) throws IOException {
            Silence.Builder s = Silence.newBuilder()
                    .setSilenceId(readString(in))
                    .setAlertId(readNullableString(in));
            int count = in.getInt();
            if (count < 0 || count > in.remaining() / 12) {
                throw new IOException("matcher count " + count + " with " + in.remaining() + " bytes left");
            }
            List<LabelMatcher> matchers = new ArrayList<>(count);
            for (int i = 0; i < count; i++) {
                matchers.add(new LabelMatcher(readString(in), MatchOp.valueOf(readString(in)), readString(in)));
            }
            return s.setMatchers(matchers)
                    .setStartsAt(in.getLong())
                    .setEndsAt(in.getLong())
                    .setAuthor(readString(in))
                    .setComment(readNullableString(in))
                    .setCreatedAt(in.getLong())
                    .build();
        }
    }
}
