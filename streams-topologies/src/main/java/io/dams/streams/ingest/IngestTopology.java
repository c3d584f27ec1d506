package io.dams.streams.ingest;

import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.AssetEvent;
import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.topics.Topics;
import io.dams.streams.TopicSerdes;
import io.dams.streams.batch.AvroBatchSerde;
import io.dams.streams.batch.SeriesLayouts;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;

/**
 * The ingest job: {@code dams.metrics.raw} → dedupe (agent_id, seq) → drop invalid samples → enrich from
 * {@code dams.assets} → {@code dams.metrics.samples}, keeping per asset the latest value of every series and its
 * health ({@code dams.assets.health}, UP/DOWN in {@code dams.assets.events}). Both input topics are keyed by asset_id
 * with the same partition count, so an asset's batches, registration and state share one task and nothing is
 * repartitioned.
 *
 * <pre>
 *   raw-source → raw-dedupe → raw-validate → batch-enrich ─┐
 *   assets-source → asset-table (releases held batches) ───┴→ asset-tracker → samples-sink, health-sink, events-sink
 *   alerts-source → (per-asset transitions, re-keyed by asset_id: repartition alerts-by-asset) → alert-counter ─┘
 * </pre>
 *
 * The alert counter fills each asset's firing alerts by severity from the rules job's transitions (keyed by
 * alert_id, so they pass one repartition topic with as many partitions as the asset topics, landing in the task
 * that holds the asset's health). Transitions are few next to samples.
 */
public final class IngestTopology {

    public static final String RAW_SOURCE = "raw-source";
    public static final String DEDUPE = "raw-dedupe";
    public static final String VALIDATE = "raw-validate";
    public static final String ENRICH = "batch-enrich";
    public static final String ASSETS_SOURCE = "assets-source";
    public static final String ASSET_TABLE = "asset-table";
    public static final String TRACKER = "asset-tracker";
    public static final String SAMPLES_SINK = "samples-sink";
    public static final String HEALTH_SINK = "health-sink";
    public static final String EVENTS_SINK = "events-sink";
    public static final String ALERTS_SOURCE = "alerts-source";
    public static final String ALERTS_REPARTITION = "alerts-by-asset";
    public static final String ALERT_COUNTER = "alert-counter";

    /** The stores the interactive queries read. */
    public static final String ASSETS_STORE = BatchEnricher.ASSETS_STORE;
    public static final String LATEST_STORE = AssetTracker.LATEST_STORE;
    public static final String HEALTH_STORE = AssetTracker.HEALTH_STORE;
    public static final String DEDUPE_STORE = BatchDeduplicator.STORE;
    public static final String PENDING_STORE = BatchEnricher.PENDING_STORE;
    public static final String LAYOUTS_STORE = SeriesLayouts.STORE;

    private IngestTopology() {
    }

    public static Topology build(IngestSettings settings, TopicSerdes serdes, MeterRegistry registry) {
        IngestMetrics metrics = new IngestMetrics(registry);
        // Batches are read in place and written as the bytes they came in (AvroBatch).
        AvroBatchSerde raw = new AvroBatchSerde(serdes.valueSerde(Topics.METRICS_RAW));
        Serde<Asset> assets = serdes.valueSerde(Topics.ASSETS);
        AvroBatchSerde samples = new AvroBatchSerde(serdes.valueSerde(Topics.METRICS_SAMPLES));
        Serde<AssetHealth> health = serdes.valueSerde(Topics.ASSETS_HEALTH);
        Serde<AssetEvent> events = serdes.valueSerde(Topics.ASSETS_EVENTS);

        Serde<AlertTransition> transitions = serdes.valueSerde(Topics.ALERTS_TRANSITIONS);

        // The one repartition is easiest said in the DSL; the rest is the Processor API on the same topology.
        StreamsBuilder builder = new StreamsBuilder();
        builder.stream(Topics.ALERTS_TRANSITIONS.name(), Consumed.with(Serdes.String(), transitions)
                        .withName(ALERTS_SOURCE).withOffsetResetPolicy(AutoOffsetReset.earliest()))
                .filter((alertId, t) -> t != null && t.getAssetId() != null, Named.as("alerts-of-assets"))
                .selectKey((alertId, t) -> t.getAssetId(), Named.as("alerts-by-asset-key"))
                .repartition(Repartitioned.<String, AlertTransition>as(ALERTS_REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(transitions)
                        .withNumberOfPartitions(Topics.ASSET_PARTITIONS))
                .process(() -> new AlertCounter(metrics), Named.as(ALERT_COUNTER));
        Topology topology = builder.build();
        topology.addSource(AutoOffsetReset.earliest(), RAW_SOURCE, new UsePartitionTimeOnInvalidTimestamp(), Serdes.String().deserializer(),
                raw.deserializer(), Topics.METRICS_RAW.name());
        topology.addProcessor(DEDUPE, () -> new BatchDeduplicator(settings.dedupeTtl(), metrics), RAW_SOURCE);
        topology.addProcessor(VALIDATE, () -> new SampleValidator(settings, metrics), DEDUPE);
        topology.addProcessor(ENRICH, () -> new BatchEnricher(settings, metrics), VALIDATE);

        topology.addSource(AutoOffsetReset.earliest(), ASSETS_SOURCE, Serdes.String().deserializer(), assets.deserializer(),
                Topics.ASSETS.name());
        topology.addProcessor(ASSET_TABLE, () -> new AssetTable(metrics), ASSETS_SOURCE);

        topology.addProcessor(TRACKER, () -> new AssetTracker(settings, metrics), ENRICH, ASSET_TABLE);
        topology.addSink(SAMPLES_SINK, Topics.METRICS_SAMPLES.name(), Serdes.String().serializer(),
                samples.serializer(), TRACKER);
        topology.addSink(HEALTH_SINK, Topics.ASSETS_HEALTH.name(), Serdes.String().serializer(), health.serializer(),
                TRACKER, ALERT_COUNTER);
        topology.addSink(EVENTS_SINK, Topics.ASSETS_EVENTS.name(), Serdes.String().serializer(), events.serializer(),
                TRACKER);

        topology.addStateStore(BatchDeduplicator.store(settings.dedupeTtl()), DEDUPE);
        topology.addStateStore(BatchEnricher.assetsStore(assets), ENRICH, ASSET_TABLE, TRACKER);
        topology.addStateStore(BatchEnricher.pendingStore(), ENRICH, ASSET_TABLE);
        topology.addStateStore(AssetTracker.latestStore(), TRACKER);
        topology.addStateStore(SeriesLayouts.store(), TRACKER);
        topology.addStateStore(AssetTracker.healthStore(), TRACKER, ALERT_COUNTER);
        return topology;
    }
}
