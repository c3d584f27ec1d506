package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.Silence;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
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
 * Groups alerts and decides when each group's receivers hear of it, as Alertmanager does: a new group waits
 * {@code groupWait} for more alerts before its first notification (none: at once, while the transition that started
 * it is processed); after a notification, changes (an alert newly firing, an alert resolved) are sent
 * {@code groupInterval} after it at the earliest, and an unchanged firing group again after {@code repeatInterval}.
 * Once every announced alert has resolved, one RESOLVED notification goes out and the group is forgotten. Silenced
 * alerts are left out, firing and resolved alike; one un-muted while firing is a change.
 *
 * <p>Timers run on the wall clock: every {@code checkInterval} the groups that are due are flushed, from an index of
 * due times kept in memory. When the set of active silences changes (one starts, expires, is created, changed or
 * deleted) every group is looked at again, which also rebuilds the index after a restart.
 */
final class AlertGrouper implements Processor<String, ActiveAlert, String, Notification> {

    /** group key → the group. */
    static final String STORE = "alert-groups";

    private static final Logger LOG = LoggerFactory.getLogger(AlertGrouper.class);

    private final long groupWaitMs;
    private final long groupIntervalMs;
    private final long repeatIntervalMs;
    private final Duration checkInterval;
    private final AlertingMetrics metrics;
    private final Silences silences = new Silences();
    /** group key → when it is due (wall clock), for this task's groups with something to send. */
    private final Map<String, Long> due = new HashMap<>();
    private ProcessorContext<String, Notification> context;
    private KeyValueStore<String, AlertGroup> groups;
    private KeyValueStore<String, Silence> silenceStore;
    /** The silences active at the last check; null before the first. */
    private Map<String, Silence> lastActive;
    /** This task's part of the groups gauge. */
    private long groupCount;

    AlertGrouper(AlertingSettings settings, AlertingMetrics metrics) {
        this.groupWaitMs = settings.groupWait().toMillis();
        this.groupIntervalMs = settings.groupInterval().toMillis();
        this.repeatIntervalMs = settings.repeatInterval().toMillis();
        this.checkInterval = settings.checkInterval();
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, AlertGroup>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                new AlertGroup.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, Notification> context) {
        this.context = context;
        this.groups = context.getStateStore(STORE);
        this.silenceStore = context.getStateStore(SilenceTable.STORE);
        context.schedule(checkInterval, PunctuationType.WALL_CLOCK_TIME, this::check);
    }

    @Override
    public void process(Record<String, ActiveAlert> record) {
        String key = record.key();
        ActiveAlert alert = record.value();
        if (key == null || alert == null) {
            return;
        }
        long now = context.currentSystemTimeMs();
        AlertGroup group = groups.get(key);
        boolean started = group == null;
        if (started) {
            if (alert.state() != AlertState.FIRING) {
                // Pending alerts are never notified; a resolution of an alert no group holds was never announced.
                return;
            }
            group = AlertGroup.start(key, alert, now);
            count(+1);
        }
        if (!group.take(alert) && !started) {
            return;
        }
        settle(group, now, silences.activeAt(silenceStore, now));
    }

    /** Applies the silences, sends what is due, stores or forgets the group and indexes its next due time. */
    private void settle(AlertGroup group, long now, List<SilenceMatcher> active) {
        int muted = group.applySilences(active);
        if (muted > 0) {
            metrics.muted.increment(muted);
        }
        long dueAt = group.dueAt(groupWaitMs, groupIntervalMs, repeatIntervalMs);
        if (dueAt <= now) {
            send(group, now);
            dueAt = group.dueAt(groupWaitMs, groupIntervalMs, repeatIntervalMs);
        }
        if (group.isEmpty()) {
            groups.delete(group.key);
            due.remove(group.key);
            count(-1);
            return;
        }
        groups.put(group.key, group);
        if (dueAt == Long.MAX_VALUE) {
            due.remove(group.key);
        } else {
            due.put(group.key, dueAt);
        }
    }

    private void send(AlertGroup group, long now) {
        Notification notification = group.notify(now);
        context.forward(new Record<>(group.key, notification, now));
        boolean firing = notification.getStatus() == NotificationStatus.FIRING;
        (firing ? metrics.firing : metrics.resolved).increment();
        LOG.info("group {}: {} notification {} with {} alert(s)", group.key, firing ? "firing" : "resolved",
                notification.getNotificationId(), notification.getAlerts().size());
    }

    /** The wall-clock check: every group when the active silences changed, else the groups that are due. */
    private void check(long now) {
        List<SilenceMatcher> active = silences.activeAt(silenceStore, now);
        Map<String, Silence> activeNow = new HashMap<>();
        for (SilenceMatcher silence : active) {
            activeNow.put(silence.id(), silence.source());
        }
        if (!activeNow.equals(lastActive)) {
            lastActive = activeNow;
            settleAll(now, active);
            return;
        }
        List<String> dueNow = new ArrayList<>();
        for (Map.Entry<String, Long> e : due.entrySet()) {
            if (e.getValue() <= now) {
                dueNow.add(e.getKey());
            }
        }
        for (String key : dueNow) {
            AlertGroup group = groups.get(key);
            if (group == null) {
                due.remove(key);
            } else {
                settle(group, now, active);
            }
        }
    }

    private void settleAll(long now, List<SilenceMatcher> active) {
        List<AlertGroup> all = new ArrayList<>();
        try (KeyValueIterator<String, AlertGroup> it = groups.all()) {
            while (it.hasNext()) {
                KeyValue<String, AlertGroup> e = it.next();
                all.add(e.value);
            }
        }
        count(all.size() - groupCount);
        due.clear();
        for (AlertGroup group : all) {
            settle(group, now, active);
        }
    }

    private void count(long delta) {
        groupCount += delta;
        metrics.groups.addAndGet(delta);
    }

    @Override
    public void close() {
        metrics.groups.addAndGet(-groupCount);
        groupCount = 0;
    }
}
