package io.dams.streams.rules;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.dams.rules.eval.AlertFingerprint;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.RuleOverride;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.topics.Topics;
import io.dams.streams.PlainAvroSerdes;
import io.dams.streams.TestDrivers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules job through {@code TopologyTestDriver}: event time comes from the samples, wall-clock checks run only when
 * a test advances the driver's clock (by {@link RulesSettings#checkInterval()} or more). That alert state survives a
 * restart is shown by {@code RulesJobIT}: {@code TopologyTestDriver.close()} deletes its state directory, so a second
 * driver never sees the first one's stores.
 */
class RulesTopologyTest {

    static final Instant START = Instant.parse("2025-03-01T12:00:00Z");
    static final long T = START.toEpochMilli();
    static final String EU = "eu-west-1";
    static final String US = "us-east-1";
    static final Duration CHECK = RulesSettings.defaults().checkInterval();

    @TempDir
    Path stateDir;

    PlainAvroSerdes serdes = new PlainAvroSerdes();
    SimpleMeterRegistry meters;
    RulesSettings settings = RulesSettings.defaults();
    TopologyTestDriver driver;
    TestInputTopic<String, MetricBatch> samples;
    TestInputTopic<String, Rule> rules;
    TestInputTopic<String, byte[]> ruleBytes;
    TestOutputTopic<String, AlertTransition> transitions;
    final AtomicLong seq = new AtomicLong();

    @BeforeEach
    void startDriver() {
        start();
    }

