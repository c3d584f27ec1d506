package io.dams.rules.eval;

import io.dams.rules.lang.Absent;
import io.dams.rules.lang.And;
import io.dams.rules.lang.Comparison;
import io.dams.rules.lang.ComparisonOp;
import io.dams.rules.lang.Condition;
import io.dams.rules.lang.Or;
import io.dams.rules.lang.Selector;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Evaluates a condition over a window of series: the truth the rules job feeds into each alert's
 * {@link AlertStateMachine}.
 *
 * <p><b>Per asset</b> (no {@code by}), {@link #evaluateAsset}: a comparison is evaluated on each of the asset's
 * matching series separately, as Prometheus evaluates a rule per series, and holds for the asset when it holds for
 * any of them (so {@code disk_used_percent > 95} fires when any mount is full). The reported value is the most
 * extreme one in the comparison's direction (the highest for {@code >}/{@code >=}, the lowest for {@code <}/{@code <=},
 * else the first series' in label order), taken among the series that hold, or among all when none does.
 * {@code absent(s)} holds when no matching series of the asset has a sample in the window.
 *
 * <p><b>By group</b>, {@link #evaluateGroups}: the samples of all matching series of a group are aggregated together
 * (see {@link WindowAggregates#pooled}); a group is every distinct combination of the by labels among the matching
 * series.
 *
 * <p>{@code a and b} holds when both hold (value: a's, as PromQL's {@code and} keeps the left side); {@code a or b}
 * when either does (value: a's if a holds, else b's). A comparison with nothing to aggregate does not hold.
 */
public final class ConditionEvaluator {

    private static final Comparator<Series> CANONICAL = Comparator.comparing(Series::metric)
            .thenComparing(s -> s.labels().toString());

    private ConditionEvaluator() {
    }

    /**
     * The outcome of a per-asset condition for one asset.
     *
     * @param assetSeries the asset's series (any metrics; those the selectors do not match are ignored). An asset
     *                    with no series at all is passed as an empty collection: that is when absent() holds.
     * @throws IllegalArgumentException for a condition grouped {@code by (...)}
     */
    public static Outcome evaluateAsset(Condition condition, Collection<Series> assetSeries, WindowRange range) {
        if (!condition.grouping().perAsset()) {
            throw new IllegalArgumentException("'" + condition.render() + "' is grouped "
                    + condition.grouping().describe() + ": use evaluateGroups");
        }
        List<Series> sorted = new ArrayList<>(assetSeries);
        sorted.sort(CANONICAL);
        return asset(condition, sorted, range);
    }

    /**
     * The outcome of a grouped condition for every group that has a matching series (with or without samples in the
     * window). A group that disappears from the input no longer holds; the caller resolves its alert.
     *
     * @param series the series of every asset that can fall into the groups evaluated
     * @throws IllegalArgumentException for a per-asset condition
     */
    public static Map<GroupLabels, Outcome> evaluateGroups(Condition condition, Collection<Series> series,
                                                           WindowRange range) {
        if (condition.grouping().perAsset()) {
            throw new IllegalArgumentException("'" + condition.render() + "' is per asset: use evaluateAsset");
        }
        List<Series> sorted = new ArrayList<>(series);
        sorted.sort(CANONICAL);
        return groups(condition, sorted, range);
    }

    private static Outcome asset(Condition condition, List<Series> series, WindowRange range) {
        if (condition instanceof Comparison c) {
            return assetComparison(c, series, range);
        }
        if (condition instanceof Absent a) {
            boolean any = series.stream().anyMatch(s -> selects(a.selector(), s)
                    && !WindowAggregates.inside(s.points(), range).isEmpty());
            return any ? new Outcome(false, OptionalDouble.empty(), OptionalDouble.empty())
                    : new Outcome(true, OptionalDouble.of(1), OptionalDouble.empty());
        }
        if (condition instanceof And and) {
            return and(asset(and.left(), series, range), asset(and.right(), series, range));
        }
        Or or = (Or) condition;
        return or(asset(or.left(), series, range), asset(or.right(), series, range));
    }

    private static Outcome assetComparison(Comparison c, List<Series> series, WindowRange range) {
        OptionalDouble threshold = OptionalDouble.of(c.threshold());
        Double bestHolding = null;
        Double bestAny = null;
        for (Series s : series) {
            if (!selects(c.aggregation().selector(), s)) {
                continue;
            }
            OptionalDouble v = WindowAggregates.of(c.aggregation().aggregate(), s.points(), range);
            if (v.isEmpty()) {
                continue;
            }
            double value = v.getAsDouble();
            bestAny = more(c.op(), bestAny, value);
            if (c.holdsFor(value)) {
                bestHolding = more(c.op(), bestHolding, value);
            }
        }
        if (bestHolding != null) {
            return new Outcome(true, OptionalDouble.of(bestHolding), threshold);
        }
        return new Outcome(false, bestAny == null ? OptionalDouble.empty() : OptionalDouble.of(bestAny), threshold);
    }

    /** The value to report between the one so far and a new one. */
    private static Double more(ComparisonOp op, Double current, double candidate) {
        if (current == null) {
            return candidate;
        }
        return switch (op) {
            case GREATER, GREATER_OR_EQUAL -> candidate > current ? candidate : current;
            case LESS, LESS_OR_EQUAL -> candidate < current ? candidate : current;
            default -> current;
        };
    }

    private static Map<GroupLabels, Outcome> groups(Condition condition, List<Series> series, WindowRange range) {
        if (condition instanceof Comparison c) {
            Map<GroupLabels, List<List<Point>>> byGroup = new LinkedHashMap<>();
            for (Series s : series) {
                if (selects(c.aggregation().selector(), s)) {
                    byGroup.computeIfAbsent(GroupLabels.of(c.grouping(), s.labels()), g -> new ArrayList<>())
                            .add(s.points());
                }
            }
            Map<GroupLabels, Outcome> out = new TreeMap<>(Comparator.comparing(GroupLabels::key));
            OptionalDouble threshold = OptionalDouble.of(c.threshold());
            byGroup.forEach((group, points) -> {
                OptionalDouble v = WindowAggregates.pooled(c.aggregation().aggregate(), points, range);
                out.put(group, new Outcome(v.isPresent() && c.holdsFor(v.getAsDouble()), v, threshold));
            });
            return out;
        }
        if (condition instanceof And and) {
            return combine(groups(and.left(), series, range), groups(and.right(), series, range), true);
        }
        if (condition instanceof Or or) {
            return combine(groups(or.left(), series, range), groups(or.right(), series, range), false);
        }
        throw new IllegalArgumentException("'" + condition.render() + "' cannot be grouped");
    }

    private static Map<GroupLabels, Outcome> combine(Map<GroupLabels, Outcome> left, Map<GroupLabels, Outcome> right,
                                                     boolean and) {
        Map<GroupLabels, Outcome> out = new TreeMap<>(Comparator.comparing(GroupLabels::key));
        for (GroupLabels g : union(left, right)) {
            Outcome l = left.getOrDefault(g, Outcome.NO_DATA);
            Outcome r = right.getOrDefault(g, Outcome.NO_DATA);
            out.put(g, and ? and(l, r) : or(l, r));
        }
        return out;
    }

    private static List<GroupLabels> union(Map<GroupLabels, Outcome> a, Map<GroupLabels, Outcome> b) {
        List<GroupLabels> all = new ArrayList<>(a.keySet());
        for (GroupLabels g : b.keySet()) {
            if (!a.containsKey(g)) {
                all.add(g);
            }
        }
        return all;
    }

    private static Outcome and(Outcome l, Outcome r) {
        return new Outcome(l.holds() && r.holds(), l.value(), l.threshold());
    }

    private static Outcome or(Outcome l, Outcome r) {
        if (l.holds() || !r.holds()) {
            return new Outcome(l.holds(), l.value(), l.threshold());
        }
        return r;
    }

    private static boolean selects(Selector selector, Series s) {
        return selector.matches(s.metric(), s.labels());
    }
}
