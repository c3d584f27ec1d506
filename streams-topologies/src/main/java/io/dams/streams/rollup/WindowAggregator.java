package io.dams.streams.rollup;

import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.SeriesAggregate;
import io.dams.streams.SeriesKey;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesLayout;
import io.dams.streams.batch.SeriesLayouts;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tumbling event-time windows of a minute and of an hour: per asset and window, min, max, sum, count and last of every
 * series. A minute window [start, end) closes once stream time reaches {@code end + grace}; its one final
 * {@link Rollup} is emitted and it is folded into the hour it belongs to. An hour window closes once stream time
 * reaches its own {@code end + grace}, which is exactly when its last minute closes, so every minute is folded in
 * before the hour is emitted. A sample whose minute has closed is counted ({@code dams_rollup_late_samples_total},
 * under both resolutions, since the hour is the sum of its minutes) and dropped. A sample at exactly a window's end
 * belongs to the next window.
 *
 * <p>What is stored, and why. Each batch adds one entry to {@value RollupTopology#MINUTES_STORE} per minute it
 * touches, keyed (minute start, asset, input offset + 1): the values of its samples and usually one timestamp, their
 * series being slots of the batch's {@link SeriesLayout}. Nothing is read back until the minute closes, when its
 * entries (one per batch: six at a 10 s interval) are read in arrival order and aggregated. The entry that a batch
 * used to rewrite instead, the asset's whole minute with every series' name and labels, cost a read, a write and a
 * changelog record of about ten times the bytes for every batch. Replayed input (exactly-once recovery) writes the
 * same keys again. An hour is one entry per asset in {@value RollupTopology#HOURS_STORE}, which each closed minute
 * is folded into (60 updates an hour, whatever the interval), so an hour is exactly the sum of its minutes: the
 * price is that a sample later than its minute's grace, though within its hour's, is dropped from the hour as well.
 *
 * <p>Keys start with the window start (8 bytes, big-endian), then the asset id's length (2 bytes) and bytes, so the
 * closed windows are one range scan and one window's entries lie together. Closed minutes are emitted in that order,
 * all minutes of one punctuation before its hours. The stores of earlier versions ({@value
 * RollupTopology#LEGACY_MINUTES_STORE}, {@value RollupTopology#LEGACY_HOURS_STORE}: one aggregate per asset and
 * window, series by name) are moved into these at the first punctuation, so an upgrade loses no window in progress.
 */
final class WindowAggregator implements Processor<String, AvroBatch, String, Rollup> {

    /** How often, in stream time, closed windows are looked for; a window's result waits at most this long. */
    static final Duration EMIT_CHECK = Duration.ofSeconds(1);
    /** How often the series layouts no window refers to are deleted. */
    static final Duration LAYOUT_SWEEP = Duration.ofHours(1);
    static final long MINUTE_MS = Duration.ofMinutes(1).toMillis();
    static final long HOUR_MS = Duration.ofHours(1).toMillis();

    private static final Logger LOG = LoggerFactory.getLogger(WindowAggregator.class);

    private final long graceMs;
    private final Counter lateMinutes;
    private final Counter lateHours;
    private final Counter emittedMinutes;
    private final Counter emittedHours;
    private ProcessorContext<String, Rollup> context;
    private KeyValueStore<Bytes, byte[]> minutes;
    private KeyValueStore<Bytes, byte[]> hours;
    private KeyValueStore<Bytes, WindowAggregate> legacyMinutes;
    private KeyValueStore<Bytes, WindowAggregate> legacyHours;
    private SeriesLayouts layouts;
    /** Window starts below these have been emitted: no entry of theirs is left, and none can come. */
    private long minutesEmittedBelow;
    private long hoursEmittedBelow;
    private boolean legacyMoved;

    WindowAggregator(Duration grace, MeterRegistry registry) {
        this.graceMs = grace.toMillis();
        this.lateMinutes = lateCounter(registry, Resolution.ONE_MINUTE);
        this.lateHours = lateCounter(registry, Resolution.ONE_HOUR);
        this.emittedMinutes = emittedCounter(registry, Resolution.ONE_MINUTE);
        this.emittedHours = emittedCounter(registry, Resolution.ONE_HOUR);
    }

    /** Entries written once and read once, in order: a cache in front would only copy them. */
    static StoreBuilder<KeyValueStore<Bytes, byte[]>> store(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(), Serdes.ByteArray());
    }

    static StoreBuilder<KeyValueStore<Bytes, WindowAggregate>> legacyStore(String name) {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(name), Serdes.Bytes(),
                new WindowAggregate.Serde());
    }

    @Override
    public void init(ProcessorContext<String, Rollup> context) {
        this.context = context;
        this.minutes = context.getStateStore(RollupTopology.MINUTES_STORE);
        this.hours = context.getStateStore(RollupTopology.HOURS_STORE);
        this.legacyMinutes = context.getStateStore(RollupTopology.LEGACY_MINUTES_STORE);
        this.legacyHours = context.getStateStore(RollupTopology.LEGACY_HOURS_STORE);
        this.layouts = SeriesLayouts.over(context.getStateStore(SeriesLayouts.STORE));
        context.schedule(EMIT_CHECK, PunctuationType.STREAM_TIME, t -> emitClosed(context.currentStreamTimeMs()));
        context.schedule(LAYOUT_SWEEP, PunctuationType.WALL_CLOCK_TIME, now -> forgetUnusedLayouts());
    }

    @Override
    public void process(Record<String, AvroBatch> record) {
        AvroBatch batch = record.value();
        String assetId = record.key();
        if (batch == null || assetId == null || batch.isEmpty()) {
            return;
        }
        long streamTime = context.currentStreamTimeMs();
        // Offset + 1: the same key when exactly-once recovery processes the record again; 0 is a moved legacy entry.
        long arrival = context.recordMetadata().map(RecordMetadata::offset).orElse(-1L) + 1;
        SeriesLayout layout = layouts.of(batch);
        int n = batch.size();
        long[] timestamps = new long[n];
        double[] values = new double[n];
        long firstStart = windowStart(batch.timestamp(0), MINUTE_MS);
        boolean oneWindow = firstStart + MINUTE_MS + graceMs > streamTime;
        for (int i = 0; i < n; i++) {
            timestamps[i] = batch.timestamp(i);
            values[i] = batch.value(i);
            oneWindow &= windowStart(timestamps[i], MINUTE_MS) == firstStart;
        }
        if (oneWindow) {
            minutes.put(key(firstStart, assetId, arrival),
                    WindowEntry.samples(batch.region(), layout.id(), n, null, timestamps, values));
            return;
        }
        // A batch straddling minutes, or with late samples: an entry per open minute with the slots it has.
        TreeMap<Long, List<Integer>> byWindow = new TreeMap<>();
        long late = 0;
        for (int i = 0; i < n; i++) {
            long start = windowStart(timestamps[i], MINUTE_MS);
            if (start + MINUTE_MS + graceMs <= streamTime) {
                late++;
            } else {
                byWindow.computeIfAbsent(start, s -> new ArrayList<>()).add(i);
            }
        }
        if (late > 0) {
            lateMinutes.increment(late);
            lateHours.increment(late);
        }
        for (Map.Entry<Long, List<Integer>> window : byWindow.entrySet()) {
            List<Integer> slots = window.getValue();
            int m = slots.size();
            int[] slotArray = new int[m];
            long[] ts = new long[m];
            double[] vs = new double[m];
            for (int j = 0; j < m; j++) {
                int i = slots.get(j);
                slotArray[j] = i;
                ts[j] = timestamps[i];
                vs[j] = values[i];
            }
            minutes.put(key(window.getKey(), assetId, arrival),
                    WindowEntry.samples(batch.region(), layout.id(), m, slotArray, ts, vs));
        }
    }

    /** Emits every minute that closed by {@code streamTime}, folding each into its hour, then every closed hour. */
    private void emitClosed(long streamTime) {
        if (!legacyMoved) {
            moveLegacyWindows();
            legacyMoved = true;
        }
        long lastMinute = streamTime - graceMs - MINUTE_MS;
        if (lastMinute >= minutesEmittedBelow) {
            closeWindows(minutes, minutesEmittedBelow, lastMinute, (start, assetId, window) -> {
                emit(start, assetId, window, Resolution.ONE_MINUTE, MINUTE_MS, RollupTopology.ROLLUP_1M_SINK,
                        emittedMinutes);
                foldIntoHour(windowStart(start, HOUR_MS), assetId, window);
            });
            minutesEmittedBelow = lastMinute + 1;
        }
        long lastHour = streamTime - graceMs - HOUR_MS;
        if (lastHour >= hoursEmittedBelow) {
            closeWindows(hours, hoursEmittedBelow, lastHour, (start, assetId, window) -> emit(start, assetId, window,
                    Resolution.ONE_HOUR, HOUR_MS, RollupTopology.ROLLUP_1H_SINK, emittedHours));
            hoursEmittedBelow = lastHour + 1;
        }
    }

    /** One asset's aggregates over one window: a layout and a value per slot (slots with count 0 had no sample). */
    private record Window(String region, SeriesLayout layout, SlotAggregates aggregates) {
    }

    @FunctionalInterface
    private interface ClosedWindow {
        void close(long start, String assetId, Window window);
    }

    /**
     * Aggregates the entries of every window starting in [{@code from}, {@code lastClosedStart}], one asset's window
     * at a time, in key order, hands each to {@code closed}, then deletes the entries.
     */
    private void closeWindows(KeyValueStore<Bytes, byte[]> store, long from, long lastClosedStart,
                              ClosedWindow closed) {
        List<Bytes> done = new ArrayList<>();
        byte[] group = null;
        LinkedHashMap<Long, SlotAggregates> byLayout = new LinkedHashMap<>();
        String region = null;
        // An 8-byte key sorts before every longer key with the same start.
        try (KeyValueIterator<Bytes, byte[]> range = store.range(Bytes.wrap(startBytes(Math.max(0, from))),
                Bytes.wrap(startBytes(lastClosedStart + 1)))) {
            while (range.hasNext()) {
                KeyValue<Bytes, byte[]> entry = range.next();
                byte[] key = entry.key.get();
                if (group != null && !sameWindow(group, key)) {
                    closed.close(start(group), assetId(group), window(region, byLayout));
                    byLayout.clear();
                }
                group = key;
                WindowEntry read = WindowEntry.read(entry.value);
                region = read.region;
                SlotAggregates aggregates = byLayout.get(read.layoutId);
                if (aggregates == null) {
                    aggregates = new SlotAggregates(layouts.require(read.layoutId).size());
                    byLayout.put(read.layoutId, aggregates);
                }
                read.addTo(aggregates);
                done.add(entry.key);
            }
        }
        if (group != null) {
            closed.close(start(group), assetId(group), window(region, byLayout));
        }
        for (Bytes key : done) {
            store.put(key, null); // a delete that does not read the old value to return it
        }
    }

    /** The window of aggregates per layout: as they are for one layout, else over the union of their series. */
    private Window window(String region, Map<Long, SlotAggregates> byLayout) {
        if (byLayout.size() == 1) {
            Map.Entry<Long, SlotAggregates> only = byLayout.entrySet().iterator().next();
            SeriesLayout layout = layouts.require(only.getKey());
            if (!layout.repeatsASeries()) {
                return new Window(region, layout, only.getValue());
            }
        }
        List<SeriesLayout> parts = new ArrayList<>();
        for (long id : byLayout.keySet()) {
            parts.add(layouts.require(id));
        }
        SeriesLayout union = layouts.of(SeriesLayout.union(parts));
        SlotAggregates merged = new SlotAggregates(union.size());
        for (Map.Entry<Long, SlotAggregates> part : byLayout.entrySet()) {
            SeriesLayout layout = layouts.require(part.getKey());
            for (int slot = 0; slot < layout.size(); slot++) {
                merged.merge(union.slotOf(layout.key(slot)), part.getValue(), slot);
            }
        }
        return new Window(region, union, merged);
    }

    /** Folds a closed minute into its hour's entry; the region becomes the minute's. */
    private void foldIntoHour(long hourStart, String assetId, Window minute) {
        Bytes key = key(hourStart, assetId);
        byte[] stored = hours.get(key);
        Window hour = minute;
        if (stored != null) {
            WindowEntry entry = WindowEntry.read(stored);
            LinkedHashMap<Long, SlotAggregates> byLayout = new LinkedHashMap<>();
            SlotAggregates before = new SlotAggregates(layouts.require(entry.layoutId).size());
            entry.addTo(before);
            byLayout.put(entry.layoutId, before);
            byLayout.merge(minute.layout().id(), minute.aggregates(), (earlier, later) -> {
                earlier.mergeAll(later);
                return earlier;
            });
            hour = window(minute.region(), byLayout);
        }
        hours.put(key, WindowEntry.aggregates(hour.region(), hour.layout().id(), hour.aggregates()));
    }

    /** Emits a closed window's one final result to {@code sink}. */
    private void emit(long start, String assetId, Window window, Resolution resolution, long sizeMs, String sink,
                      Counter emitted) {
        SeriesLayout layout = window.layout();
        SlotAggregates a = window.aggregates();
        List<SeriesAggregate> series = new ArrayList<>(layout.size());
        for (int slot : layout.inKeyOrder()) {
            if (a.count[slot] == 0) {
                continue;
            }
            SeriesKey key = layout.key(slot);
            series.add(SeriesAggregate.newBuilder()
                    .setName(key.name())
                    .setLabels(key.labels())
                    .setMin(a.min[slot])
                    .setMax(a.max[slot])
                    .setSum(a.sum[slot])
                    .setCount(a.count[slot])
                    .setLast(a.last[slot])
                    .setLastTimestampMs(a.lastTimestamp[slot])
                    .build());
        }
        Rollup rollup = Rollup.newBuilder()
                .setAssetId(assetId)
                .setRegion(window.region())
                .setResolution(resolution)
                .setWindowStart(start)
                .setWindowEnd(start + sizeMs)
                .setSeries(series)
                .build();
        context.forward(new Record<>(assetId, rollup, start), sink);
        emitted.increment();
    }

    /**
     * Moves the windows of the stores of earlier versions (an aggregate per asset and window, series by name) into
     * this version's stores, once: a moved minute becomes the first entry of its window, a moved hour its entry.
     */
    private void moveLegacyWindows() {
        int moved = moveLegacy(legacyMinutes, (start, assetId) -> key(start, assetId, 0), minutes)
                + moveLegacy(legacyHours, WindowAggregator::key, hours);
        if (moved > 0) {
            LOG.info("moved {} window(s) in progress from the stores of an earlier version", moved);
        }
    }

    private int moveLegacy(KeyValueStore<Bytes, WindowAggregate> from, BiFunction<Long, String, Bytes> newKey,
                           KeyValueStore<Bytes, byte[]> to) {
        List<KeyValue<Bytes, WindowAggregate>> all = new ArrayList<>();
        try (KeyValueIterator<Bytes, WindowAggregate> it = from.all()) {
            it.forEachRemaining(all::add);
        }
        for (KeyValue<Bytes, WindowAggregate> window : all) {
            byte[] key = window.key.get();
            long start = ByteBuffer.wrap(key).getLong();
            String assetId = new String(key, Long.BYTES, key.length - Long.BYTES, StandardCharsets.UTF_8);
            Map<SeriesKey, WindowAggregate.Aggregate> series = window.value.inKeyOrder();
            SeriesLayout layout = layouts.of(List.copyOf(series.keySet()));
            SlotAggregates aggregates = new SlotAggregates(layout.size());
            int slot = 0;
            for (WindowAggregate.Aggregate a : series.values()) {
                aggregates.merge(slot++, a.min, a.max, a.sum, a.count, a.last, a.lastTimestampMs);
            }
            to.put(newKey.apply(start, assetId), WindowEntry.aggregates(window.value.region(), layout.id(), aggregates));
            from.put(window.key, null);
        }
        return all.size();
    }

    /** Deletes the series layouts that no stored window refers to any more. */
    private void forgetUnusedLayouts() {
        Set<Long> inUse = new HashSet<>();
        for (KeyValueStore<Bytes, byte[]> store : List.of(minutes, hours)) {
            try (KeyValueIterator<Bytes, byte[]> all = store.all()) {
                all.forEachRemaining(entry -> inUse.add(WindowEntry.read(entry.value).layoutId));
            }
        }
        int forgotten = layouts.forgetUnused(inUse::contains);
        if (forgotten > 0) {
            LOG.debug("forgot {} series layout(s) no window uses, {} in use", forgotten, inUse.size());
        }
    }

    static long windowStart(long timestamp, long size) {
        return Math.floorDiv(timestamp, size) * size;
    }

    /** (window start, asset): an hour's entry. */
    static Bytes key(long windowStart, String assetId) {
        byte[] id = assetId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + Short.BYTES + id.length).putLong(windowStart)
                .putShort((short) id.length).put(id).array());
    }

    /** (window start, asset, arrival): one batch's part of a minute. */
    static Bytes key(long windowStart, String assetId, long arrival) {
        byte[] id = assetId.getBytes(StandardCharsets.UTF_8);
        return Bytes.wrap(ByteBuffer.allocate(Long.BYTES + Short.BYTES + id.length + Long.BYTES).putLong(windowStart)
                .putShort((short) id.length).put(id).putLong(arrival).array());
    }

    private static byte[] startBytes(long windowStart) {
        return ByteBuffer.allocate(Long.BYTES).putLong(windowStart).array();
    }

    private static long start(byte[] key) {
        return ByteBuffer.wrap(key).getLong();
    }

    private static String assetId(byte[] key) {
        int length = Short.toUnsignedInt(ByteBuffer.wrap(key).getShort(Long.BYTES));
        return new String(key, Long.BYTES + Short.BYTES, length, StandardCharsets.UTF_8);
    }

    /** Whether two keys are of the same window and asset (their start, asset length and asset bytes agree). */
    private static boolean sameWindow(byte[] a, byte[] b) {
        int prefix = Long.BYTES + Short.BYTES + Short.toUnsignedInt(ByteBuffer.wrap(a).getShort(Long.BYTES));
        return b.length >= prefix && Arrays.equals(a, 0, prefix, b, 0, prefix);
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
