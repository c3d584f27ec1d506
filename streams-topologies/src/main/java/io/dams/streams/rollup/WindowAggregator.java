package io.dams.streams.rollup;

import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesKeys;
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
 * Tumbling event-time windows of a minute and of an hour: per asset and window, min, max, sum, count and last of every
 * series, in one store entry each. Samples go into minute windows; a minute window [start, end) closes once stream time
 * reaches {@code end + grace}, its one final {@link Rollup} is emitted and its entry moves into the hour it belongs to.
 * An hour window closes once stream time reaches its own {@code end + grace}, which is exactly when its last minute
 * closes, so every minute is folded in before the hour is emitted. A sample whose minute has closed is counted
 * ({@code dams_rollup_late_samples_total}, under both resolutions, since the hour is the sum of its minutes) and
 * dropped. A sample at exactly a window's end belongs to the next window.
 *
 * <p>Why hours come from minutes and not from samples: an hour window took every batch of its asset, 360 of them at a
 * 10 s interval, and each one re-read, re-wrote and sent to the changelog the whole per-asset entry; folded from
 * minutes it takes 60 updates, whatever the interval. The hour then is exactly the sum of its minutes, so a dashboard
 * switching resolution sees the same totals. The price: a sample later than the grace for its minute, though within
 * the grace of its hour, is dropped from the hour as well (it used to count there).
 *
 * <p>Entries are keyed by window start (8 bytes, big-endian) then asset id, so the closed windows are one range scan
 * from the start of the store. Closed minutes and hours are emitted in that order, all minutes of one punctuation
 * before its hours.
 */
final class WindowAggregator implements Processor<String, AvroBatch, String, Rollup> {

    /** How often, in stream time, closed windows are looked for; a window's result waits at most this long. */
    static final Duration EMIT_CHECK = Duration.ofSeconds(1);
    static final long MINUTE_MS = Duration.ofMinutes(1).toMillis();
    static final long HOUR_MS = Duration.ofHours(1).toMillis();

    private final long graceMs;
    private final Counter lateMinutes;
    private final Counter lateHours;
    private final Counter emittedMinutes;
    private final Counter emittedHours;
    private final SeriesKeys keys;
    private ProcessorContext<String, Rollup> context;
    private KeyValueStore<Bytes, WindowAggregate> minutes;
    private KeyValueStore<Bytes, WindowAggregate> hours;

    WindowAggregator(Duration grace, MeterRegistry registry, SeriesKeys keys) {
        this.keys = keys;
        this.graceMs = grace.toMillis();
        this.lateMinutes = lateCounter(registry, Resolution.ONE_MINUTE);
        this.lateHours = lateCounter(registry, Resolution.ONE_HOUR);
        this.emittedMinutes = emittedCounter(registry, Resolution.ONE_MINUTE);
        this.emittedHours = emittedCounter(registry, Resolution.ONE_HOUR);
    }

