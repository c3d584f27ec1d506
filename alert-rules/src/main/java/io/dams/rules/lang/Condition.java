package io.dams.rules.lang;

import java.util.List;

/**
 * The parsed {@code condition} of an alert rule: comparisons of window aggregates with numbers, {@code absent(...)},
 * combined with {@code and} / {@code or}. Immutable; equal conditions mean the same thing.
 */
public sealed interface Condition permits Comparison, Absent, And, Or {

    /** Parses condition text, throwing when it has any error; use {@link ConditionParser#parse} to get all of them. */
    static Condition parse(String text) {
        return ConditionParser.parse(text).orThrow(text);
    }

    /** How the condition's alerts are grouped: per asset, or by labels across assets. Both sides of and/or agree. */
    Grouping grouping();

    /** Every comparison, left to right; empty for a lone {@code absent(...)}. */
    List<Comparison> comparisons();

    /** Every selector, left to right. */
    List<Selector> selectors();

    /** Canonical text in the rule language; parsing it gives an equal condition. */
    String render();

    /**
     * The same condition with the threshold of its only comparison replaced (a per-region override).
     *
     * @throws IllegalStateException when the condition has no comparison or more than one
     */
    default Condition withThreshold(double threshold) {
        if (comparisons().size() != 1) {
            throw new IllegalStateException("'" + render() + "' has " + comparisons().size()
                    + " thresholds; only a condition with exactly one can take a threshold override");
        }
        return replaceThreshold(threshold);
    }

    /** {@link #withThreshold} without the check; each comparison takes the new threshold. */
    Condition replaceThreshold(double threshold);
}
