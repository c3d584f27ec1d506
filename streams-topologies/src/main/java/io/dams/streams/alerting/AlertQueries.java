package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.Silence;
import io.dams.streams.iq.AlertView;
import io.dams.streams.iq.LocalStores;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;

/**
 * Answers the interactive queries from this instance's own part of the active-alerts store, with what the silences
 * (a global store: every instance has them all) make of each alert now. Inactive alerts, kept only to deduplicate,
 * are not shown. Throws Kafka Streams' {@code InvalidStateStoreException} while the stores are not queryable.
 */
public final class AlertQueries {

    private final LocalStores stores;
    private final LongSupplier clock;
    private final Silences silences = new Silences();

    /** @param clock the wall clock that decides which silences are active, ms since the epoch */
    public AlertQueries(LocalStores stores, LongSupplier clock) {
        this.stores = stores;
        this.clock = clock;
    }

    /** Over the local active tasks of a running job. */
    public static AlertQueries of(KafkaStreams streams) {
        return new AlertQueries(LocalStores.of(streams), System::currentTimeMillis);
    }

    /** Every pending, firing or recently resolved alert this instance holds, sorted by id. */
    public List<AlertView> alerts() {
        List<SilenceMatcher> active = activeSilences();
        List<AlertView> views = new ArrayList<>();
        try (KeyValueIterator<String, ActiveAlert> all = stores.<ActiveAlert>store(AlertingTopology.ACTIVE_STORE)
                .all()) {
            while (all.hasNext()) {
                KeyValue<String, ActiveAlert> e = all.next();
                if (e.value.state() != AlertState.INACTIVE) {
                    views.add(view(e.value, Silences.muting(active, e.value)));
                }
            }
        }
        views.sort((a, b) -> a.alertId().compareTo(b.alertId()));
        return views;
    }

    /** One alert; empty when this instance does not hold it. */
    public Optional<AlertView> alert(String alertId) {
        return alert(stores.<ActiveAlert>store(AlertingTopology.ACTIVE_STORE).get(alertId));
    }

    /**
     * The same, read from the store of the alert's partition only (as {@link KafkaStreams#queryMetadataForKey} gives
     * it).
     */
    public Optional<AlertView> alert(String alertId, int partition) {
        return alert(stores.<ActiveAlert>store(AlertingTopology.ACTIVE_STORE, partition).get(alertId));
    }

    private Optional<AlertView> alert(ActiveAlert alert) {
        if (alert == null || alert.state() == AlertState.INACTIVE) {
            return Optional.empty();
        }
        return Optional.of(view(alert, Silences.muting(activeSilences(), alert)));
    }

    private List<SilenceMatcher> activeSilences() {
        ReadOnlyKeyValueStore<String, Silence> store = stores.store(AlertingTopology.SILENCES_STORE);
        return silences.activeAt(store, clock.getAsLong());
    }

    static AlertView view(ActiveAlert a, List<String> silencedBy) {
        return new AlertView(a.alertId(), a.ruleName(), a.severityName(), a.state().name().toLowerCase(Locale.ROOT),
                a.groupLabels(), a.assetId(), a.region(), a.activeSince(), a.firingSince(), a.resolvedAt(), a.value(),
                a.threshold(), a.condition(), a.channels(), a.annotations(), a.updatedAt(), List.copyOf(silencedBy));
    }
}
