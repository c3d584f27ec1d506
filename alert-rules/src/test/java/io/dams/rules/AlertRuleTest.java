package io.dams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.rules.lang.Condition;
import io.dams.rules.lang.ConditionSyntaxException;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.RuleOverride;
import io.dams.schemas.avro.Severity;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class AlertRuleTest {

    private static AlertRule rule(String condition, List<RegionOverride> overrides) {
        return new AlertRule("memory-pressure", condition, Condition.parse(condition), Duration.ofMinutes(10),
                Duration.ofMinutes(5), Severity.WARNING, List.of("slack"), Map.of("team", "infra"),
                Map.of("summary", "memory"), overrides);
    }

    private static final List<RegionOverride> OVERRIDES = List.of(
            new RegionOverride("ap-southeast-1", OptionalDouble.of(97), Optional.empty()),
            new RegionOverride("eu-west-1", OptionalDouble.empty(), Optional.of(Duration.ofMinutes(30))),
            new RegionOverride("us-east-1", OptionalDouble.of(95), Optional.of(Duration.ZERO)));

    @Test
    void shouldApplyARegionsThresholdAndDuration() {
        AlertRule r = rule("avg(memory_used_percent) > 90", OVERRIDES);

        AlertRule ap = r.effective("ap-southeast-1");
        assertThat(ap.threshold()).hasValue(97);
        assertThat(ap.conditionText()).isEqualTo("avg(memory_used_percent) > 97");
        assertThat(ap.duration()).isEqualTo(Duration.ofMinutes(10));
        assertThat(ap.overrides()).isEmpty();

        AlertRule eu = r.effective("eu-west-1");
        assertThat(eu.condition()).isEqualTo(r.condition());
        assertThat(eu.conditionText()).isEqualTo(r.conditionText());
        assertThat(eu.duration()).isEqualTo(Duration.ofMinutes(30));

        AlertRule us = r.effective("us-east-1");
        assertThat(us.threshold()).hasValue(95);
        assertThat(us.duration()).isZero();
    }

    @Test
    void shouldBeItselfInARegionWithoutOverride() {
        AlertRule r = rule("avg(memory_used_percent) > 90", OVERRIDES);
        assertThat(r.effective("sa-east-1")).isSameAs(r);
        assertThat(r.effective(null)).isSameAs(r);
    }

    @Test
    void shouldOverrideOnlyTheDurationOfAConditionWithoutASingleThreshold() {
        AlertRule r = rule("absent(uptime_seconds)", List.of(
                new RegionOverride("eu-west-1", OptionalDouble.empty(), Optional.of(Duration.ofMinutes(3)))));
        assertThat(r.threshold()).isEmpty();
        assertThat(r.effective("eu-west-1").duration()).isEqualTo(Duration.ofMinutes(3));
        assertThatThrownBy(() -> rule("x > 1 and y > 2", List.of(
                new RegionOverride("eu-west-1", OptionalDouble.of(3), Optional.empty()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("exactly one threshold");
        assertThatThrownBy(() -> rule("x > 1", List.of(
                new RegionOverride("eu", OptionalDouble.of(3), Optional.empty()),
                new RegionOverride("eu", OptionalDouble.of(4), Optional.empty()))))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("overridden twice");
    }

    @Test
    void shouldConvertToAvroAndBackKeepingTheConditionText() {
        AlertRule r = rule("avg( memory_used_percent ) > 90", OVERRIDES);
        Instant at = Instant.parse("2025-01-02T03:04:05Z");
        Rule avro = r.toAvro(at, "alice");
        assertThat(avro.getName()).isEqualTo("memory-pressure");
        assertThat(avro.getCondition()).isEqualTo("avg( memory_used_percent ) > 90");
        assertThat(avro.getDurationMs()).isEqualTo(600_000);
        assertThat(avro.getWindowMs()).isEqualTo(300_000);
        assertThat(avro.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(avro.getChannels()).containsExactly("slack");
        assertThat(avro.getLabels()).isEqualTo(Map.of("team", "infra"));
        assertThat(avro.getAnnotations()).isEqualTo(Map.of("summary", "memory"));
        assertThat(avro.getOverrides()).containsExactly(
                new RuleOverride("ap-southeast-1", 97.0, null),
                new RuleOverride("eu-west-1", null, 1_800_000L),
                new RuleOverride("us-east-1", 95.0, 0L));
        assertThat(avro.getUpdatedAt()).isEqualTo(at.toEpochMilli());
        assertThat(avro.getUpdatedBy()).isEqualTo("alice");

        assertThat(AlertRule.fromAvro(avro)).isEqualTo(r);
    }

    @Test
    void shouldRefuseAnAvroRuleWhoseConditionNoLongerParses() {
        Rule avro = rule("x > 1", List.of()).toAvro(Instant.EPOCH, null);
        avro.setCondition("median(x) > 1");
        assertThatThrownBy(() -> AlertRule.fromAvro(avro)).isInstanceOf(ConditionSyntaxException.class)
                .hasMessageContaining("unknown aggregate 'median'");
    }
}
