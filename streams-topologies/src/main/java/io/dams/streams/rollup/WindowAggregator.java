package io.dams.streams.rollup;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.Sample;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Tumbling event-time windows of one resolution: per asset and window, min, max, sum, count and last of every series,
 * in one store entry. A window [start, end) closes once stream time reaches {@code end + grace}; then its one final
 * {@link Rollup} is emitted and its entry deleted. A sample whose window has closed is counted
 * ({@code dams_rollup_late_samples_total}) and dropped. A sample at exactly a window's end belongs to the next window.
 *
 * <p>Entries are keyed by window start (8 bytes, big-endian) then asset id, so the closed windows are one range scan
 * from the start of the store.
 */
final class WindowAggregator implements Processor<String, MetricBatch, String, Rollup> {

    /** How often, in stream time, closed windows are looked for; a window's result waits at most this long. */
    static final Duration EMIT_CHECK = Duration.ofSeconds(1);

    private final Resolution resolution;
    private final long sizeMs;
    private final long graceMs;
    private final String storeName;
    private final Counter late;
    private final Counter emitted;
    private ProcessorContext<String, Rollup> context;
    private KeyValueStore<Bytes, WindowAggregate> windows;

    WindowAggregator(Resolution resolution, Duration size, Duration grace, String storeName, MeterRegistry registry) {
        this.resolution = resolution;
        this.sizeMs = size.toMillis();
        this.graceMs = grace.toMillis();
        this.storeName = storeName;
        String tag = RollupTopology.tag(resolution);
        this.late = Counter.builder("dams.rollup.late.samples")
                .description("Samples dropped because their window had closed (beyond grace)")
                .tag("resolution", tag).register(registry);
        this.emitted = Counter.builder("dams.rollup.windows")
                .description("Final window results emitted, one per asset and window")
                .tag("resolution", tag).register(registry);
    }

    static StoreBuilder<KeyValueStore<Bytes, WindowAggregate>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(),
                new WindowAggregate.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, Rollup> context) {
        this.context = context;
        this.windows = context.getStateStore(storeName);
        context.schedule(EMIT_CHECK, PunctuationType.STREAM_TIME, t -> emitClosed(context.currentStreamTimeMs()));
    }

    @Override
    public void process(Record<String, MetricBatch> record) {
        MetricBatch batch = record.value();
        String assetId = record.key();
        if (batch == null || assetId == null) {
            return;
        }
        long streamTime = context.currentStreamTimeMs();
        // Usually one window per batch (one tick); a TreeMap keeps the rare straddling batch in window order.
        TreeMap<Long, List<Sample>> byWindow = new TreeMap<>();
        long lateCount = 0;
        for (Sample sample : batch.getSamples()) {
            long start = Math.floorDiv(sample.getTimestampMs(), sizeMs) * sizeMs;
            if (start + sizeMs + graceMs <= streamTime) {
                lateCount++;
            } else {
                byWindow.computeIfAbsent(start, s -> new ArrayList<>()).add(sample);
            }
        }
        if (lateCount > 0) {
            late.increment(lateCount);
        }
        for (var window : byWindow.entrySet()) {
            Bytes key = key(window.getKey(), assetId);
            WindowAggregate aggregate = windows.get(key);
            if (aggregate == null) {
                aggregate = new WindowAggregate(batch.getRegion());
            }
            for (Sample sample : window.getValue()) {
                aggregate.add(batch.getRegion(), sample);
            }
            windows.put(key, aggregate);
        }
    }

    /** Emits and forgets every window that closed by {@code streamTime}. */
    private void emitClosed(long streamTime) {
        long lastClosedStart = streamTime - graceMs - sizeMs;
        if (lastClosedStart < 0) {
            return;
        }
        List<KeyValue<Bytes, WindowAggregate>> closed = new ArrayList<>();
        // Keys are [start][asset]; [lastClosedStart + 1] alone sorts after every key of an earlier start.
        try (KeyValueIterator<Bytes, WindowAggregate> range = windows.range(key(0, ""), key(lastClosedStart + 1, ""))) {
            range.forEachRemaining(closed::add);
        }
        for (KeyValue<Bytes, WindowAggregate> entry : closed) {
            long start = ByteBuffer.wrap(entry.key.get()).getLong();
            String assetId = new String(Arrays.copyOfRange(entry.key.get(), Long.BYTES, entry.key.get().length),
                    StandardCharsets.UTF_8);
            Rollup rollup = entry.value.toRollup(assetId, resolution, start, start + sizeMs);
            context.forward(new Record<>(assetId, rollup, start));
            windows.delete(entry.key);
            emitted.increment();
        }
    }

    static Bytes key(long windowStart, String assetId) {
        byte[] id = assetId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + id.length).putLong(windowStart).put(id).array());
    }
}