    static StoreBuilder<KeyValueStore<Bytes, WindowAggregate>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(),
                new WindowAggregate.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, Rollup> context) {
        this.context = context;
        this.minutes = context.getStateStore(RollupTopology.WINDOWS_1M_STORE);
        this.hours = context.getStateStore(RollupTopology.WINDOWS_1H_STORE);
        context.schedule(EMIT_CHECK, PunctuationType.STREAM_TIME, t -> emitClosed(context.currentStreamTimeMs()));
    }

    @Override
    public void process(Record<String, AvroBatch> record) {
        AvroBatch batch = record.value();
        String assetId = record.key();
        if (batch == null || assetId == null) {
            return;
        }
        long streamTime = context.currentStreamTimeMs();
        // Usually one window per batch (one tick); a TreeMap keeps the rare straddling batch in window order.
        TreeMap<Long, WindowAggregate> touched = new TreeMap<>();
        long currentStart = Long.MIN_VALUE;
        WindowAggregate current = null;
        long lateCount = 0;
        for (int i = 0; i < batch.size(); i++) {
            long timestamp = batch.timestamp(i);
            long start = Math.floorDiv(timestamp, MINUTE_MS) * MINUTE_MS;
            if (start + MINUTE_MS + graceMs <= streamTime) {
                lateCount++;
                continue;
            }
            if (current == null || start != currentStart) {
                currentStart = start;
                current = touched.get(start);
                if (current == null) {
                    current = minutes.get(key(start, assetId));
                    touched.put(start, current == null ? current = new WindowAggregate(batch.region()) : current);
                }
            }
            current.add(batch.region(), batch.series(i, keys), timestamp, batch.value(i));
        }
        if (lateCount > 0) {
            lateMinutes.increment(lateCount);
            lateHours.increment(lateCount);
        }
        for (var window : touched.entrySet()) {
            minutes.put(key(window.getKey(), assetId), window.getValue());
        }
    }

    /** Emits every minute that closed by {@code streamTime}, folding each into its hour, then every closed hour. */
    private void emitClosed(long streamTime) {
        for (KeyValue<Bytes, WindowAggregate> minute : closed(minutes, streamTime - graceMs - MINUTE_MS)) {
            emitAndDelete(minutes, minute, Resolution.ONE_MINUTE, MINUTE_MS, RollupTopology.ROLLUP_1M_SINK, emittedMinutes);
            Bytes hourKey = key(Math.floorDiv(start(minute.key), HOUR_MS) * HOUR_MS, assetId(minute.key));
            WindowAggregate hour = hours.get(hourKey);
            hours.put(hourKey, hour == null ? minute.value : hour.merge(minute.value));
        }
        for (KeyValue<Bytes, WindowAggregate> hour : closed(hours, streamTime - graceMs - HOUR_MS)) {
            emitAndDelete(hours, hour, Resolution.ONE_HOUR, HOUR_MS, RollupTopology.ROLLUP_1H_SINK, emittedHours);
        }
    }

    /** Emits a closed window's one final result to {@code sink} and deletes its entry. */
    private void emitAndDelete(KeyValueStore<Bytes, WindowAggregate> windows, KeyValue<Bytes, WindowAggregate> window,
                               Resolution resolution, long sizeMs, String sink, Counter emitted) {
        long start = start(window.key);
        String assetId = assetId(window.key);
        Rollup rollup = window.value.toRollup(assetId, resolution, start, start + sizeMs);
        context.forward(new Record<>(assetId, rollup, start), sink);
        emitted.increment();
        windows.put(window.key, null); // a delete that does not decode the old value to return it
    }

    /** The entries of windows starting at or before {@code lastClosedStart}, in key order. */
    private static List<KeyValue<Bytes, WindowAggregate>> closed(KeyValueStore<Bytes, WindowAggregate> windows,
                                                                 long lastClosedStart) {
        List<KeyValue<Bytes, WindowAggregate>> closed = new ArrayList<>();
        if (lastClosedStart < 0) {
            return closed;
        }
        // Keys are [start][asset]; [lastClosedStart + 1] alone sorts after every key of an earlier start.
        try (KeyValueIterator<Bytes, WindowAggregate> range = windows.range(key(0, ""), key(lastClosedStart + 1, ""))) {
            range.forEachRemaining(closed::add);
        }
        return closed;
    }

    static Bytes key(long windowStart, String assetId) {
        byte[] id = assetId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + id.length).putLong(windowStart).put(id).array());
    }

    private static long start(Bytes key) {
        return ByteBuffer.wrap(key.get()).getLong();
    }

    private static String assetId(Bytes key) {
        return new String(Arrays.copyOfRange(key.get(), Long.BYTES, key.get().length), StandardCharsets.UTF_8);
    }

    private static Counter lateCounter(MeterRegistry registry, Resolution resolution) {
        return Counter.builder("dams.rollup.late.samples")
                .description("Samples dropped because their window had closed (beyond grace); a sample dropped from "
                        + "its minute is missing from its hour too")
                .tag("resolution", RollupTopology.tag(resolution)).register(registry);
    }

    private static Counter emittedCounter(MeterRegistry registry, Resolution resolution) {
        return Counter.builder("dams.rollup.windows")
                .description("Final window results emitted, one per asset and window")
                .tag("resolution", RollupTopology.tag(resolution)).register(registry);
    }
}
