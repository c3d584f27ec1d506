package io.dams.streams.ingest;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import java.util.Locale;
import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * Keeps each asset's firing alerts in its health, from the rules job's transitions re-keyed by asset_id: an alert
 * counts from its transition to FIRING until its next transition. A change of the counts by severity is published
 * to {@code dams.assets.health} like a liveness change, so {@code /api/v2/assets} shows the asset as warning or
 * critical. Transitions of an asset this job has not seen (no batch yet) are counted and skipped.
 */
final class AlertCounter implements Processor<String, AlertTransition, String, SpecificRecord> {

    private final IngestMetrics metrics;
    private ProcessorContext<String, SpecificRecord> context;
    private KeyValueStore<String, AssetState> health;

    AlertCounter(IngestMetrics metrics) {
        this.metrics = metrics;
    }

    @Override
    public void init(ProcessorContext<String, SpecificRecord> context) {
        this.context = context;
        this.health = context.getStateStore(AssetTracker.HEALTH_STORE);
    }

    @Override
    public void process(Record<String, AlertTransition> record) {
        AlertTransition transition = record.value();
        String assetId = record.key();
        if (transition == null || assetId == null) {
            return;
        }
        AssetState before = health.get(assetId);
        if (before == null) {
            metrics.alertsOfUnknownAssets.increment();
            return;
        }
        metrics.alertsCounted.increment();
        String severity = transition.getToState() == AlertState.FIRING
                ? transition.getSeverity().name().toLowerCase(Locale.ROOT) : null;
        if (Objects.equals(before.firing().get(transition.getAlertId()), severity)) {
            return;
        }
        long now = context.currentSystemTimeMs();
        AssetState after = before.withAlert(transition.getAlertId(), severity, now);
        health.put(assetId, after);
        if (!after.firingBySeverity().equals(before.firingBySeverity())) {
            context.forward(new Record<>(assetId, after.toHealth(assetId), now), IngestTopology.HEALTH_SINK);
        }
    }
}
