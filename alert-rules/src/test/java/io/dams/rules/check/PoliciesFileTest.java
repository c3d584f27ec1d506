package io.dams.rules.check;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.rules.AlertRule;
import io.dams.rules.lang.Absent;
import io.dams.rules.lang.Aggregate;
import io.dams.rules.lang.Condition;
import io.dams.schemas.avro.Severity;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The shipped alert-rules/policies.yaml passes the checker and keeps the rules the seed and the docs promise. */
class PoliciesFileTest {

    private static final Path POLICIES = Path.of("policies.yaml");

    private static Map<String, AlertRule> rules() {
        RuleFile file = RuleFiles.load(POLICIES, RuleChecker.STANDARD_CHANNELS);
        assertThat(file.problems()).as(file.report()).isEmpty();
        return file.rules().stream().collect(Collectors.toMap(AlertRule::name, Function.identity()));
    }

    @Test
    void shouldPassTheCheckerWithTheStandardChannels() {
        assertThat(rules()).containsOnlyKeys("high-cpu-warning", "disk-full-critical", "asset-down", "memory-pressure",
                "disk-filling-fast", "region-cpu-saturation");
    }

    @Test
    void shouldShipTheSameFileOnTheClassPath() {
        RuleFile shipped = RuleFiles.shipped(RuleChecker.STANDARD_CHANNELS);

        assertThat(shipped.problems()).as(shipped.report()).isEmpty();
        assertThat(shipped.rules()).containsExactlyElementsOf(
                RuleFiles.load(POLICIES, RuleChecker.STANDARD_CHANNELS).rules());
    }

    @Test
    void shouldKeepTheSeedRulesAsTheSeedWroteThem() {
        Map<String, AlertRule> rules = rules();
        AlertRule cpu = rules.get("high-cpu-warning");
        assertThat(cpu.condition()).isEqualTo(Condition.parse("avg(cpu_percent) > 90"));
        assertThat(cpu.duration()).isEqualTo(Duration.ofMinutes(5));
        assertThat(cpu.severity()).isEqualTo(Severity.WARNING);
        assertThat(cpu.channels()).containsExactly("slack", "email");
        AlertRule disk = rules.get("disk-full-critical");
        assertThat(disk.condition()).isEqualTo(Condition.parse("disk_used_percent > 95"));
        assertThat(disk.duration()).isZero();
        assertThat(disk.severity()).isEqualTo(Severity.CRITICAL);
        assertThat(disk.channels()).containsExactly("pagerduty");
    }

    @Test
    void shouldShowAbsentDerivAndARegionWideRule() {
        Map<String, AlertRule> rules = rules();
        assertThat(rules.get("asset-down").condition()).isInstanceOf(Absent.class);
        assertThat(rules.get("disk-filling-fast").condition().comparisons().get(0).aggregation().aggregate())
                .isEqualTo(Aggregate.DERIV);
        assertThat(rules.get("region-cpu-saturation").grouping().labels()).containsExactly("region");
        assertThat(rules.get("memory-pressure").condition().selectors().get(0).metric())
                .isEqualTo("memory_used_percent");
    }

    @Test
    void shouldOnlyUseMetricsTheAgentSends() {
        // The names HostCollector emits (agent/src/main/java/io/dams/agent/collect/HostCollector.java).
        List<String> agentMetrics = List.of("cpu_percent", "cpu_core_percent", "memory_used_percent",
                "memory_used_bytes", "memory_total_bytes", "disk_used_percent", "disk_used_bytes", "disk_total_bytes",
                "uptime_seconds", "process_count", "node_load1", "node_load5", "node_load15");
        rules().values().forEach(r -> r.condition().selectors().forEach(s ->
                assertThat(agentMetrics).as("metric of %s", r.name()).contains(s.metric())));
    }
}
