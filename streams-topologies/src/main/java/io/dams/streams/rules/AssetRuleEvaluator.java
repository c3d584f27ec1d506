package io.dams.streams.rules;

import io.dams.rules.AlertRule;
import io.dams.rules.eval.AlertStateMachine;
import io.dams.rules.eval.ConditionEvaluator;
import io.dams.rules.eval.GroupLabels;
import io.dams.rules.eval.Outcome;
import io.dams.rules.eval.Point;
import io.dams.rules.eval.Series;
import io.dams.rules.eval.WindowRange;
import io.dams.rules.lang.Selector;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.Sample;
import io.dams.streams.SeriesKey;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Evaluates the per-asset rules of the assets of its partition, and hands the samples of {@code by (...)} rules on to
 * {@link GroupRuleEvaluator} keyed by rule and group.
 *
 * <p>On each batch: the points of the series some per-asset rule selects are added to the asset's state (bounded by
 * the longest window, {@code maxPointsPerSeries} and {@code maxSeriesPerAsset}; what is dropped is counted), every
 * per-asset rule is evaluated at the batch's event time as it applies in the asset's region, each alert's state
 * machine takes the outcome, and each change of state is emitted. One store write per batch. Evaluations never go
 * back in time: a batch older than the asset's last evaluation is evaluated at that time, so a late sample only
 * counts where it falls inside the current window, and one older than the longest window is dropped.
 *
 * <p>Every {@code checkInterval} of wall-clock time it re-evaluates the assets that have been silent for at least
 * the shortest per-asset window, at the event time of their last batch plus the wall-clock time since it arrived
 * (robust to an agent's clock skew): so {@code absent(...)} fires and an alert of a silent asset resolves once its
 * window has emptied, as a stale series does in Prometheus. A silent asset whose windows are all empty and that has no
 * pending alert cannot change any more and is left alone until it sends again. An in-memory index of the assets
 * (event time, arrival, settled) finds them without reading the store; it is rebuilt from the store on start. After
 * a rule change (and on start, when the rules may have changed meanwhile) every asset is re-evaluated once at the
 * next check, and the alerts of a deleted rule are ended (firing → resolved, pending → inactive).
 */
final class AssetRuleEvaluator implements Processor<String, MetricBatch, String, Object> {

    /** asset_id → {@link AssetRules}. */
    static final String STORE = "rule-assets";

    private final RulesSettings settings;
    private final RuleBook book;
    private final RulesMetrics metrics;
    private ProcessorContext<String, Object> context;
    private KeyValueStore<String, AssetRules> store;
    private ReadOnlyKeyValueStore<String, Rule> ruleStore;
    private long rulesVersion = -1;
    private RuleSet rules = RuleSet.EMPTY;
    private boolean reevaluateAll;
    private final Map<String, Watch> index = new HashMap<>();
    private long startedAt;

    /** What the wall-clock check needs to know of an asset without reading its state. */
    private record Watch(long lastArrivalMs, boolean settled) {
    }

    AssetRuleEvaluator(RulesSettings settings, RuleBook book, RulesMetrics metrics) {
        this.settings = settings;
        this.book = book;
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, AssetRules>> store() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
                new AssetRules.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, Object> context) {
        this.context = context;
        this.store = context.getStateStore(STORE);
        this.ruleStore = context.getStateStore(RulesTopology.RULES_STORE);
        // After a restart nobody has been silent for longer than we have been running (the backlog is unread).
        this.startedAt = context.currentSystemTimeMs();
        syncRules();
        try (KeyValueIterator<String, AssetRules> all = store.all()) {
            while (all.hasNext()) {
                KeyValue<String, AssetRules> entry = all.next();
                index.put(entry.key, new Watch(Math.max(entry.value.lastArrivalMs, startedAt), false));
            }
        }
        // The rules may have changed while this task was elsewhere: look at every asset once.
        reevaluateAll = true;
        context.schedule(settings.checkInterval(), PunctuationType.WALL_CLOCK_TIME, this::check);
    }

    @Override
    public void process(Record<String, MetricBatch> record) {
        String assetId = record.key();
        MetricBatch batch = record.value();
        if (assetId == null || batch == null) {
            return;
        }
        syncRules();
        long now = context.currentSystemTimeMs();
        long eventTime = record.timestamp();
        forwardGroupSamples(batch, eventTime);

        AssetRules state = store.get(assetId);
        if (state == null) {
            if (rules.perAsset().isEmpty()) {
                return;
            }
            state = new AssetRules();
        }
        state.region = batch.getRegion();
        long at = Math.max(eventTime, state.clockMs);
        addPoints(state, batch, at - rules.maxWindowMs());
        state.lastEventMs = Math.max(state.lastEventMs, eventTime);
        state.lastArrivalMs = now;
        evaluate(assetId, state, at, now);
        save(assetId, state, now);
    }

    /** Re-evaluates silent assets, and every asset after a rule change. */
    private void check(long now) {
        syncRules();
        List<String> due = new ArrayList<>();
        if (reevaluateAll) {
            due.addAll(index.keySet());
            reevaluateAll = false;
        } else {
            index.forEach((assetId, watch) -> {
                if (!watch.settled() && now - watch.lastArrivalMs() >= rules.minWindowMs()) {
                    due.add(assetId);
                }
            });
        }
        due.sort(null);
        for (String assetId : due) {
            AssetRules state = store.get(assetId);
            if (state == null) {
                index.remove(assetId);
                continue;
            }
            long arrival = index.get(assetId).lastArrivalMs();
            long at = Math.max(state.clockMs, state.lastEventMs + Math.max(0, now - arrival));
            evaluate(assetId, state, at, now);
            save(assetId, state, arrival);
        }
    }

    private void save(String assetId, AssetRules state, long arrival) {
        if (state.series.isEmpty() && state.alerts.isEmpty()) {
            // Nothing left to watch: a silent asset with no alert is forgotten; its next batch starts afresh.
            store.delete(assetId);
            index.remove(assetId);
            return;
        }
        store.put(assetId, state);
        index.put(assetId, new Watch(arrival, settled(state)));
    }

    /** Whether time alone can no longer change the asset's alerts: every window is empty and none is pending. */
    private boolean settled(AssetRules state) {
        if (state.clockMs - rules.maxWindowMs() < state.lastEventMs) {
            return false;
        }
        return state.alerts.values().stream().noneMatch(a -> a.machine().state() == AlertState.PENDING);
    }

    private void addPoints(AssetRules state, MetricBatch batch, long horizonMs) {
        for (Sample sample : batch.getSamples()) {
            Map<String, String> labels = Series.labelsOf(batch, sample);
            if (!rules.keepsForAsset(sample.getName(), labels)) {
                continue;
            }
            if (sample.getTimestampMs() <= horizonMs) {
                metrics.latePoints.increment();
                continue;
            }
            SeriesKey key = SeriesKey.of(sample.getName(), labels);
            List<Point> points = state.series.get(key);
            if (points == null) {
                if (state.series.size() >= settings.maxSeriesPerAsset()) {
                    metrics.seriesOverLimit.increment();
                    continue;
                }
                points = new ArrayList<>();
                state.series.put(key, points);
            }
            PointWindow.insert(points, new Point(sample.getTimestampMs(), sample.getValue()));
        }
        for (List<Point> points : state.series.values()) {
            int over = PointWindow.keepNewest(points, settings.maxPointsPerSeries());
            if (over > 0) {
                metrics.pointsOverLimit.increment(over);
            }
        }
    }

    /** Evaluates every per-asset rule at {@code at}, ends the alerts of rules gone, trims the windows. */
    private void evaluate(String assetId, AssetRules state, long at, long now) {
        GroupLabels group = GroupLabels.ofAsset(assetId);
        List<Series> series = state.seriesForEvaluation();
        for (AlertRule rule : rules.perAsset()) {
            AlertRule effective = rule.effective(state.region);
            Outcome outcome = ConditionEvaluator.evaluateAsset(effective.condition(), series,
                    WindowRange.ending(at, effective.window()));
            metrics.assetEvaluations.increment();
            AlertEntry entry = state.alerts.get(rule.name());
            AlertStateMachine machine = entry == null ? AlertStateMachine.inactive() : entry.machine();
            AlertStateMachine.Step step = machine.observe(outcome.holds(), at, effective.duration());
            AlertFacts facts = AlertFacts.of(effective);
            if (step.next().state() == AlertState.INACTIVE) {
                state.alerts.remove(rule.name());
            } else {
                state.alerts.put(rule.name(), new AlertEntry(step.next(), facts));
            }
            step.transition().ifPresent(t -> emit(AlertTransitions.of(rule.name(), group, assetId, state.region,
                    facts, t, outcome.value(), now)));
        }
        for (Iterator<Map.Entry<String, AlertEntry>> it = state.alerts.entrySet().iterator(); it.hasNext(); ) {
            Map.Entry<String, AlertEntry> e = it.next();
            if (!rules.hasPerAsset(e.getKey())) {
                AlertEntry gone = e.getValue();
                gone.retire(at).ifPresent(t -> emit(AlertTransitions.of(e.getKey(), group, assetId, state.region,
                        gone.facts(), t, OptionalDouble.empty(), now)));
                it.remove();
            }
        }
        state.clockMs = Math.max(state.clockMs, at);
        long horizon = state.clockMs - rules.maxWindowMs();
        state.series.entrySet().removeIf(e -> {
            PointWindow.dropUpTo(e.getValue(), horizon);
            return e.getValue().isEmpty() || !rules.keepsForAsset(e.getKey().name(), e.getKey().labels());
        });
    }

    /** One record per rule and group, with the asset's selected series of the batch. */
    private void forwardGroupSamples(MetricBatch batch, long eventTime) {
        if (rules.grouped().isEmpty()) {
            return;
        }
        List<Map<String, String>> labels = new ArrayList<>(batch.getSamples().size());
        for (Sample sample : batch.getSamples()) {
            labels.add(Series.labelsOf(batch, sample));
        }
        for (AlertRule rule : rules.grouped()) {
            Map<GroupLabels, Map<SeriesKey, List<Point>>> groups = new LinkedHashMap<>();
            for (int i = 0; i < labels.size(); i++) {
                Sample sample = batch.getSamples().get(i);
                if (!selects(rule.condition().selectors(), sample.getName(), labels.get(i))) {
                    continue;
                }
                GroupLabels group = GroupLabels.of(rule.grouping(), labels.get(i));
                PointWindow.insert(groups.computeIfAbsent(group, g -> new TreeMap<>())
                                .computeIfAbsent(SeriesKey.of(sample.getName(), labels.get(i)), k -> new ArrayList<>()),
                        new Point(sample.getTimestampMs(), sample.getValue()));
            }
            groups.forEach((group, series) -> {
                List<SeriesPoints> points = new ArrayList<>(series.size());
                series.forEach((key, p) -> points.add(new SeriesPoints(key, p)));
                context.forward(new Record<>(GroupSamples.key(rule.name(), group.key()),
                        new GroupSamples(rule.name(), group.labels(), points), eventTime));
            });
        }
    }

    private static boolean selects(List<Selector> selectors, String metric, Map<String, String> labels) {
        for (Selector s : selectors) {
            if (s.matches(metric, labels)) {
                return true;
            }
        }
        return false;
    }

    private void emit(AlertTransition transition) {
        metrics.transitions.get(transition.getToState()).increment();
        context.forward(new Record<>(transition.getAlertId(), transition, transition.getAt()));
    }

    /** Reloads the rules when the global table changed; a change means every asset is looked at again. */
    private void syncRules() {
        long version = book.version();
        if (version == rulesVersion) {
            return;
        }
        rulesVersion = version;
        RuleSet fresh = RuleSet.of(book.load(ruleStore));
        for (String name : fresh.changedSince(rules)) {
            if (fresh.hasPerAsset(name) || rules.hasPerAsset(name)) {
                reevaluateAll = true;
            }
        }
        rules = fresh;
    }
}
