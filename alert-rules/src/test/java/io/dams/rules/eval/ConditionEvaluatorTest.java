package io.dams.rules.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.rules.lang.Condition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class ConditionEvaluatorTest {

    private static final WindowRange MINUTE = WindowRange.ending(60_000, Duration.ofMinutes(1));

    private static Series series(String metric, Map<String, String> labels, double... timeValuePairs) {
        List<Point> points = new ArrayList<>();
        for (int i = 0; i < timeValuePairs.length; i += 2) {
            points.add(new Point((long) (timeValuePairs[i] * 1000), timeValuePairs[i + 1]));
        }
        Map<String, String> all = new TreeMap<>(labels);
        all.putIfAbsent("asset_id", "a1");
        all.putIfAbsent("region", "eu-west-1");
        return new Series(metric, all, points);
    }

    private static Outcome asset(String condition, Series... series) {
        return ConditionEvaluator.evaluateAsset(Condition.parse(condition), List.of(series), MINUTE);
    }

    @Test
    void shouldHoldForAnAssetWhenAnyOfItsSeriesHoldsAndReportTheWorst() {
        Series root = series("disk_used_percent", Map.of("mount", "/"), 30, 97);
        Series boot = series("disk_used_percent", Map.of("mount", "/boot"), 30, 40);
        Series var = series("disk_used_percent", Map.of("mount", "/var"), 30, 99);
        assertThat(asset("disk_used_percent > 95", root, boot, var))
                .isEqualTo(new Outcome(true, OptionalDouble.of(99), OptionalDouble.of(95)));
        assertThat(asset("disk_used_percent > 98", root, boot))
                .isEqualTo(new Outcome(false, OptionalDouble.of(97), OptionalDouble.of(98)));
        assertThat(asset("disk_used_percent < 50", root, boot, var))
                .isEqualTo(new Outcome(true, OptionalDouble.of(40), OptionalDouble.of(50)));
    }

    @Test
    void shouldAggregateEachSeriesOverTheWindow() {
        Series cpu = series("cpu_percent", Map.of(), 0, 100, 10, 80, 40, 100, 60, 96);
        // (0 s is outside) avg(80, 100, 96) = 92
        assertThat(asset("avg(cpu_percent) > 90", cpu).value()).hasValue(92);
        assertThat(asset("avg(cpu_percent) > 90", cpu).holds()).isTrue();
        assertThat(asset("min(cpu_percent) > 90", cpu).holds()).isFalse();
        assertThat(asset("count(cpu_percent) == 3", cpu).holds()).isTrue();
    }

    @Test
    void shouldApplyMatchersToSeriesLabels() {
        Series root = series("disk_used_percent", Map.of("mount", "/"), 30, 97);
        Series snap = series("disk_used_percent", Map.of("mount", "/snap/core"), 30, 100);
        assertThat(asset("disk_used_percent{mount!~\"/snap/.*\"} > 98", root, snap).holds()).isFalse();
        assertThat(asset("disk_used_percent{mount=~\"/snap/.*\"} > 98", root, snap).holds()).isTrue();
        assertThat(asset("disk_used_percent{region=\"us-east-1\"} > 1", root, snap).value()).isEmpty();
    }

    @Test
    void shouldNotHoldWithoutData() {
        assertThat(asset("avg(cpu_percent) > 90"))
                .isEqualTo(new Outcome(false, OptionalDouble.empty(), OptionalDouble.of(90)));
        assertThat(asset("avg(cpu_percent) < 90", series("cpu_percent", Map.of(), 61, 1)).holds()).isFalse();
    }

    @Test
    void shouldHoldAbsentWhenNoMatchingSampleIsInTheWindow() {
        Outcome holds = new Outcome(true, OptionalDouble.of(1), OptionalDouble.empty());
        assertThat(asset("absent(uptime_seconds)")).isEqualTo(holds);
        assertThat(asset("absent(uptime_seconds)", series("uptime_seconds", Map.of(), 0, 5))).isEqualTo(holds);
        assertThat(asset("absent(uptime_seconds)", series("cpu_percent", Map.of(), 30, 5))).isEqualTo(holds);
        assertThat(asset("absent(disk_used_percent{mount=\"/\"})",
                series("disk_used_percent", Map.of("mount", "/boot"), 30, 5))).isEqualTo(holds);
        assertThat(asset("absent(uptime_seconds)", series("uptime_seconds", Map.of(), 60, 5)).holds()).isFalse();
    }

    @Test
    void shouldCombineWithAndOrAsPromQl() {
        Series cpu = series("cpu_percent", Map.of(), 30, 95);
        Series mem = series("memory_used_percent", Map.of(), 30, 50);
        assertThat(asset("cpu_percent > 90 and memory_used_percent > 40", cpu, mem))
                .isEqualTo(new Outcome(true, OptionalDouble.of(95), OptionalDouble.of(90)));
        assertThat(asset("cpu_percent > 90 and memory_used_percent > 60", cpu, mem).holds()).isFalse();
        assertThat(asset("memory_used_percent > 60 or cpu_percent > 90", cpu, mem))
                .isEqualTo(new Outcome(true, OptionalDouble.of(95), OptionalDouble.of(90)));
        assertThat(asset("memory_used_percent > 60 or cpu_percent > 99", cpu, mem))
                .isEqualTo(new Outcome(false, OptionalDouble.of(50), OptionalDouble.of(60)));
        assertThat(asset("absent(uptime_seconds) or cpu_percent > 99", cpu).holds()).isTrue();
        assertThat(asset("(cpu_percent > 99 or cpu_percent > 90) and memory_used_percent < 51", cpu, mem).holds())
                .isTrue();
    }

    @Test
    void shouldAggregateAcrossAssetsPerGroup() {
        Series a1 = series("cpu_percent", Map.of("asset_id", "a1", "region", "eu"), 10, 90, 20, 70);
        Series a2 = series("cpu_percent", Map.of("asset_id", "a2", "region", "eu"), 30, 95);
        Series a3 = series("cpu_percent", Map.of("asset_id", "a3", "region", "us"), 30, 10);
        Series stale = series("cpu_percent", Map.of("asset_id", "a4", "region", "ap"), 61, 99);
        Map<GroupLabels, Outcome> out = ConditionEvaluator.evaluateGroups(
                Condition.parse("avg(cpu_percent) by (region) > 80"), List.of(a1, a2, a3, stale), MINUTE);
        GroupLabels eu = new GroupLabels(new TreeMap<>(Map.of("region", "eu")));
        GroupLabels us = new GroupLabels(new TreeMap<>(Map.of("region", "us")));
        GroupLabels ap = new GroupLabels(new TreeMap<>(Map.of("region", "ap")));
        assertThat(out).containsOnlyKeys(eu, us, ap);
        assertThat(out.get(eu)).isEqualTo(new Outcome(true, OptionalDouble.of(85), OptionalDouble.of(80)));
        assertThat(out.get(us)).isEqualTo(new Outcome(false, OptionalDouble.of(10), OptionalDouble.of(80)));
        assertThat(out.get(ap)).isEqualTo(new Outcome(false, OptionalDouble.empty(), OptionalDouble.of(80)));
    }

    @Test
    void shouldCombineGroupsByTheirLabels() {
        Series cpuEu = series("cpu_percent", Map.of("asset_id", "a1", "region", "eu"), 30, 95);
        Series memEu = series("memory_used_percent", Map.of("asset_id", "a1", "region", "eu"), 30, 95);
        Series cpuUs = series("cpu_percent", Map.of("asset_id", "a3", "region", "us"), 30, 95);
        Map<GroupLabels, Outcome> out = ConditionEvaluator.evaluateGroups(Condition.parse(
                "max(cpu_percent) by (region) > 90 and max(memory_used_percent) by (region) > 90"),
                List.of(cpuEu, memEu, cpuUs), MINUTE);
        assertThat(out.get(new GroupLabels(new TreeMap<>(Map.of("region", "eu")))).holds()).isTrue();
        assertThat(out.get(new GroupLabels(new TreeMap<>(Map.of("region", "us")))).holds()).isFalse();
    }

    @Test
    void shouldLeaveOutEmptyLabelsOfAGroup() {
        Series noSite = series("cpu_percent", Map.of(), 30, 95);
        Map<GroupLabels, Outcome> out = ConditionEvaluator.evaluateGroups(
                Condition.parse("max(cpu_percent) by (site) > 90"), List.of(noSite), MINUTE);
        assertThat(out).containsOnlyKeys(new GroupLabels(new TreeMap<>()));
        assertThat(GroupLabels.of(Condition.parse("max(x) by (region, site) > 1").grouping(),
                Map.of("region", "eu", "site", "")).key()).isEqualTo("{region=\"eu\"}");
    }

    @Test
    void shouldRefuseTheWrongEvaluationForTheGrouping() {
        assertThatThrownBy(() -> ConditionEvaluator.evaluateAsset(Condition.parse("avg(x) by (region) > 1"), List.of(),
                MINUTE)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evaluateGroups");
        assertThatThrownBy(() -> ConditionEvaluator.evaluateGroups(Condition.parse("x > 1"), List.of(), MINUTE))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("evaluateAsset");
    }

    @Test
    void shouldGiveEverySeriesItsAssetIdentityOverItsOwnLabels() {
        MetricBatch batch = MetricBatch.newBuilder().setAssetId("node-1").setAgentId("ag").setSeq(1)
                .setRegion("eu-west-1").setSentAt(0).setSite("lyon")
                .setTags(Map.of("rack", "r7", "region", "spoofed-by-tag", "bad-name", "x"))
                .setSamples(List.of()).build();
        Sample sample = Sample.newBuilder().setName("disk_used_percent").setTimestampMs(1).setValue(1)
                .setLabels(Map.of("mount", "/", "asset_id", "spoofed", "rack", "r8")).build();
        assertThat(Series.labelsOf(batch, sample)).containsExactlyInAnyOrderEntriesOf(Map.of(
                "asset_id", "node-1", "region", "eu-west-1", "site", "lyon", "mount", "/", "rack", "r8"));
    }

    @Test
    void shouldRefusePointsOutOfTimeOrder() {
        assertThatThrownBy(() -> series("x", Map.of(), 2, 1, 1, 1)).isInstanceOf(IllegalArgumentException.class);
    }
}
