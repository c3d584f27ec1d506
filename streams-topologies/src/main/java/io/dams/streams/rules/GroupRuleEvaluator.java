package io.dams.streams.rules;

import io.dams.rules.AlertRule;
import io.dams.rules.eval.AlertStateMachine;
import io.dams.rules.eval.ConditionEvaluator;
import io.dams.rules.eval.GroupLabels;
import io.dams.rules.eval.Outcome;
import io.dams.rules.eval.Point;
import io.dams.rules.eval.Series;
import io.dams.rules.eval.WindowRange;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Rule;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalDouble;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.StringSerializer;
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
 * Evaluates {@code by (...)} rules across assets. Its input is repartitioned by rule and group, so each group of each
 * rule lives in one task. A record (one asset's samples for one group) writes only that asset's series entries
 * ({@code rule\0group\0series} in {@value #SERIES_STORE}); the group's alert lives in one entry of
 * {@value #ALERTS_STORE} ({@code rule\0group\0}).
 *
 * <p>Groups are evaluated every {@code checkInterval} of wall-clock time, not on each record (that would cost the
 * whole group's points for each asset's batch), as Prometheus evaluates its rules at an interval: at the event time
 * of the group's newest sample plus the wall-clock time since it arrived, over the group's series read with a prefix
 * scan, with the rule as it applies in the group's region. A deleted rule ends its groups' alerts and drops their
 * state; a group whose series have all left the window and whose alert is not active is dropped.
 */
final class GroupRuleEvaluator implements Processor<String, GroupSamples, String, AlertTransition> {

    /** rule\0group\0series → that series' points. */
    static final String SERIES_STORE = "rule-group-series";
    /** rule\0group\0 → the group's clock and alert. */
    static final String ALERTS_STORE = "rule-group-alerts";

    private final RulesSettings settings;
    private final RuleBook book;
    private final RulesMetrics metrics;
    private ProcessorContext<String, AlertTransition> context;
    private KeyValueStore<String, SeriesPoints> series;
    private KeyValueStore<String, GroupAlert> alerts;
    private ReadOnlyKeyValueStore<String, Rule> ruleStore;
    private long rulesVersion = -1;
    private RuleSet rules = RuleSet.EMPTY;
    /** Group prefix → what evaluating it needs besides its series; sorted, so evaluation order is stable. */
    private final Map<String, Watch> index = new TreeMap<>();

    /** A group's clock: newest sample, its wall-clock arrival, the last evaluation. */
    private static final class Watch {
        final String ruleName;
        final SortedMap<String, String> labels;
        long lastEventMs;
        long lastArrivalMs;
        long clockMs;

        Watch(String ruleName, SortedMap<String, String> labels, long lastEventMs, long lastArrivalMs, long clockMs) {
            this.ruleName = ruleName;
            this.labels = labels;
            this.lastEventMs = lastEventMs;
            this.lastArrivalMs = lastArrivalMs;
            this.clockMs = clockMs;
        }
    }

    GroupRuleEvaluator(RulesSettings settings, RuleBook book, RulesMetrics metrics) {
        this.settings = settings;
        this.book = book;
        this.metrics = metrics;
    }

    static StoreBuilder<KeyValueStore<String, SeriesPoints>> seriesStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(SERIES_STORE), Serdes.String(),
                new SeriesPoints.Serde()).withCachingEnabled();
    }

    static StoreBuilder<KeyValueStore<String, GroupAlert>> alertsStore() {
        return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(ALERTS_STORE), Serdes.String(),
                new GroupAlert.Serde()).withCachingEnabled();
    }

    @Override
    public void init(ProcessorContext<String, AlertTransition> context) {
        this.context = context;
        this.series = context.getStateStore(SERIES_STORE);
        this.alerts = context.getStateStore(ALERTS_STORE);
        this.ruleStore = context.getStateStore(RulesTopology.RULES_STORE);
        long startedAt = context.currentSystemTimeMs();
        syncRules();
        try (KeyValueIterator<String, GroupAlert> all = alerts.all()) {
            while (all.hasNext()) {
                KeyValue<String, GroupAlert> e = all.next();
                index.put(e.key, new Watch(e.value.ruleName(), e.value.groupLabels(), e.value.lastEventMs(),
                        startedAt, e.value.clockMs()));
            }
        }
        try (KeyValueIterator<String, SeriesPoints> all = series.all()) {
            while (all.hasNext()) {
                KeyValue<String, SeriesPoints> e = all.next();
                Watch watch = index.get(prefixOf(e.key));
                if (watch != null && !e.value.points().isEmpty()) {
                    List<Point> points = e.value.points();
                    watch.lastEventMs = Math.max(watch.lastEventMs, points.get(points.size() - 1).timestampMs());
                }
            }
        }
        context.schedule(settings.checkInterval(), PunctuationType.WALL_CLOCK_TIME, this::evaluateAll);
    }

    @Override
    public void process(Record<String, GroupSamples> record) {
        String prefix = record.key();
        GroupSamples samples = record.value();
        if (prefix == null || samples == null) {
            return;
        }
        syncRules();
        AlertRule rule = rules.all().get(samples.ruleName());
        if (rule == null || rule.grouping().perAsset()) {
            return; // the rule changed since the samples were sent
        }
        long now = context.currentSystemTimeMs();
        Watch watch = index.get(prefix);
        if (watch == null) {
            watch = new Watch(samples.ruleName(), samples.groupLabels(), AssetRules.NEVER, now, AssetRules.NEVER);
            index.put(prefix, watch);
            alerts.put(prefix, new GroupAlert(samples.ruleName(), samples.groupLabels(), AssetRules.NEVER,
                    AssetRules.NEVER, null));
        }
        long newest = AssetRules.NEVER;
        for (SeriesPoints s : samples.series()) {
            for (Point p : s.points()) {
                newest = Math.max(newest, p.timestampMs());
            }
        }
        long horizon = Math.max(Math.max(watch.lastEventMs, watch.clockMs), newest) - rule.window().toMillis();
        for (SeriesPoints s : samples.series()) {
            String id = prefix + s.id();
            SeriesPoints stored = series.get(id);
            List<Point> points = stored == null ? new ArrayList<>() : new ArrayList<>(stored.points());
            for (Point p : s.points()) {
                if (p.timestampMs() <= horizon) {
                    metrics.latePoints.increment();
                } else {
                    PointWindow.insert(points, p);
                }
            }
            int over = PointWindow.keepNewest(points, settings.maxPointsPerSeries());
            if (over > 0) {
                metrics.pointsOverLimit.increment(over);
            }
            if (!points.isEmpty()) {
                series.put(id, new SeriesPoints(s.key(), points));
            }
        }
        watch.lastEventMs = Math.max(watch.lastEventMs, newest);
        watch.lastArrivalMs = now;
    }

    /** Evaluates every group of this task. */
    private void evaluateAll(long now) {
        syncRules();
        for (Map.Entry<String, Watch> e : new ArrayList<>(index.entrySet())) {
            evaluate(e.getKey(), e.getValue(), now);
        }
    }

    private void evaluate(String prefix, Watch watch, long now) {
        AlertRule rule = rules.all().get(watch.ruleName);
        GroupAlert stored = alerts.get(prefix);
        AlertEntry entry = stored == null ? null : stored.alert();
        GroupLabels group = new GroupLabels(watch.labels);
        long at = Math.max(watch.clockMs, watch.lastEventMs + Math.max(0, now - watch.lastArrivalMs));
        if (rule == null || rule.grouping().perAsset() || watch.lastEventMs == AssetRules.NEVER) {
            if (entry != null) {
                String region = watch.labels.get(Series.REGION);
                entry.retire(watch.clockMs == AssetRules.NEVER ? now : at).ifPresent(t -> emit(AlertTransitions.of(
                        watch.ruleName, group, null, region, entry.facts(), t, OptionalDouble.empty(), now)));
            }
            forget(prefix);
            return;
        }
        List<Series> groupSeries = new ArrayList<>();
        Map<String, SeriesPoints> trimmed = new HashMap<>();
        long horizon = at - rule.window().toMillis();
        try (KeyValueIterator<String, SeriesPoints> all = series.prefixScan(prefix, new StringSerializer())) {
            while (all.hasNext()) {
                KeyValue<String, SeriesPoints> s = all.next();
                List<Point> points = new ArrayList<>(s.value.points());
                if (PointWindow.dropUpTo(points, horizon) > 0) {
                    trimmed.put(s.key, points.isEmpty() ? null : new SeriesPoints(s.value.key(), points));
                }
                if (!points.isEmpty()) {
                    groupSeries.add(new Series(s.value.key().name(), s.value.key().labels(), points));
                }
            }
        }
        trimmed.forEach((id, s) -> {
            if (s == null) {
                series.delete(id);
            } else {
                series.put(id, s);
            }
        });
        String region = regionOf(watch.labels, groupSeries);
        AlertRule effective = rule.effective(region);
        Map<GroupLabels, Outcome> outcomes = ConditionEvaluator.evaluateGroups(effective.condition(), groupSeries,
                WindowRange.ending(at, effective.window()));
        Outcome outcome = outcomes.getOrDefault(group, Outcome.NO_DATA);
        metrics.groupEvaluations.increment();
        AlertStateMachine machine = entry == null ? AlertStateMachine.inactive() : entry.machine();
        AlertStateMachine.Step step = machine.observe(outcome.holds(), at, effective.duration());
        AlertFacts facts = AlertFacts.of(effective);
        step.transition().ifPresent(t -> emit(AlertTransitions.of(watch.ruleName, group, null, region, facts, t,
                outcome.value(), now)));
        AlertEntry next = step.next().state() == AlertState.INACTIVE ? null : new AlertEntry(step.next(), facts);
        watch.clockMs = at;
        if (groupSeries.isEmpty() && (next == null || next.machine().state() == AlertState.RESOLVED)) {
            forget(prefix);
            return;
        }
        // The clock alone moved: no need to write (it is rebuilt from the newest point on start).
        if (stored == null || stored.lastEventMs() != watch.lastEventMs || !sameAlert(entry, next)) {
            alerts.put(prefix, new GroupAlert(watch.ruleName, watch.labels, watch.lastEventMs, at, next));
        }
    }

    /** Whether two versions of an alert differ only in their last observation. */
    private static boolean sameAlert(AlertEntry a, AlertEntry b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.machine().state() == b.machine().state()
                && a.machine().activeSinceMs().equals(b.machine().activeSinceMs()) && a.facts().equals(b.facts());
    }

    /** The group's region: its {@code region} label, else the one region all its series share, else none. */
    private static String regionOf(SortedMap<String, String> labels, List<Series> groupSeries) {
        String region = labels.get(Series.REGION);
        if (region != null) {
            return region;
        }
        for (Series s : groupSeries) {
            String r = s.labels().get(Series.REGION);
            if (region != null && !Objects.equals(region, r)) {
                return null;
            }
            region = r;
        }
        return region;
    }

    private void forget(String prefix) {
        List<String> ids = new ArrayList<>();
        try (KeyValueIterator<String, SeriesPoints> all = series.prefixScan(prefix, new StringSerializer())) {
            while (all.hasNext()) {
                ids.add(all.next().key);
            }
        }
        ids.forEach(series::delete);
        alerts.delete(prefix);
        index.remove(prefix);
    }

    private void emit(AlertTransition transition) {
        metrics.transitions.get(transition.getToState()).increment();
        context.forward(new Record<>(transition.getAlertId(), transition, transition.getAt()));
    }

    /** {@code rule\0group\0} of a series entry's key {@code rule\0group\0series}. */
    private static String prefixOf(String seriesKey) {
        int first = seriesKey.indexOf('\0');
        return seriesKey.substring(0, seriesKey.indexOf('\0', first + 1) + 1);
    }

    private void syncRules() {
        long version = book.version();
        if (version != rulesVersion) {
            rulesVersion = version;
            rules = RuleSet.of(book.load(ruleStore));
        }
    }
}
