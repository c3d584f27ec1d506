package io.dams.rules;

import io.dams.rules.lang.Condition;
import io.dams.rules.lang.Grouping;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.RuleOverride;
import io.dams.schemas.avro.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalDouble;
import java.util.Set;
import java.util.TreeMap;

/**
 * A checked alert rule: what one entry of {@code policies.yaml} and one record of {@code dams.rules} say.
 *
 * @param conditionText the condition as written (stripped); the Avro form keeps this text
 * @param condition     the parsed {@code conditionText}
 * @param duration      how long the condition must hold before the alert fires; zero fires at once
 * @param window        the sliding event-time window the aggregates run over
 * @param labels        extra labels of the rule's alerts (sorted by name)
 * @param annotations   free text for the notifications, e.g. summary, runbook_url (sorted by name)
 * @param overrides     per-region threshold and duration, at most one per region
 */
public record AlertRule(
        String name,
        String conditionText,
        Condition condition,
        Duration duration,
        Duration window,
        Severity severity,
        List<String> channels,
        Map<String, String> labels,
        Map<String, String> annotations,
        List<RegionOverride> overrides) {

    public static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);

    public AlertRule {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(conditionText, "conditionText");
        Objects.requireNonNull(condition, "condition");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(window, "window");
        Objects.requireNonNull(severity, "severity");
        channels = List.copyOf(channels);
        labels = Collections.unmodifiableMap(new TreeMap<>(labels));
        annotations = Collections.unmodifiableMap(new TreeMap<>(annotations));
        overrides = List.copyOf(overrides);
        if (name.isBlank()) {
            throw new IllegalArgumentException("a rule needs a name");
        }
        if (duration.isNegative()) {
            throw new IllegalArgumentException(name + ": duration is negative");
        }
        if (window.isNegative() || window.isZero()) {
            throw new IllegalArgumentException(name + ": window must be longer than 0");
        }
        Set<String> regions = new HashSet<>();
        for (RegionOverride o : overrides) {
            if (!regions.add(o.region())) {
                throw new IllegalArgumentException(name + ": region " + o.region() + " is overridden twice");
            }
            if (o.threshold().isPresent() && condition.comparisons().size() != 1) {
                throw new IllegalArgumentException(name + ": a threshold override needs a condition with exactly one"
                        + " threshold");
            }
        }
    }

    /** How the rule's alerts are grouped (the condition's grouping). */
    public Grouping grouping() {
        return condition.grouping();
    }

    /** The threshold, when the condition has exactly one comparison. */
    public OptionalDouble threshold() {
        return condition.comparisons().size() == 1
                ? OptionalDouble.of(condition.comparisons().get(0).threshold()) : OptionalDouble.empty();
    }

    public Optional<RegionOverride> override(String region) {
        return overrides.stream().filter(o -> o.region().equals(region)).findFirst();
    }

    /**
     * The rule as it applies in {@code region}: its override's threshold and duration in place of the rule's, and no
     * overrides left. The rule itself when the region has no override or is unknown ({@code null}).
     */
    public AlertRule effective(String region) {
        Optional<RegionOverride> override = region == null ? Optional.empty() : override(region);
        if (override.isEmpty()) {
            return this;
        }
        RegionOverride o = override.get();
        Condition c = o.threshold().isPresent() ? condition.withThreshold(o.threshold().getAsDouble()) : condition;
        String text = o.threshold().isPresent() ? c.render() : conditionText;
        return new AlertRule(name, text, c, o.duration().orElse(duration), window, severity, channels, labels,
                annotations, List.of());
    }

    /** The Avro record for {@code dams.rules}. */
    public Rule toAvro(Instant updatedAt, String updatedBy) {
        List<RuleOverride> avroOverrides = new ArrayList<>();
        for (RegionOverride o : overrides) {
            avroOverrides.add(RuleOverride.newBuilder()
                    .setRegion(o.region())
                    .setThreshold(o.threshold().isPresent() ? o.threshold().getAsDouble() : null)
                    .setDurationMs(o.duration().map(Duration::toMillis).orElse(null))
                    .build());
        }
        return Rule.newBuilder()
                .setName(name)
                .setCondition(conditionText)
                .setDurationMs(duration.toMillis())
                .setWindowMs(window.toMillis())
                .setSeverity(severity)
                .setChannels(new ArrayList<>(channels))
                .setLabels(new TreeMap<>(labels))
                .setAnnotations(new TreeMap<>(annotations))
                .setOverrides(avroOverrides)
                .setUpdatedAt(updatedAt.toEpochMilli())
                .setUpdatedBy(updatedBy)
                .build();
    }

    /**
     * The rule of a {@code dams.rules} record, its condition parsed again.
     *
     * @throws IllegalArgumentException naming the rule and what is wrong, for a record that no longer checks (a
     *                                  {@link io.dams.rules.lang.ConditionSyntaxException} for its condition)
     */
    public static AlertRule fromAvro(Rule rule) {
        List<RegionOverride> overrides = new ArrayList<>();
        for (RuleOverride o : rule.getOverrides()) {
            overrides.add(new RegionOverride(o.getRegion(),
                    o.getThreshold() == null ? OptionalDouble.empty() : OptionalDouble.of(o.getThreshold()),
                    Optional.ofNullable(o.getDurationMs()).map(Duration::ofMillis)));
        }
        return new AlertRule(rule.getName(), rule.getCondition(), Condition.parse(rule.getCondition()),
                Duration.ofMillis(rule.getDurationMs()), Duration.ofMillis(rule.getWindowMs()), rule.getSeverity(),
                rule.getChannels(), rule.getLabels(), rule.getAnnotations(), overrides);
    }
}
