package io.dams.rules.lang;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/** {@code left and right}: holds for a group when both sides hold for it. Binds tighter than {@code or}. */
public record And(Condition left, Condition right) implements Condition {

    public And {
        Objects.requireNonNull(left, "left");
        Objects.requireNonNull(right, "right");
        if (!left.grouping().sameAs(right.grouping())) {
            throw new IllegalArgumentException("both sides of 'and' must be grouped alike: "
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
        return operand(left) + " and " + operand(right);
    }

    private static String operand(Condition c) {
        return c instanceof Or ? "(" + c.render() + ")" : c.render();
    }

    @Override
    public Condition replaceThreshold(double threshold) {
        return new And(left.replaceThreshold(threshold), right.replaceThreshold(threshold));
    }
}
