package io.dams.rules.lang;

import java.util.Objects;

/** {@code aggregate(selector) [by (labels)]}: what a comparison computes over the window. */
public record Aggregation(Aggregate aggregate, Selector selector, Grouping grouping) {

    public Aggregation {
        Objects.requireNonNull(aggregate, "aggregate");
        Objects.requireNonNull(selector, "selector");
        Objects.requireNonNull(grouping, "grouping");
    }

    /** A bare selector: the last value, per asset. */
    public static Aggregation last(Selector selector) {
        return new Aggregation(Aggregate.LAST, selector, Grouping.PER_ASSET);
    }

    public String render() {
        if (aggregate == Aggregate.LAST && grouping.perAsset()) {
            return selector.render();
        }
        String call = aggregate.keyword() + "(" + selector.render() + ")";
        return grouping.perAsset() ? call : call + " " + grouping.describe();
    }
}
