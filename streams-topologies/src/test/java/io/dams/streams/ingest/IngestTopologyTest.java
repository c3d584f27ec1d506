package io.dams.streams.ingest;

import static io.dams.streams.Fixtures.asset;
import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.AssetEvent;
import io.dams.schemas.avro.AssetEventType;
import io.dams.schemas.avro.AssetHealth;
import io.dams.schemas.avro.Liveness;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.topics.Topics;
import io.dams.streams.DeserializationErrors;
import io.dams.streams.PlainAvroSerdes;
import io.dams.streams.TestDrivers;
import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.SeriesValue;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.WindowStore;
import org.apache.kafka.streams.state.WindowStoreIterator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestTopologyTest {

    static final Instant START = Instant.parse("2025-03-01T12:00:00Z");
    static final long T = START.toEpochMilli();
    static final String REGION = "eu-west-1";
    static final long INTERVAL = 10_000;

    @TempDir
    Path stateDir;

    final PlainAvroSerdes serdes = new PlainAvroSerdes();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    final IngestSettings settings = IngestSettings.defaults();
    TopologyTestDriver driver;
    TestInputTopic<String, MetricBatch> raw;
    TestInputTopic<String, Asset> assets;
    TestOutputTopic<String, MetricBatch> samples;
    TestOutputTopic<String, AssetHealth> health;
    TestOutputTopic<String, AssetEvent> events;
    TestInputTopic<String, AlertTransition> transitions;

    @BeforeEach
    void startDriver() {
        driver = new TopologyTestDriver(IngestTopology.build(settings, serdes, meters),
                TestDrivers.properties("dams-ingest-test", stateDir, meters), START);
        raw = driver.createInputTopic(Topics.METRICS_RAW.name(), new StringSerializer(),
                serdes.valueSerde(Topics.METRICS_RAW).serializer());
        assets = driver.createInputTopic(Topics.ASSETS.name(), new StringSerializer(),
                serdes.valueSerde(Topics.ASSETS).serializer());
        samples = driver.createOutputTopic(Topics.METRICS_SAMPLES.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.METRICS_SAMPLES).deserializer());
        health = driver.createOutputTopic(Topics.ASSETS_HEALTH.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.ASSETS_HEALTH).deserializer());
        events = driver.createOutputTopic(Topics.ASSETS_EVENTS.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.ASSETS_EVENTS).deserializer());
        transitions = driver.createInputTopic(Topics.ALERTS_TRANSITIONS.name(), new StringSerializer(),
                serdes.valueSerde(Topics.ALERTS_TRANSITIONS).serializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void shouldEnrichABatchWithItsAssetsRegionSiteAndTags() {
        assets.pipeInput("a1", asset("a1", REGION, "dub-1", Map.of("rack", "r7"), INTERVAL));
        MetricBatch sent = batch("a1", "agent-1", 1, "unknown-region", List.of(sample("cpu_percent", T, 42)));
        raw.pipeInput("a1", sent, T);

        List<KeyValue<String, MetricBatch>> out = samples.readKeyValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).key).isEqualTo("a1");
        MetricBatch enriched = out.get(0).value;
        assertThat(enriched.getSite()).isEqualTo("dub-1");
        assertThat(enriched.getTags()).isEqualTo(Map.of("rack", "r7"));
        assertThat(enriched.getRegion()).isEqualTo(REGION);
        assertThat(enriched.getSamples()).isEqualTo(sent.getSamples());
        assertThat(enriched.getSeq()).isEqualTo(1);
        assertThat(batches("enriched")).isEqualTo(1);
    }

    @Test
    void shouldDropAReplayedBatchWithTheSameAgentAndSequenceNumber() {
        assets.pipeInput("a1", asset("a1", REGION, null, Map.of(), INTERVAL));
        raw.pipeInput("a1", batch("a1", "agent-1", 1, REGION, List.of(sample("up", T, 1))), T);
        // The spool replays it five minutes later, with a new record timestamp.
        raw.pipeInput("a1", batch("a1", "agent-1", 1, REGION, List.of(sample("up", T, 1))), T + 300_000);
        raw.pipeInput("a1", batch("a1", "agent-1", 2, REGION, List.of(sample("up", T + 10_000, 1))), T + 300_001);
        // Another agent's seq 1 is another batch.
        raw.pipeInput("a1", batch("a1", "agent-2", 1, REGION, List.of(sample("up", T + 10_000, 1))), T + 300_002);

        assertThat(samples.readValuesToList())
                .extracting(b -> b.getAgentId() + "#" + b.getSeq())
                .containsExactly("agent-1#1", "agent-1#2", "agent-2#1");
        assertThat(batches("duplicate")).isEqualTo(1);
    }

    @Test
    void shouldForgetABatchIdOnceStreamTimeIsATtlPastIt() {
        assets.pipeInput("a1", asset("a1", REGION, null, Map.of(), INTERVAL));
        raw.pipeInput("a1", batch("a1", "agent-1", 1, REGION, List.of(sample("up", T, 1))), T);
        long later = T + settings.dedupeTtl().toMillis() * 3;
        driver.advanceWallClockTime(Duration.ofMillis(later - T));
        raw.pipeInput("a1", batch("a1", "agent-1", 2, REGION, List.of(sample("up", later, 1))), later);

        WindowStore<String, Long> seen = driver.getWindowStore(IngestTopology.DEDUPE_STORE);
        try (WindowStoreIterator<Long> first = seen.fetch("agent-1#1", 0, Long.MAX_VALUE);
             WindowStoreIterator<Long> second = seen.fetch("agent-1#2", 0, Long.MAX_VALUE)) {
            assertThat(first.hasNext()).as("an id older than the TTL is gone from the store").isFalse();
            assertThat(second.hasNext()).isTrue();
        }
        raw.pipeInput("a1", batch("a1", "agent-1", 1, REGION, List.of(sample("up", T, 1))), later + 1);
        assertThat(samples.readValuesToList()).extracting(MetricBatch::getSeq).containsExactly(1L, 2L, 1L);
        assertThat(batches("duplicate")).isZero();
    }

    @Test
    void shouldHoldABatchWhoseAssetIsUnknownAndEmitItEnrichedOnceTheAssetArrives() {
        raw.pipeInput("a2", batch("a2", "agent-2", 1, REGION, List.of(sample("up", T, 1))), T);
        raw.pipeInput("a2", batch("a2", "agent-2", 2, REGION, List.of(sample("up", T + 10_000, 1))), T + 10_000);
        driver.advanceWallClockTime(Duration.ofSeconds(10));
        assertThat(samples.isEmpty()).isTrue();

        assets.pipeInput("a2", asset("a2", REGION, "fra-2", Map.of("team", "db"), INTERVAL));

        List<MetricBatch> out = samples.readValuesToList();
        assertThat(out).extracting(MetricBatch::getSeq).containsExactly(1L, 2L);
        assertThat(out).allSatisfy(b -> {
            assertThat(b.getSite()).isEqualTo("fra-2");
            assertThat(b.getTags()).isEqualTo(Map.of("team", "db"));
        });
        assertThat(batches("enriched_after_wait")).isEqualTo(2);
        assertThat(batches("unenriched")).isZero();
        assertThat(pendingEntries()).isZero();
    }

    @Test
    void shouldForwardHeldBatchesWithTheirOwnRegionAfterTheEnrichmentWaitAndLaterOnesAtOnce() {
        raw.pipeInput("a3", batch("a3", "agent-3", 1, REGION, List.of(sample("up", T, 1))), T);
        driver.advanceWallClockTime(settings.enrichmentWait().minusSeconds(1));
        assertThat(samples.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(1));

        MetricBatch released = samples.readValue();
        assertThat(released.getSeq()).isEqualTo(1);
        assertThat(released.getRegion()).isEqualTo(REGION);
        assertThat(released.getSite()).isNull();
        assertThat(released.getTags()).isEmpty();
        assertThat(batches("unenriched")).isEqualTo(1);

        raw.pipeInput("a3", batch("a3", "agent-3", 2, REGION, List.of(sample("up", T + 10_000, 1))), T + 10_000);
        assertThat(samples.readValue().getSeq()).as("no second wait for the same unknown asset").isEqualTo(2);
        assertThat(batches("unenriched")).isEqualTo(2);

        assets.pipeInput("a3", asset("a3", REGION, "ams-1", Map.of(), INTERVAL));
        raw.pipeInput("a3", batch("a3", "agent-3", 3, REGION, List.of(sample("up", T + 20_000, 1))), T + 20_000);
        assertThat(samples.readValue().getSite()).isEqualTo("ams-1");
        assertThat(samples.isEmpty()).isTrue();
    }

    @Test
    void shouldDropBadSamplesAloneAndCountThemByReason() {
        assets.pipeInput("a4", asset("a4", REGION, null, Map.of(), INTERVAL));
        Sample good1 = sample("cpu_percent", Map.of("core", "0"), T, 12.5);
        Sample good2 = sample("node:load1", T, 0.7);
        raw.pipeInput("a4", batch("a4", "agent-4", 1, REGION, List.of(
                good1,
                sample("cpu-percent", T, 1),
                sample("mem_used", Map.of("__name", "x"), T, 1),
                sample("temp_celsius", T, Double.NaN),
                sample("temp_celsius", T, Double.POSITIVE_INFINITY),
                sample("disk_used", T - T - 1, 3),
                sample("disk_used", T + settings.maxFutureSkew().toMillis() + 1, 3),
                good2)), T);

        assertThat(samples.readValue().getSamples()).containsExactly(good1, good2);
        assertThat(samplesCounted("accepted", "")).isEqualTo(2);
        assertThat(samplesCounted("rejected", "invalid_metric_name")).isEqualTo(1);
        assertThat(samplesCounted("rejected", "invalid_label_name")).isEqualTo(1);
        assertThat(samplesCounted("rejected", "non_finite_value")).isEqualTo(2);
        assertThat(samplesCounted("rejected", "invalid_timestamp")).isEqualTo(1);
        assertThat(samplesCounted("rejected", "timestamp_too_new")).isEqualTo(1);
    }

    @Test
    void shouldDropABatchWithoutAnyValidSampleAndCountIt() {
        assets.pipeInput("a4", asset("a4", REGION, null, Map.of(), INTERVAL));
        raw.pipeInput("a4", batch("a4", "agent-4", 1, REGION, List.of(sample("bad name", T, 1))), T);

        assertThat(samples.isEmpty()).isTrue();
        assertThat(batches("empty")).isEqualTo(1);
    }

    @Test
    void shouldSkipAnUndecodableRecordCountItAndKeepProcessing() {
        assets.pipeInput("a5", asset("a5", REGION, null, Map.of(), INTERVAL));
        TestInputTopic<String, byte[]> garbage = driver.createInputTopic(Topics.METRICS_RAW.name(),
                new StringSerializer(), new ByteArraySerializer());
        garbage.pipeInput("a5", "definitely not avro \u0000\u00ff".getBytes(StandardCharsets.UTF_8), T);
        raw.pipeInput("a5", batch("a5", "agent-5", 1, REGION, List.of(sample("up", T, 1))), T);

        assertThat(samples.readValuesToList()).extracting(MetricBatch::getSeq).containsExactly(1L);
        assertThat(meters.get(DeserializationErrors.METER).tag("topic", Topics.METRICS_RAW.name()).counter().count())
                .isEqualTo(1);
    }

    @Test
    void shouldMarkAnAssetDownAfterThreeIntervalsOfSilenceAndUpWhenDataReturns() {
        assets.pipeInput("a6", asset("a6", REGION, null, Map.of(), INTERVAL));
        raw.pipeInput("a6", batch("a6", "agent-6", 1, REGION, List.of(sample("up", T, 1))), T);
        AssetHealth up = health.readValue();
        assertThat(up.getLiveness()).isEqualTo(Liveness.UP);
        assertThat(up.getExpectedIntervalMs()).isEqualTo(INTERVAL);
        assertThat(up.getLastSeen()).isEqualTo(T);
        assertThat(up.getFiringAlerts()).isEmpty();
        assertThat(events.readValue().getType()).isEqualTo(AssetEventType.UP);

        driver.advanceWallClockTime(Duration.ofMillis(3 * INTERVAL - 1_000));
        assertThat(health.isEmpty()).as("still within three intervals").isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(1));

        AssetHealth down = health.readValue();
        assertThat(down.getLiveness()).isEqualTo(Liveness.DOWN);
        assertThat(down.getLastSeen()).isEqualTo(T);
        AssetEvent downEvent = events.readValue();
        assertThat(downEvent.getType()).isEqualTo(AssetEventType.DOWN);
        assertThat(downEvent.getAt()).isEqualTo(T + 3 * INTERVAL);
        assertThat(downEvent.getLastSeen()).isEqualTo(T);

        driver.advanceWallClockTime(Duration.ofMinutes(5));
        assertThat(health.isEmpty()).as("DOWN is reported once").isTrue();

        long back = T + 3 * INTERVAL + 300_000;
        raw.pipeInput("a6", batch("a6", "agent-6", 2, REGION, List.of(sample("up", back, 1))), back);
        AssetHealth upAgain = health.readValue();
        assertThat(upAgain.getLiveness()).isEqualTo(Liveness.UP);
        assertThat(upAgain.getLastSeen()).isEqualTo(back);
        assertThat(events.readValue().getType()).isEqualTo(AssetEventType.UP);
        assertThat(events.isEmpty()).isTrue();
    }

    @Test
    void shouldJudgeAnUnregisteredAssetByTheIntervalObservedBetweenItsBatches() {
        raw.pipeInput("a7", batch("a7", "agent-7", 1, REGION, List.of(sample("up", T, 1))), T);
        driver.advanceWallClockTime(settings.enrichmentWait());
        raw.pipeInput("a7", batch("a7", "agent-7", 2, REGION, List.of(sample("up", T + 2_000, 1))), T + 2_000);

        List<AssetHealth> changes = health.readValuesToList();
        assertThat(changes).extracting(AssetHealth::getExpectedIntervalMs)
                .containsExactly(AssetTracker.DEFAULT_INTERVAL_MS, 2_000L);

        driver.advanceWallClockTime(Duration.ofSeconds(5));
        assertThat(health.isEmpty()).isTrue();
        driver.advanceWallClockTime(Duration.ofSeconds(1));
        assertThat(health.readValue().getLiveness()).isEqualTo(Liveness.DOWN);
    }

    @Test
    void shouldKeepTheLatestValueOfEverySeriesInOneStoreEntryPerAsset() {
        assets.pipeInput("a8", asset("a8", REGION, "dub-1", Map.of("env", "prod"), INTERVAL));
        raw.pipeInput("a8", batch("a8", "agent-8", 1, REGION, List.of(
                sample("cpu_percent", Map.of("core", "1"), T, 2),
                sample("cpu_percent", Map.of("core", "0"), T, 1),
                sample("mem_used_bytes", T, 3))), T);
        raw.pipeInput("a8", batch("a8", "agent-8", 2, REGION, List.of(
                sample("cpu_percent", Map.of("core", "0"), T + 10_000, 5),
                // Older than what is known for this series: does not replace it.
                sample("mem_used_bytes", T - 5_000, 99))), T + 10_000);

        KeyValueStore<String, LatestValues> latest = driver.getKeyValueStore(IngestTopology.LATEST_STORE);
        try (KeyValueIterator<String, LatestValues> all = latest.all()) {
            assertThat(all).toIterable().extracting(kv -> kv.key).containsExactly("a8");
        }

        AssetDetail detail = new AssetQueries(driver::getKeyValueStore).asset("a8").orElseThrow();
        assertThat(detail.series()).containsExactly(
                new SeriesValue("cpu_percent", Map.of("core", "0"), T + 10_000, 5),
                new SeriesValue("cpu_percent", Map.of("core", "1"), T, 2),
                new SeriesValue("mem_used_bytes", Map.of(), T, 3));
        AssetView view = detail.asset();
        assertThat(view.assetId()).isEqualTo("a8");
        assertThat(view.site()).isEqualTo("dub-1");
        assertThat(view.tags()).isEqualTo(Map.of("env", "prod"));
        assertThat(view.liveness()).isEqualTo("UP");
        assertThat(view.lastSeen()).isEqualTo(T + 10_000);
        assertThat(view.expectedIntervalMs()).isEqualTo(INTERVAL);
        assertThat(view.registered()).isTrue();
    }

    @Test
    void shouldListRegisteredAndUnregisteredAssetsSortedById() {
        assets.pipeInput("b-registered", asset("b-registered", REGION, "dub-1", Map.of(), INTERVAL));
        raw.pipeInput("a-seen", batch("a-seen", "agent-9", 1, REGION, List.of(sample("up", T, 1))), T);
        driver.advanceWallClockTime(settings.enrichmentWait());

        AssetQueries queries = new AssetQueries(driver::getKeyValueStore);
        List<AssetView> views = queries.assets();
        assertThat(views).extracting(AssetView::assetId).containsExactly("a-seen", "b-registered");
        assertThat(views.get(0).registered()).isFalse();
        assertThat(views.get(0).liveness()).isEqualTo("UP");
        assertThat(views.get(0).region()).isEqualTo(REGION);
        assertThat(views.get(1).registered()).isTrue();
        assertThat(views.get(1).liveness()).as("registered, never heard from").isEqualTo("DOWN");
        assertThat(views.get(1).lastSeen()).isZero();
        assertThat(queries.asset("nobody")).isEmpty();
    }

    @Test
    void shouldCountAnAssetsFiringAlertsBySeverityFromTheRulesJobsTransitions() {
        assets.pipeInput("a1", asset("a1", REGION, null, Map.of(), INTERVAL));
        raw.pipeInput("a1", batch("a1", "agent-1", 1, REGION, List.of(sample("cpu_percent", T, 97))), T);
        health.readValuesToList();

        transitions.pipeInput("cpu-a1", transition("cpu-a1", "a1", Severity.WARNING, AlertState.PENDING,
                AlertState.FIRING), T + 1);
        transitions.pipeInput("disk-a1", transition("disk-a1", "a1", Severity.CRITICAL, AlertState.INACTIVE,
                AlertState.FIRING), T + 2);
        // Pending is not firing; a repeated FIRING changes nothing; a region-wide alert has no asset.
        transitions.pipeInput("mem-a1", transition("mem-a1", "a1", Severity.CRITICAL, AlertState.INACTIVE,
                AlertState.PENDING), T + 3);
        transitions.pipeInput("cpu-a1", transition("cpu-a1", "a1", Severity.WARNING, AlertState.PENDING,
                AlertState.FIRING), T + 4);
        transitions.pipeInput("region-cpu", transition("region-cpu", null, Severity.CRITICAL, AlertState.INACTIVE,
                AlertState.FIRING), T + 5);

        assertThat(health.readValuesToList()).extracting(AssetHealth::getFiringAlerts)
                .containsExactly(Map.of("warning", 1), Map.of("warning", 1, "critical", 1));

        transitions.pipeInput("disk-a1", transition("disk-a1", "a1", Severity.CRITICAL, AlertState.FIRING,
                AlertState.RESOLVED), T + 6);
        assertThat(health.readValuesToList()).extracting(AssetHealth::getFiringAlerts)
                .containsExactly(Map.of("warning", 1));

        // A new batch and the asset going down keep the count; the API's view shows it too.
        raw.pipeInput("a1", batch("a1", "agent-1", 2, REGION, List.of(sample("cpu_percent", T + 10_000, 98))),
                T + 10_000);
        driver.advanceWallClockTime(Duration.ofMillis(AssetTracker.DOWN_AFTER_INTERVALS * INTERVAL + 1_000));
        List<AssetHealth> later = health.readValuesToList();
        assertThat(later).last().satisfies(h -> {
            assertThat(h.getLiveness()).isEqualTo(Liveness.DOWN);
            assertThat(h.getFiringAlerts()).isEqualTo(Map.of("warning", 1));
        });
        AssetQueries queries = new AssetQueries(driver::getKeyValueStore);
        assertThat(queries.asset("a1")).hasValueSatisfying(detail ->
                assertThat(detail.asset().firingAlerts()).isEqualTo(Map.of("warning", 1)));
        assertThat(meters.get(IngestMetrics.ALERT_TRANSITIONS).tag("result", "counted").counter().count())
                .isEqualTo(5);
    }

    @Test
    void shouldCountAndSkipTransitionsOfAnAssetItHasNotSeen() {
        transitions.pipeInput("cpu-ghost", transition("cpu-ghost", "ghost", Severity.WARNING, AlertState.PENDING,
                AlertState.FIRING), T);

        assertThat(health.readValuesToList()).isEmpty();
        assertThat(meters.get(IngestMetrics.ALERT_TRANSITIONS).tag("result", "unknown_asset").counter().count())
                .isEqualTo(1);
    }

    private static AlertTransition transition(String alertId, String assetId, Severity severity, AlertState from,
                                              AlertState to) {
        return AlertTransition.newBuilder()
                .setAlertId(alertId)
                .setRuleName(alertId.substring(0, alertId.indexOf('-') < 0 ? alertId.length() : alertId.indexOf('-')))
                .setSeverity(severity)
                .setGroupLabels(assetId == null ? Map.of("region", REGION) : Map.of("asset_id", assetId))
                .setAssetId(assetId)
                .setRegion(REGION)
                .setFromState(from)
                .setToState(to)
                .setAt(T)
                .setCondition("cpu_percent > 90")
                .setEvaluatedAt(T)
                .build();
    }

    private double batches(String result) {
        return meters.get(IngestMetrics.BATCHES).tag("result", result).counter().count();
    }

    private double samplesCounted(String result, String reason) {
        return meters.get(IngestMetrics.SAMPLES).tag("result", result).tag("reason", reason).counter().count();
    }

    private long pendingEntries() {
        KeyValueStore<String, PendingBatches> pending = driver.getKeyValueStore(IngestTopology.PENDING_STORE);
        long n = 0;
        try (KeyValueIterator<String, PendingBatches> all = pending.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }
}
