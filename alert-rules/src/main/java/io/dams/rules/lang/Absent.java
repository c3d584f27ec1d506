package io.dams.rules.lang;

import java.util.List;
import java.util.Objects;

/** {@code absent(selector)}: true for an asset that sent no matching sample during the window. Always per asset. */
public record Absent(Selector selector) implements Condition {

    public Absent {
        Objects.requireNonNull(selector, "selector");
    }

    @Override
    public Grouping grouping() {
        return Grouping.PER_ASSET;
    }

    @Override
    public List<Comparison> comparisons() {
        return List.of();
    }

    @Override
    public List<Selector> selectors() {
        return List.of(selector);
    }

    @Override
    public String render() {
        return "absent(" + selector.render() + ")";
    }

    @Override
    public Condition replaceThreshold(double threshold) {
        return this;
    }
}
