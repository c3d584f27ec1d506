package io.dams.rules.lang;

import java.util.HashSet;
import java.util.List;
import java.util.Objects;

/**
 * How a condition's alerts are grouped: per asset (no {@code by}), or {@code by (labels)} across assets, one alert per
 * distinct combination of those labels' values. {@code by ()} is one group for the whole fleet.
 */
public record Grouping(boolean perAsset, List<String> labels) {

    public static final Grouping PER_ASSET = new Grouping(true, List.of());

    public Grouping {
        labels = List.copyOf(Objects.requireNonNull(labels, "labels"));
        if (perAsset && !labels.isEmpty()) {
            throw new IllegalArgumentException("a per-asset grouping has no by labels");
        }
        if (new HashSet<>(labels).size() != labels.size()) {
            throw new IllegalArgumentException("by labels repeat: " + labels);
        }
    }

    public static Grouping by(List<String> labels) {
        return new Grouping(false, labels);
    }

    /** Same kind and same labels, in any order. */
    public boolean sameAs(Grouping other) {
        return perAsset == other.perAsset && new HashSet<>(labels).equals(new HashSet<>(other.labels));
    }

    /** {@code per asset} or {@code by (region, site)}. */
    public String describe() {
        return perAsset ? "per asset" : "by (" + String.join(", ", labels) + ")";
    }
}
