package io.dams.rules.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.rules.AlertRule;
import io.dams.rules.check.RuleChecker;
import io.dams.schemas.avro.Rule;
import java.time.Instant;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.avro.Schema;
import org.junit.jupiter.api.Test;

class RuleDiffTest {

    private static List<AlertRule> rules(String yaml) {
        return new RuleChecker(RuleChecker.STANDARD_CHANNELS).check(yaml, "test.yaml").orThrow();
    }

    private static Map<String, Rule> catalogue(List<AlertRule> rules) {
        Map<String, Rule> out = new TreeMap<>();
        rules.forEach(r -> out.put(r.name(), r.toAvro(Instant.parse("2025-01-01T00:00:00Z"), "bob")));
        return out;
    }

    private static final String BEFORE = """
            rules:
              - name: high-cpu-warning
                condition: avg(cpu_percent) > 90
                duration: 5m
                severity: warning
                channels: [slack, email]
                labels: {team: infra, tier: web}
                overrides: [{region: eu-west-1, threshold: 95}]
              - name: old-rule
                condition: x > 1
                severity: info
              - name: disk-full-critical
                condition: disk_used_percent > 95
                severity: critical
                channels: [pagerduty]
            """;

    private static final String AFTER = """
            rules:
              - name: asset-down
                condition: absent(uptime_seconds)
                window: 2m
                severity: critical
                channels: [pagerduty, slack]
              - name: high-cpu-warning
                condition: avg(cpu_percent) > 85
                duration: 10m
                window: 2m
                severity: critical
                channels: [slack]
                labels: {team: ops, owner: me}
                annotations: {summary: hot}
                overrides: [{region: eu-west-1, threshold: 97, duration: 1m}, {region: us-east-1, threshold: 90}]
              - name: disk-full-critical
                condition: disk_used_percent > 95
                severity: critical
                channels: [pagerduty]
            """;

    @Test
    void shouldPlanAdditionsChangesAndRemovals() {
        RuleDiff diff = RuleDiff.between(catalogue(rules(BEFORE)), rules(AFTER));
        assertThat(diff.added()).extracting(AlertRule::name).containsExactly("asset-down");
        assertThat(diff.changed()).extracting(c -> c.rule().name()).containsExactly("high-cpu-warning");
        assertThat(diff.removed()).containsExactly("old-rule");
        assertThat(diff.unchanged()).containsExactly("disk-full-critical");
        assertThat(diff.isEmpty()).isFalse();
        assertThat(diff.plan()).containsExactly(
                "+ asset-down: absent(uptime_seconds), critical → pagerduty, slack",
                "~ high-cpu-warning: condition \"avg(cpu_percent) > 90\" → \"avg(cpu_percent) > 85\"",
                "~ high-cpu-warning: duration 5m → 10m",
                "~ high-cpu-warning: window 1m → 2m",
                "~ high-cpu-warning: severity warning → critical",
                "~ high-cpu-warning: channels [slack, email] → [slack]",
                "~ high-cpu-warning: labels.owner (none) → \"me\"",
                "~ high-cpu-warning: labels.team \"infra\" → \"ops\"",
                "~ high-cpu-warning: labels.tier \"web\" → (none)",
                "~ high-cpu-warning: annotations.summary (none) → \"hot\"",
                "~ high-cpu-warning: override eu-west-1 threshold 95 → threshold 97, duration 1m",
                "~ high-cpu-warning: override us-east-1 (none) → threshold 90",
                "- old-rule");
        assertThat(diff.summary()).isEqualTo("1 to add, 1 to change, 1 to remove, 1 unchanged");
        assertThat(diff.toString()).endsWith("- old-rule\n1 to add, 1 to change, 1 to remove, 1 unchanged");
    }

    @Test
    void shouldShowADurationInTheAddedLine() {
        RuleDiff diff = RuleDiff.between(Map.of(), rules(BEFORE));
        assertThat(diff.plan()).first().isEqualTo("+ high-cpu-warning: avg(cpu_percent) > 90 for 5m, warning → slack, email");
    }

    @Test
    void shouldBeEmptyWhenTheCatalogueHasTheFileWhoeverWroteItAndWhen() {
        List<AlertRule> after = rules(AFTER);
        RuleDiff diff = RuleDiff.between(catalogue(after), after);
        assertThat(diff.isEmpty()).isTrue();
        assertThat(diff.plan()).isEmpty();
        assertThat(diff.unchanged()).containsExactly("asset-down", "disk-full-critical", "high-cpu-warning");
    }

    @Test
    void shouldRemoveEverythingForAnEmptyFile() {
        RuleDiff diff = RuleDiff.between(catalogue(rules(BEFORE)), List.of());
        assertThat(diff.removed()).containsExactly("disk-full-critical", "high-cpu-warning", "old-rule");
    }

    @Test
    void shouldCompareOrIgnoreEveryFieldOfTheRuleSchema() {
        Set<String> all = new HashSet<>(RuleDiff.COMPARED_FIELDS);
        all.addAll(RuleDiff.NOT_COMPARED_FIELDS);
        assertThat(Rule.getClassSchema().getFields()).extracting(Schema.Field::name)
                .containsExactlyInAnyOrderElementsOf(all);
    }
}
