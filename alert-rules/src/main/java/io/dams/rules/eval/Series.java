package io.dams.rules.eval;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.names.PrometheusNames;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One series as rules see it: metric name, labels (the sample's own plus its asset's identity) and its samples in
 * time order.
 */
public record Series(String metric, Map<String, String> labels, List<Point> points) {

    /** Label of every series: the asset that sent it. */
    public static final String ASSET_ID = "asset_id";
    /** Label of every series: the asset's region. */
    public static final String REGION = "region";
    /** Label of a series whose asset has a site. */
    public static final String SITE = "site";

    public Series {
        Objects.requireNonNull(metric, "metric");
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        points = List.copyOf(points);
        for (int i = 1; i < points.size(); i++) {
            if (points.get(i).timestampMs() < points.get(i - 1).timestampMs()) {
                throw new IllegalArgumentException(metric + labels + ": points out of time order at index " + i);
            }
        }
    }

    /** {@code asset_id} of the series, or {@code ""}. */
    public String assetId() {
        return labels.getOrDefault(ASSET_ID, "");
    }

    /**
     * The labels selectors and {@code by (...)} see for a sample of a batch: the asset's tags (those with valid
     * label names), overlaid by the sample's labels, overlaid by {@code asset_id}, {@code region} and {@code site}
     * from the batch, so that a sample cannot pass itself off as another asset or region.
     */
    public static Map<String, String> labelsOf(MetricBatch batch, Sample sample) {
        Map<String, String> labels = new TreeMap<>();
        batch.getTags().forEach((k, v) -> {
            if (PrometheusNames.isLabelName(k)) {
                labels.put(k, v);
            }
        });
        labels.putAll(sample.getLabels());
        labels.put(ASSET_ID, batch.getAssetId());
        labels.put(REGION, batch.getRegion());
        if (batch.getSite() != null) {
            labels.put(SITE, batch.getSite());
        }
        return labels;
    }
}
