package io.dams.streams.rollup;

import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.topics.Topics;
import io.dams.streams.BatchEventTime;
import io.dams.streams.TopicSerdes;
import io.dams.streams.batch.AvroBatchSerde;
import io.dams.streams.batch.SeriesLayouts;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.Topology;

/**
 * The rollup job: {@code dams.metrics.samples} → tumbling 1-minute event-time windows per asset (min, max, sum, count,
 * last of every series), one final result per window after the grace period → {@code dams.metrics.rollup.1m}; each
 * closed minute is folded into its hour, one final result per hour → {@code dams.metrics.rollup.1h}. Event time is each
 * batch's newest sample ({@link BatchEventTime}); each sample goes to the window of its own timestamp. Why hours come
 * from minutes: {@link WindowAggregator}.
 *
 * <pre>
 *   samples-source → rollup ─┬→ rollup-1m-sink
 *                   (minute-windows, hour-windows, series-layouts)
 *                            └→ rollup-1h-sink
 * </pre>
 */
public final class RollupTopology {

    public static final String SAMPLES_SOURCE = "samples-source";
    public static final String ROLLUP = "rollup";
    public static final String ROLLUP_1M_SINK = "rollup-1m-sink";
    public static final String ROLLUP_1H_SINK = "rollup-1h-sink";
    /** (minute start, asset_id, input offset + 1) → one batch's samples of that minute ({@link WindowEntry}). */
    public static final String MINUTES_STORE = "minute-windows";
    /** (hour start, asset_id) → the hour's closed minutes folded so far ({@link WindowEntry}). */
    public static final String HOURS_STORE = "hour-windows";
    /** Earlier versions' minutes (one aggregate per asset, series by name): moved into {@link #MINUTES_STORE}. */
    public static final String LEGACY_MINUTES_STORE = "windows-1m";
    /** Earlier versions' hours: moved into {@link #HOURS_STORE}. */
    public static final String LEGACY_HOURS_STORE = "windows-1h-from-1m";

    private RollupTopology() {
    }

    public static Topology build(RollupSettings settings, TopicSerdes serdes, MeterRegistry registry) {
        AvroBatchSerde samples = new AvroBatchSerde(serdes.valueSerde(Topics.METRICS_SAMPLES));
        Serde<Rollup> minutes = serdes.valueSerde(Topics.METRICS_ROLLUP_1M);
        Serde<Rollup> hours = serdes.valueSerde(Topics.METRICS_ROLLUP_1H);

        Topology topology = new Topology();
        topology.addSource(AutoOffsetReset.earliest(), SAMPLES_SOURCE, new BatchEventTime(), Serdes.String().deserializer(),
                samples.deserializer(), Topics.METRICS_SAMPLES.name());
        topology.addProcessor(ROLLUP, () -> new WindowAggregator(settings.grace(), registry), SAMPLES_SOURCE);
        topology.addSink(ROLLUP_1M_SINK, Topics.METRICS_ROLLUP_1M.name(), Serdes.String().serializer(),
                minutes.serializer(), ROLLUP);
        topology.addSink(ROLLUP_1H_SINK, Topics.METRICS_ROLLUP_1H.name(), Serdes.String().serializer(),
                hours.serializer(), ROLLUP);
        topology.addStateStore(WindowAggregator.store(MINUTES_STORE), ROLLUP);
        topology.addStateStore(WindowAggregator.store(HOURS_STORE), ROLLUP);
        topology.addStateStore(SeriesLayouts.store(), ROLLUP);
        topology.addStateStore(WindowAggregator.legacyStore(LEGACY_MINUTES_STORE), ROLLUP);
        topology.addStateStore(WindowAggregator.legacyStore(LEGACY_HOURS_STORE), ROLLUP);
        return topology;
    }

    /** The metric tag of a resolution: {@code 1m}, {@code 1h}. */
    static String tag(Resolution resolution) {
        return resolution == Resolution.ONE_MINUTE ? "1m" : "1h";
    }
}
