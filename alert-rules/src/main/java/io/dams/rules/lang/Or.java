package io.dams.rules.lang;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@code left or right}: holds for a group when either side holds for it. */
public record Or(Condition left, Condition right) implements Condition {

    public Or {
        Objects.requireNonNull(left, "left");
        Objects.requireNonNull(right, "right");
        if (!left.grouping().sameAs(right.grouping())) {
            throw new IllegalArgumentException("both sides of 'or' must be grouped alike: "
                    + left.grouping().describe() + " vs " + right.grouping().describe());
        }
    }

    @Override
    public Grouping grouping() {
        return left.grouping();
    }

    @Override
    public List<Comparison> comparisons() {
        List<Comparison> all = new ArrayList<>(left.comparisons());
        all.addAll(right.comparisons());
        return List.copyOf(all);
    }

    @Override
    public List<Selector> selectors() {
        List<Selector> all = new ArrayList<>(left.selectors());
        all.addAll(right.selectors());
        return List.copyOf(all);
    }

    @Override
    public String render() {
        // 'and' binds tighter, so neither side ever needs parentheses.
        return left.render() + " or " + right.render();
    }

    @Override
    public Condition replaceThreshold(double threshold) {
        return new Or(left.replaceThreshold(threshold), right.replaceThreshold(threshold));
    }
}
