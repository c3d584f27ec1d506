package io.dams.streams.rules;

import io.dams.schemas.avro.AlertState;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The rules job's self-metrics: {@code dams_rules_evaluations_total{scope="asset"|"group"}},
 * {@code dams_rules_transitions_total{to}}, {@code dams_rules_loaded} (rules in the table that parse),
 * {@code dams_rules_rejected_total{reason="undecodable"|"invalid"}} (rule records skipped),
 * {@code dams_rules_points_dropped_total{reason="late"|"limit"}} and {@code dams_rules_series_dropped_total}.
 */
public final class RulesMetrics {

    public static final String EVALUATIONS = "dams.rules.evaluations";
    public static final String TRANSITIONS = "dams.rules.transitions";
    public static final String LOADED = "dams.rules.loaded";
    public static final String REJECTED = "dams.rules.rejected";
    public static final String POINTS_DROPPED = "dams.rules.points.dropped";
    public static final String SERIES_DROPPED = "dams.rules.series.dropped";

    final Counter assetEvaluations;
    final Counter groupEvaluations;
    final Map<AlertState, Counter> transitions = new EnumMap<>(AlertState.class);
    final Counter undecodableRules;
    final Counter invalidRules;
    final Counter latePoints;
    final Counter pointsOverLimit;
    final Counter seriesOverLimit;
    final AtomicInteger loaded = new AtomicInteger();

    public RulesMetrics(MeterRegistry registry) {
        assetEvaluations = evaluations(registry, "asset");
        groupEvaluations = evaluations(registry, "group");
        for (AlertState to : AlertState.values()) {
            transitions.put(to, Counter.builder(TRANSITIONS).description("Alert state changes, by the state reached")
                    .tag("to", to.name().toLowerCase(Locale.ROOT)).register(registry));
        }
        undecodableRules = rejected(registry, "undecodable");
        invalidRules = rejected(registry, "invalid");
        latePoints = points(registry, "late");
        pointsOverLimit = points(registry, "limit");
        seriesOverLimit = Counter.builder(SERIES_DROPPED)
                .description("Series not kept for rule windows because their asset has maxSeriesPerAsset already")
                .register(registry);
        Gauge.builder(LOADED, loaded, AtomicInteger::get).description("Rules of dams.rules that parse and apply")
                .register(registry);
    }

    private static Counter evaluations(MeterRegistry registry, String scope) {
        return Counter.builder(EVALUATIONS).description("Rule evaluations: per asset and rule, or per group and rule")
                .tag("scope", scope).register(registry);
    }

    private static Counter rejected(MeterRegistry registry, String reason) {
        return Counter.builder(REJECTED).description("dams.rules records skipped: undecodable bytes or a rule that"
                + " does not parse").tag("reason", reason).register(registry);
    }

    private static Counter points(MeterRegistry registry, String reason) {
        return Counter.builder(POINTS_DROPPED).description("Samples not kept for rule windows: older than the longest"
                + " window (late) or over maxPointsPerSeries (limit)").tag("reason", reason).register(registry);
    }
}
