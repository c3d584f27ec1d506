package io.dams.schemas.topics;

import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Anomaly;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.AssetEvent;
import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationDelivery;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.Silence;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The catalogue of every DAMS topic. Code names a topic through these constants, never through a string.
 *
 * <p>Everything keyed by asset_id has {@link #ASSET_PARTITIONS} partitions, so that an asset's metrics, its table
 * entry and its health are co-partitioned and per-asset joins need no repartition.
 */
public final class Topics {

    /** Partitions of every topic keyed by asset_id; they must stay equal for co-partitioned joins. */
    public static final int ASSET_PARTITIONS = 6;

    private static final Duration DAY = Duration.ofDays(1);

    public static final Topic<String, MetricBatch> METRICS_RAW = Topic.stream(
            "dams.metrics.raw", String.class, MetricBatch.class, ASSET_PARTITIONS, DAY,
            "Batches as accepted by the edge bridges; replays may repeat a batch.");

    public static final Topic<String, MetricBatch> METRICS_SAMPLES = Topic.stream(
            "dams.metrics.samples", String.class, MetricBatch.class, ASSET_PARTITIONS, DAY,
            "Deduplicated, validated batches enriched with region, site and tags.");

    public static final Topic<String, Rollup> METRICS_ROLLUP_1M = Topic.stream(
            "dams.metrics.rollup.1m", String.class, Rollup.class, ASSET_PARTITIONS, Duration.ofDays(7),
            "Per asset and minute: min, max, sum, count, last of every series.");

    public static final Topic<String, Rollup> METRICS_ROLLUP_1H = Topic.stream(
            "dams.metrics.rollup.1h", String.class, Rollup.class, ASSET_PARTITIONS, Duration.ofDays(30),
            "Per asset and hour: min, max, sum, count, last of every series.");

    public static final Topic<String, Asset> ASSETS = Topic.table(
            "dams.assets", String.class, Asset.class, ASSET_PARTITIONS,
            "Registered assets and their metadata (table).");

    public static final Topic<String, AssetHealth> ASSETS_HEALTH = Topic.table(
            "dams.assets.health", String.class, AssetHealth.class, ASSET_PARTITIONS,
            "Liveness and firing-alert counts per asset (table).");

    public static final Topic<String, AssetEvent> ASSETS_EVENTS = Topic.stream(
            "dams.assets.events", String.class, AssetEvent.class, ASSET_PARTITIONS, Duration.ofDays(30),
            "Asset lifecycle events: registered, up, down.");

    public static final Topic<String, Rule> RULES = Topic.table(
            "dams.rules", String.class, Rule.class, 1,
            "Alert rules by name (table); a deletion is a tombstone.");

    public static final Topic<String, Silence> SILENCES = Topic.table(
            "dams.silences", String.class, Silence.class, 1,
            "Silences by id (table); a deletion is a tombstone.");

    public static final Topic<String, AlertTransition> ALERTS_TRANSITIONS = Topic.stream(
            "dams.alerts.transitions", String.class, AlertTransition.class, ASSET_PARTITIONS, Duration.ofDays(30),
            "Every alert state change, keyed by alert_id.");

    public static final Topic<String, Notification> ALERTS_NOTIFICATIONS = Topic.stream(
            "dams.alerts.notifications", String.class, Notification.class, 3, Duration.ofDays(7),
            "Grouped, deduplicated, unsilenced notifications to deliver, keyed by group.");

    public static final Topic<String, NotificationDelivery> NOTIFICATIONS_LOG = Topic.stream(
            "dams.notifications.log", String.class, NotificationDelivery.class, 3, Duration.ofDays(30),
            "The notifier's delivery record: one per notification and channel, keyed by notification_id/channel.");

    public static final Topic<String, Notification> NOTIFICATIONS_DEAD = Topic.stream(
            "dams.notifications.dead", String.class, Notification.class, 1, Duration.ofDays(30),
            "Notifications a channel could not deliver after every retry (dead letters), keyed by group.");

    public static final Topic<String, Anomaly> ANOMALIES = Topic.stream(
            "dams.anomalies", String.class, Anomaly.class, ASSET_PARTITIONS, Duration.ofDays(30),
            "Samples that online detectors found unusual for their series.");

    /** Every topic, in data-flow order. */
    public static final List<Topic<?, ?>> ALL = List.of(
            METRICS_RAW, METRICS_SAMPLES, METRICS_ROLLUP_1M, METRICS_ROLLUP_1H,
            ASSETS, ASSETS_HEALTH, ASSETS_EVENTS,
            RULES, ALERTS_TRANSITIONS, SILENCES, ALERTS_NOTIFICATIONS, NOTIFICATIONS_LOG, NOTIFICATIONS_DEAD,
            ANOMALIES);

    private Topics() {
    }

    /** The catalogue entry of the topic with this name. */
    public static Optional<Topic<?, ?>> byName(String name) {
        return ALL.stream().filter(t -> t.name().equals(name)).findFirst();
    }
}
