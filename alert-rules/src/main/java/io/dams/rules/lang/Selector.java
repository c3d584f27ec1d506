package io.dams.rules.lang;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;

/** A metric name with optional label matchers: {@code disk_used_percent{mount="/", device!~"loop.*"}}. */
public record Selector(String metric, List<LabelMatcher> matchers) {

    public Selector {
        Objects.requireNonNull(metric, "metric");
        matchers = List.copyOf(matchers);
    }

    public static Selector of(String metric) {
        return new Selector(metric, List.of());
    }

    /** Whether a series (metric name and labels) is selected. */
    public boolean matches(String seriesMetric, Map<String, String> labels) {
        if (!metric.equals(seriesMetric)) {
            return false;
        }
        for (LabelMatcher m : matchers) {
            if (!m.matches(labels)) {
                return false;
            }
        }
        return true;
    }

    public String render() {
        if (matchers.isEmpty()) {
            return metric;
        }
        return metric + matchers.stream().map(LabelMatcher::render).collect(Collectors.joining(", ", "{", "}"));
    }
}
