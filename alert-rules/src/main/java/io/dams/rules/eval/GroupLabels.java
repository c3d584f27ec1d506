package io.dams.rules.eval;

import io.dams.rules.lang.Grouping;
import java.util.Collections;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The labels that identify one alert of a rule: {@code asset_id} for a per-asset rule, the {@code by (...)} labels'
 * values for a grouped one. Labels with an empty value are left out: as in Prometheus, an empty label is no label.
 */
public record GroupLabels(SortedMap<String, String> labels) {

    public GroupLabels {
        labels = Collections.unmodifiableSortedMap(new TreeMap<>(labels));
        if (labels.containsValue("")) {
            throw new IllegalArgumentException("group labels have no empty values: " + labels);
        }
    }

    /** The group of a per-asset rule's alert. */
    public static GroupLabels ofAsset(String assetId) {
        return new GroupLabels(new TreeMap<>(Map.of(Series.ASSET_ID, assetId)));
    }

    /** The group a series belongs to under {@code grouping}. */
    public static GroupLabels of(Grouping grouping, Map<String, String> seriesLabels) {
        if (grouping.perAsset()) {
            return ofAsset(seriesLabels.getOrDefault(Series.ASSET_ID, ""));
        }
        TreeMap<String, String> labels = new TreeMap<>();
        for (String name : grouping.labels()) {
            String value = seriesLabels.getOrDefault(name, "");
            if (!value.isEmpty()) {
                labels.put(name, value);
            }
        }
        return new GroupLabels(labels);
    }

    /**
     * A canonical string, {@code {region="eu-west-1",site="lyon"}}; usable as the repartition key of grouped rules.
     */
    public String key() {
        return labels.entrySet().stream()
                .map(e -> e.getKey() + "=\"" + e.getValue().replace("\\", "\\\\").replace("\"", "\\\"")
                        .replace("\n", "\\n") + "\"")
                .collect(Collectors.joining(",", "{", "}"));
    }
}