    void start() {
        meters = new SimpleMeterRegistry();
        driver = new TopologyTestDriver(RulesTopology.build(settings, serdes, meters),
                TestDrivers.properties("dams-rules-test", stateDir, meters), START);
        samples = driver.createInputTopic(Topics.METRICS_SAMPLES.name(), new StringSerializer(),
                serdes.valueSerde(Topics.METRICS_SAMPLES).serializer());
        rules = driver.createInputTopic(Topics.RULES.name(), new StringSerializer(),
                serdes.valueSerde(Topics.RULES).serializer());
        ruleBytes = driver.createInputTopic(Topics.RULES.name(), new StringSerializer(), new ByteArraySerializer());
        transitions = driver.createOutputTopic(Topics.ALERTS_TRANSITIONS.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.ALERTS_TRANSITIONS).deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void shouldFireAtOnceWithoutDurationFillingEveryField() {
        publish(rule("high-cpu", "cpu_percent > 90", 0));
        send("a1", EU, sample("cpu_percent", T, 95));

        List<KeyValue<String, AlertTransition>> out = transitions.readKeyValuesToList();
        assertThat(out).hasSize(1);
        AlertTransition t = out.get(0).value;
        String alertId = AlertFingerprint.of("high-cpu", Map.of("asset_id", "a1")).alertId();
        assertThat(out.get(0).key).isEqualTo(alertId);
        assertThat(t.getAlertId()).isEqualTo(alertId);
        assertThat(t.getRuleName()).isEqualTo("high-cpu");
        assertThat(t.getSeverity()).isEqualTo(Severity.WARNING);
        assertThat(t.getGroupLabels()).isEqualTo(Map.of("asset_id", "a1"));
        assertThat(t.getAssetId()).isEqualTo("a1");
        assertThat(t.getRegion()).isEqualTo(EU);
        assertThat(t.getFromState()).isEqualTo(AlertState.INACTIVE);
        assertThat(t.getToState()).isEqualTo(AlertState.FIRING);
        assertThat(t.getAt()).isEqualTo(T);
        assertThat(t.getActiveSince()).isEqualTo(T);
        assertThat(t.getValue()).isEqualTo(95.0);
        assertThat(t.getThreshold()).isEqualTo(90.0);
        assertThat(t.getCondition()).isEqualTo("cpu_percent > 90");
        assertThat(t.getChannels()).containsExactly("slack");
        assertThat(t.getAnnotations()).isEqualTo(Map.of("summary", "high-cpu on {{asset_id}}"));
        assertThat(t.getEvaluatedAt()).isEqualTo(T);
        assertThat(meters.get(RulesMetrics.TRANSITIONS).tag("to", "firing").counter().count()).isEqualTo(1);
        assertThat(meters.get(RulesMetrics.EVALUATIONS).tag("scope", "asset").counter().count()).isEqualTo(1);
        assertThat(meters.get(RulesMetrics.LOADED).gauge().value()).isEqualTo(1);
    }

    @Test
    void shouldFireExactlyWhenTheConditionHasHeldForTheDuration() {
        publish(rule("high-cpu", "cpu_percent > 90", 30_000));
        send("a1", EU, sample("cpu_percent", T, 95));
        assertThat(read()).containsExactly("high-cpu a1 INACTIVE->PENDING @0");

        send("a1", EU, sample("cpu_percent", T + 29_999, 96));
        assertThat(read()).as("one millisecond before the duration it is still pending").isEmpty();

        send("a1", EU, sample("cpu_percent", T + 30_000, 97));
        List<AlertTransition> fired = transitions.readValuesToList();
        assertThat(fired).extracting(this::describe).containsExactly("high-cpu a1 PENDING->FIRING @30000");
        assertThat(fired.get(0).getActiveSince()).isEqualTo(T);
    }

    @Test
    void shouldFollowAFlappingConditionThroughEveryState() {
        publish(rule("high-cpu", "cpu_percent > 90", 30_000));
        send("a1", EU, sample("cpu_percent", T, 95));
        send("a1", EU, sample("cpu_percent", T + 10_000, 50));
        send("a1", EU, sample("cpu_percent", T + 20_000, 95));
        send("a1", EU, sample("cpu_percent", T + 50_000, 95));
        send("a1", EU, sample("cpu_percent", T + 60_000, 50));
        send("a1", EU, sample("cpu_percent", T + 70_000, 95));

        assertThat(read()).containsExactly(
                "high-cpu a1 INACTIVE->PENDING @0",
                "high-cpu a1 PENDING->INACTIVE @10000",
                "high-cpu a1 INACTIVE->PENDING @20000",
                "high-cpu a1 PENDING->FIRING @50000",
                "high-cpu a1 FIRING->RESOLVED @60000",
                "high-cpu a1 RESOLVED->PENDING @70000");
    }

    @Test
    void shouldEvaluateLateSamplesAtTheAssetsClockAndDropThoseOlderThanTheWindow() {
        publish(rule("avg-cpu", "avg(cpu_percent) > 90", 0));
        send("a1", EU, sample("cpu_percent", T + 60_000, 80));
        assertThat(read()).isEmpty();

        // Late, but inside the window that ends at the asset's last evaluation (T+60s): it counts there.
        send("a1", EU, sample("cpu_percent", T + 30_000, 110));
        assertThat(read()).as("evaluated at T+60s, never back in time").containsExactly("avg-cpu a1 INACTIVE->FIRING @60000");

        // Older than the window: dropped and counted, nothing changes.
        send("a1", EU, sample("cpu_percent", T, 0));
        assertThat(read()).isEmpty();
        assertThat(meters.get(RulesMetrics.POINTS_DROPPED).tag("reason", "late").counter().count()).isEqualTo(1);
        AssetRules state = assetStore().get("a1");
        assertThat(state.series.values()).singleElement().satisfies(points -> assertThat(points)
                .extracting(p -> p.timestampMs() - T).containsExactly(30_000L, 60_000L));
    }

    @Test
    void shouldApplyARegionsOverrideToThatRegionOnly() {
        Rule rule = rule("high-cpu", "cpu_percent > 90", 0);
        rule.setOverrides(List.of(new RuleOverride(EU, 80.0, 30_000L)));
        publish(rule);

        send("a1", EU, sample("cpu_percent", T, 85));
        send("a2", US, sample("cpu_percent", T, 85));
        List<AlertTransition> eu = transitions.readValuesToList();
        assertThat(eu).extracting(this::describe).containsExactly("high-cpu a1 INACTIVE->PENDING @0");
        assertThat(eu.get(0).getThreshold()).isEqualTo(80.0);
        assertThat(eu.get(0).getCondition()).isEqualTo("cpu_percent > 80");

        send("a2", US, sample("cpu_percent", T + 10_000, 95));
        send("a1", EU, sample("cpu_percent", T + 30_000, 85));
        List<AlertTransition> later = transitions.readValuesToList();
        assertThat(later).extracting(this::describe).containsExactly(
                "high-cpu a2 INACTIVE->FIRING @10000",
                "high-cpu a1 PENDING->FIRING @30000");
        assertThat(later).extracting(AlertTransition::getThreshold).containsExactly(90.0, 80.0);
    }

    @Test
    void shouldReevaluateAtTheNextCheckWithoutANewSampleWhenTheThresholdChanges() {
        publish(rule("high-cpu", "cpu_percent > 90", 0));
        send("a1", EU, sample("cpu_percent", T, 95));
        assertThat(read()).containsExactly("high-cpu a1 INACTIVE->FIRING @0");

        publish(rule("high-cpu", "cpu_percent > 99", 0));
        assertThat(read()).as("the change applies at the next wall-clock check").isEmpty();
        driver.advanceWallClockTime(CHECK);
        List<AlertTransition> resolved = transitions.readValuesToList();
        assertThat(resolved).extracting(this::describe).containsExactly("high-cpu a1 FIRING->RESOLVED @1000");
        assertThat(resolved.get(0).getThreshold()).isEqualTo(99.0);

        publish(rule("high-cpu", "cpu_percent > 50", 0));
        driver.advanceWallClockTime(CHECK);
        assertThat(read()).containsExactly("high-cpu a1 RESOLVED->FIRING @2000");
    }

    @Test
    void shouldResolveTheAlertsOfADeletedRule() {
        publish(rule("high-cpu", "cpu_percent > 90", 0));
        publish(rule("sustained-cpu", "cpu_percent > 90", 300_000));
        send("a1", EU, sample("cpu_percent", T, 95));
        assertThat(read()).containsExactly("high-cpu a1 INACTIVE->FIRING @0", "sustained-cpu a1 INACTIVE->PENDING @0");

        rules.pipeInput("high-cpu", null);
        rules.pipeInput("sustained-cpu", null);
        driver.advanceWallClockTime(CHECK);
        List<AlertTransition> ended = transitions.readValuesToList();
        assertThat(ended).extracting(this::describe).containsExactly(
                "high-cpu a1 FIRING->RESOLVED @1000", "sustained-cpu a1 PENDING->INACTIVE @1000");
        assertThat(ended).allSatisfy(t -> {
            assertThat(t.getSeverity()).isEqualTo(Severity.WARNING);
            assertThat(t.getCondition()).isEqualTo("cpu_percent > 90");
            assertThat(t.getActiveSince()).isEqualTo(T);
        });

        send("a1", EU, sample("cpu_percent", T + 10_000, 99));
        assertThat(read()).isEmpty();
        assertThat(assetStore().get("a1")).isNull();
        assertThat(meters.get(RulesMetrics.LOADED).gauge().value()).isZero();
    }

    @Test
    void shouldFireAbsentAfterAWindowOfSilenceByWallClockAndResolveWhenDataReturns() {
        publish(rule("asset-down", "absent(up)", 0));
        send("a1", EU, sample("up", T, 1));
        driver.advanceWallClockTime(Duration.ofMillis(59_999));
        assertThat(read()).isEmpty();

        driver.advanceWallClockTime(Duration.ofMillis(1));
        List<AlertTransition> fired = transitions.readValuesToList();
        assertThat(fired).extracting(this::describe).containsExactly("asset-down a1 INACTIVE->FIRING @60000");
        assertThat(fired.get(0).getEvaluatedAt()).isEqualTo(T + 60_000);

        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(read()).as("still firing, no repeat").isEmpty();

        send("a1", EU, sample("up", T + 400_000, 1));
        assertThat(read()).containsExactly("asset-down a1 FIRING->RESOLVED @400000");
    }

    @Test
    void shouldResolveTheFiringAlertOfAnAssetThatWentSilent() {
        publish(rule("high-cpu", "cpu_percent > 90", 0));
        send("a1", EU, sample("cpu_percent", T, 95));
        send("a2", EU, sample("cpu_percent", T, 95));
        assertThat(read()).hasSize(2);

        driver.advanceWallClockTime(Duration.ofSeconds(30));
        send("a2", EU, sample("cpu_percent", T + 30_000, 95));
        driver.advanceWallClockTime(Duration.ofSeconds(30));

        List<AlertTransition> out = transitions.readValuesToList();
        assertThat(out).extracting(this::describe).containsExactly("high-cpu a1 FIRING->RESOLVED @60000");
        assertThat(out.get(0).getValue()).as("no data left in the window").isNull();
    }

    @Test
    void shouldFireAndResolveAByRegionRuleAcrossAssetsAtTheWallClockCheck() {
        publish(rule("region-cpu", "avg(cpu_percent) by (region) > 80", 0));
        send("a1", EU, sample("cpu_percent", T, 90));
        send("a2", EU, sample("cpu_percent", T, 75));
        send("a3", US, sample("cpu_percent", T, 50));
        assertThat(read()).as("groups are evaluated at the check").isEmpty();

        driver.advanceWallClockTime(CHECK);
        List<AlertTransition> fired = transitions.readValuesToList();
        assertThat(fired).extracting(this::describe).containsExactly("region-cpu {region=eu-west-1} INACTIVE->FIRING @1000");
        AlertTransition t = fired.get(0);
        assertThat(t.getAlertId()).isEqualTo(AlertFingerprint.of("region-cpu", Map.of("region", EU)).alertId());
        assertThat(t.getAssetId()).isNull();
        assertThat(t.getRegion()).isEqualTo(EU);
        assertThat(t.getValue()).isEqualTo(82.5);
        assertThat(t.getThreshold()).isEqualTo(80.0);

        send("a1", EU, sample("cpu_percent", T + 10_000, 60));
        driver.advanceWallClockTime(CHECK);
        assertThat(read()).containsExactly("region-cpu {region=eu-west-1} FIRING->RESOLVED @11000");
        assertThat(meters.get(RulesMetrics.EVALUATIONS).tag("scope", "group").counter().count()).isGreaterThan(0);
    }

    @Test
    void shouldCountBadRuleRecordsAndKeepTheOtherRulesWorking() {
        publish(rule("high-cpu", "cpu_percent > 90", 0));
        ruleBytes.pipeInput("garbage", "not an avro rule".getBytes(StandardCharsets.UTF_8));
        publish(rule("broken", "avg(cpu_percent > ", 0));
        // A bad update of a good rule leaves its last good version in force.
        ruleBytes.pipeInput("high-cpu", new byte[] {1, 2, 3});

        send("a1", EU, sample("cpu_percent", T, 95));
        assertThat(read()).containsExactly("high-cpu a1 INACTIVE->FIRING @0");
        assertThat(meters.get(RulesMetrics.REJECTED).tag("reason", "undecodable").counter().count()).isEqualTo(2);
        assertThat(meters.get(RulesMetrics.REJECTED).tag("reason", "invalid").counter().count()).isEqualTo(1);
        assertThat(meters.get(RulesMetrics.LOADED).gauge().value()).isEqualTo(1);
    }

    @Test
    void shouldBoundTheSeriesAndPointsKeptPerAsset() {
        driver.close();
        settings = new RulesSettings(CHECK, 2, 1);
        start();
        publish(rule("high-cpu", "max(cpu_percent) > 90", 0));
        send("a1", EU, sample("cpu_percent", Map.of("core", "0"), T, 10),
                sample("cpu_percent", Map.of("core", "1"), T, 95),
                sample("mem_percent", T, 99));
        send("a1", EU, sample("cpu_percent", Map.of("core", "0"), T + 1_000, 20));
        send("a1", EU, sample("cpu_percent", Map.of("core", "0"), T + 2_000, 30));

        assertThat(read()).as("core 1 was over the series limit").isEmpty();
        assertThat(meters.get(RulesMetrics.SERIES_DROPPED).counter().count()).isEqualTo(1);
        assertThat(meters.get(RulesMetrics.POINTS_DROPPED).tag("reason", "limit").counter().count()).isEqualTo(1);
        AssetRules state = assetStore().get("a1");
        assertThat(state.series).hasSize(1);
        assertThat(state.series.values().iterator().next()).extracting(p -> p.value()).containsExactly(20.0, 30.0);
    }

    // --- helpers

    static Rule rule(String name, String condition, long durationMs) {
        return Rule.newBuilder()
                .setName(name)
                .setCondition(condition)
                .setDurationMs(durationMs)
                .setWindowMs(60_000)
                .setSeverity(Severity.WARNING)
                .setChannels(List.of("slack"))
                .setLabels(Map.of())
                .setAnnotations(Map.of("summary", name + " on {{asset_id}}"))
                .setOverrides(new ArrayList<>())
                .setUpdatedAt(1)
                .setUpdatedBy("test")
                .build();
    }

    void publish(Rule rule) {
        rules.pipeInput(rule.getName(), rule);
    }

    void send(String assetId, String region, Sample... s) {
        MetricBatch b = batch(assetId, "agent-" + assetId, seq.incrementAndGet(), region, List.of(s));
        samples.pipeInput(assetId, b, s[0].getTimestampMs());
    }

    KeyValueStore<String, AssetRules> assetStore() {
        return driver.getKeyValueStore(RulesTopology.ASSETS_STORE);
    }

    List<String> read() {
        return transitions.readValuesToList().stream().map(this::describe).toList();
    }

    /** {@code rule asset FROM->TO @ms-after-T}, or the group labels for a by (...) rule. */
    String describe(AlertTransition t) {
        String who = t.getAssetId() != null ? t.getAssetId() : new java.util.TreeMap<>(t.getGroupLabels()).toString();
        return t.getRuleName() + " " + who + " " + t.getFromState() + "->" + t.getToState() + " @" + (t.getAt() - T);
    }
}
