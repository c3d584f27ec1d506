package io.dams.rules.lang;

import java.math.BigDecimal;
import java.util.List;
import java.util.Objects;

/** {@code aggregate(selector) [by (...)] <op> threshold}: an aggregate over the window compared with a number. */
public record Comparison(Aggregation aggregation, ComparisonOp op, double threshold) implements Condition {

    public Comparison {
        Objects.requireNonNull(aggregation, "aggregation");
        Objects.requireNonNull(op, "op");
        if (!Double.isFinite(threshold)) {
            throw new IllegalArgumentException("threshold must be a finite number, not " + threshold);
        }
    }

    /** Whether an aggregate value satisfies this comparison; NaN satisfies none, as in Prometheus. */
    public boolean holdsFor(double value) {
        return op.test(value, threshold);
    }

    @Override
    public Grouping grouping() {
        return aggregation.grouping();
    }

    @Override
    public List<Comparison> comparisons() {
        return List.of(this);
    }

    @Override
    public List<Selector> selectors() {
        return List.of(aggregation.selector());
    }

    @Override
    public String render() {
        return aggregation.render() + " " + op.symbol() + " " + renderNumber(threshold);
    }

    @Override
    public Condition replaceThreshold(double newThreshold) {
        return new Comparison(aggregation, op, newThreshold);
    }

    /** A number as the rule language writes it: {@code 90}, {@code 0.5}, {@code -3}, {@code 10000000000}. */
    public static String renderNumber(double value) {
        if (value == 0) {
            return "0"; // also -0.0
        }
        return BigDecimal.valueOf(value).stripTrailingZeros().toPlainString();
    }
}
