package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.topics.Topics;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deduplicates transitions by fingerprint (alert_id) against the active-alerts store, which holds every alert's
 * newest state, and passes each change of state on keyed by the alert's group ({@link AlertGroup#keyOf}). A
 * transition that repeats what is known (same state, same or older {@code at}) or is older than what is known changes
 * nothing. Resolved and inactive alerts stay in the store for the resolved retention after their {@code at}, then a
 * wall-clock check removes them (the store is the changelog-backed table the interactive queries read).
 */
final class AlertTracker implements Processor<String, byte[], String, ActiveAlert> {

    /** alert_id → the alert's newest state. */
    static final String STORE = "active-alerts";

    private static final Logger LOG = LoggerFactory.getLogger(AlertTracker.class);

    private final Deserializer<AlertTransition> decoder;
    private final long retentionMs;
    private final Duration checkInterval;
    private final AlertingMetrics metrics;
    private ProcessorContext<String, ActiveAlert> context;
    private KeyValueStore<String, ActiveAlert> alerts;
    /** The earliest time an entry may expire; {@code Long.MIN_VALUE}: unknown, look. Saves scanning the store. */
    private long nextExpiry = Long.MIN_VALUE;

    AlertTracker(AlertingSettings settings, Deserializer<AlertTransition> decoder, AlertingMetrics metrics) {
        this.decoder = decoder;
        this.retentionMs = settings.resolvedRetention().toMillis();
        this.checkInterval = settings.checkInterval();
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, ActiveAlert>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                new ActiveAlert.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, ActiveAlert> context) {
        this.context = context;
        this.alerts = context.getStateStore(STORE);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::expire);
    }

    @Override
    public void process(Record<String, byte[]> record) {
        AlertTransition transition = decode(record);
        if (transition == null) {
            return;
        }
        String alertId = transition.getAlertId();
        ActiveAlert known = alerts.get(alertId);
        if (known != null) {
            boolean sameState = transition.getToState() == known.state();
            if (sameState && transition.getAt() <= known.updatedAt()) {
                metrics.duplicate.increment();
                return;
            }
            if (transition.getAt() < known.updatedAt()) {
                metrics.stale.increment();
                return;
            }
        }
        ActiveAlert next = ActiveAlert.after(transition, known);
        alerts.put(alertId, next);
        metrics.accepted.increment();
        if (!next.active()) {
            nextExpiry = Math.min(nextExpiry == Long.MIN_VALUE ? Long.MAX_VALUE : nextExpiry, expiry(next));
        }
        if (known == null || known.state() != next.state()) {
            context.forward(new Record<>(AlertGroup.keyOf(next), next, record.timestamp()));
        }
    }

    private AlertTransition decode(Record<String, byte[]> record) {
        if (record.value() == null) {
            metrics.invalidTransitions.increment();
            LOG.warn("skipped a transition tombstone for alert {} at {}", record.key(), where());
            return null;
        }
        AlertTransition transition;
        try {
            transition = decoder.deserialize(Topics.ALERTS_TRANSITIONS.name(), record.value());
        } catch (RuntimeException e) {
            metrics.undecodableTransitions.increment();
            LOG.warn("skipped an undecodable transition at {} ({} bytes): {}", where(), record.value().length,
                    e.getMessage());
            return null;
        }
        if (transition.getAlertId() == null || transition.getAlertId().isBlank()
                || !transition.getAlertId().equals(record.key())
                || transition.getRuleName() == null || transition.getRuleName().isBlank()) {
            // A record not keyed by its alert is on a partition that does not hold that alert's state.
            metrics.invalidTransitions.increment();
            LOG.warn("skipped transition of alert '{}' (rule '{}') at {}: it must be keyed by its alert_id and name"
                    + " its rule, key was '{}'", transition.getAlertId(), transition.getRuleName(), where(),
                    record.key());
            return null;
        }
        return transition;
    }

    private String where() {
        return context.recordMetadata().map(m -> m.topic() + "-" + m.partition() + "@" + m.offset())
                .orElse(Topics.ALERTS_TRANSITIONS.name());
    }

    private long expiry(ActiveAlert alert) {
        return alert.updatedAt() + retentionMs;
    }

    /** Removes resolved and inactive alerts whose retention has passed; scans only when one is due. */
    private void expire(long now) {
        if (nextExpiry != Long.MIN_VALUE && now < nextExpiry) {
            return;
        }
        long earliest = Long.MAX_VALUE;
        List<String> expired = new ArrayList<>();
        try (KeyValueIterator<String, ActiveAlert> all = alerts.all()) {
            while (all.hasNext()) {
                KeyValue<String, ActiveAlert> e = all.next();
                if (e.value.active()) {
                    continue;
                }
                long at = expiry(e.value);
                if (at <= now) {
                    expired.add(e.key);
                } else {
                    earliest = Math.min(earliest, at);
                }
            }
        }
        for (String alertId : expired) {
            alerts.delete(alertId);
        }
        nextExpiry = earliest;
    }
}
