package io.dams.streams.rules;

import io.dams.rules.AlertRule;
import io.dams.rules.lang.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One task's parsed snapshot of the rules table, split the way the processors use it.
 *
 * @param all        every rule by name
 * @param perAsset   rules evaluated per asset, by name
 * @param grouped    {@code by (...)} rules, by name
 * @param selectors  the selectors of the per-asset rules: the series an asset's state keeps
 * @param minWindowMs the shortest per-asset window (how long an asset must be silent before the wall clock
 *                   re-evaluates it); {@link Long#MAX_VALUE} without per-asset rules
 * @param maxWindowMs the longest per-asset window (how far back points are kept); 0 without per-asset rules
 */
record RuleSet(Map<String, AlertRule> all, List<AlertRule> perAsset, List<AlertRule> grouped,
               List<Selector> selectors, long minWindowMs, long maxWindowMs) {

    static final RuleSet EMPTY = of(Map.of());

    static RuleSet of(Map<String, AlertRule> rules) {
        List<AlertRule> perAsset = new ArrayList<>();
        List<AlertRule> grouped = new ArrayList<>();
        List<Selector> selectors = new ArrayList<>();
        long min = Long.MAX_VALUE;
        long max = 0;
        for (AlertRule rule : rules.values()) {
            if (rule.grouping().perAsset()) {
                perAsset.add(rule);
                selectors.addAll(rule.condition().selectors());
                min = Math.min(min, rule.window().toMillis());
                max = Math.max(max, rule.window().toMillis());
            } else {
                grouped.add(rule);
            }
        }
        return new RuleSet(Map.copyOf(rules), List.copyOf(perAsset), List.copyOf(grouped),
                List.copyOf(selectors), min, max);
    }

    /** Whether some per-asset rule selects this series. */
    boolean keepsForAsset(String metric, Map<String, String> labels) {
        for (Selector s : selectors) {
            if (s.matches(metric, labels)) {
                return true;
            }
        }
        return false;
    }

    boolean hasPerAsset(String ruleName) {
        AlertRule rule = all.get(ruleName);
        return rule != null && rule.grouping().perAsset();
    }

    /** Names of the rules added, changed or deleted since {@code before}. */
    Set<String> changedSince(RuleSet before) {
        Set<String> names = new TreeSet<>(all.keySet());
        names.addAll(before.all.keySet());
        names.removeIf(n -> Objects.equals(all.get(n), before.all.get(n)));
        return names;
    }
}
