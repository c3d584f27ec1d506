package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.Silence;
import io.dams.schemas.topics.Topics;
import io.dams.streams.TopicSerdes;
import io.micrometer.core.instrument.MeterRegistry;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.AutoOffsetReset;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.Repartitioned;
import org.apache.kafka.streams.processor.UsePartitionTimeOnInvalidTimestamp;

/**
 * The alerting job: {@code dams.alerts.transitions} → dedupe by fingerprint into the active-alerts store → re-key by
 * alert group (rule and region) → group timers and silences → {@code dams.alerts.notifications}. Silences
 * ({@code dams.silences}) are a global store, so every instance can tell whether an alert is silenced and the
 * grouping step needs no join. Transitions are keyed by alert_id, so the active-alerts store (and the interactive
 * queries by alert id) need no repartition; grouping does, through the named topic
 * {@code <application.id>-alert-groups-repartition}.
 *
 * <pre>
 *   transitions-source → alert-tracker (active-alerts) → alert-groups (repartition by group key)
 *       → alert-grouper (alert-groups, reads silences) → notifications-sink
 *   silence-table-source → silence-table (global store silences)
 * </pre>
 */
public final class AlertingTopology {

    public static final String TRANSITIONS_SOURCE = "transitions-source";
    public static final String TRACKER = "alert-tracker";
    /** The repartition topic's name, after the application id: {@code <application.id>-alert-groups-repartition}. */
    public static final String GROUPS_REPARTITION = "alert-groups";
    public static final String GROUPER = "alert-grouper";
    public static final String NOTIFICATIONS_SINK = "notifications-sink";
    public static final String SILENCE_TABLE = "silence-table";
    /** The global store's source, named after its processor as Kafka Streams names it. */
    public static final String SILENCES_SOURCE = SILENCE_TABLE + "-source";

    /** alert_id → the alert's newest state: what the interactive queries read. */
    public static final String ACTIVE_STORE = AlertTracker.STORE;
    /** group key → the group's alerts and what was last notified. */
    public static final String GROUPS_STORE = AlertGrouper.STORE;
    /** silence_id → silence (global). */
    public static final String SILENCES_STORE = SilenceTable.STORE;

    private AlertingTopology() {
    }

    public static Topology build(AlertingSettings settings, TopicSerdes serdes, MeterRegistry registry) {
        AlertingMetrics metrics = new AlertingMetrics(registry);
        Serde<AlertTransition> transitions = serdes.valueSerde(Topics.ALERTS_TRANSITIONS);
        Serde<Silence> silences = serdes.valueSerde(Topics.SILENCES);
        Serde<Notification> notifications = serdes.valueSerde(Topics.ALERTS_NOTIFICATIONS);

        StreamsBuilder builder = new StreamsBuilder();
        builder.addGlobalStore(SilenceTable.store(), Topics.SILENCES.name(),
                Consumed.with(Serdes.String(), Serdes.ByteArray()).withName(SILENCE_TABLE)
                        .withOffsetResetPolicy(AutoOffsetReset.earliest()),
                () -> new SilenceTable(silences.deserializer(), metrics));
        builder.addStateStore(AlertTracker.store());
        builder.addStateStore(AlertGrouper.store());

        // Values are decoded by the tracker, so that an undecodable transition is counted as the job's own bad input.
        builder.stream(Topics.ALERTS_TRANSITIONS.name(), Consumed.with(Serdes.String(), Serdes.ByteArray())
                        .withName(TRANSITIONS_SOURCE)
                        .withTimestampExtractor(new UsePartitionTimeOnInvalidTimestamp())
                        .withOffsetResetPolicy(AutoOffsetReset.earliest()))
                .process(() -> new AlertTracker(settings, transitions.deserializer(), metrics), Named.as(TRACKER),
                        ACTIVE_STORE)
                .repartition(Repartitioned.<String, ActiveAlert>as(GROUPS_REPARTITION)
                        .withKeySerde(Serdes.String()).withValueSerde(new ActiveAlert.Serde()))
                .process(() -> new AlertGrouper(settings, metrics), Named.as(GROUPER), GROUPS_STORE)
                .to(Topics.ALERTS_NOTIFICATIONS.name(), Produced.with(Serdes.String(), notifications)
                        .withName(NOTIFICATIONS_SINK));
        return builder.build();
    }
}
