package io.dams.streams.rollup;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.avro.SeriesAggregate;
import io.dams.schemas.topics.Topics;
import io.dams.streams.PlainAvroSerdes;
import io.dams.streams.TestDrivers;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TestOutputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RollupTopologyTest {

    /** An hour boundary, so that minute and hour windows start together. */
    static final long T0 = Instant.parse("2025-03-01T10:00:00Z").toEpochMilli();
    static final long MINUTE = 60_000;
    static final long HOUR = 3_600_000;
    static final long GRACE = Duration.ofMinutes(2).toMillis();
    static final String REGION = "eu-west-1";

    @TempDir
    Path stateDir;

    final PlainAvroSerdes serdes = new PlainAvroSerdes();
    final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    TopologyTestDriver driver;
    TestInputTopic<String, MetricBatch> samples;
    TestOutputTopic<String, Rollup> minutes;
    TestOutputTopic<String, Rollup> hours;
    long seq;

    @BeforeEach
    void startDriver() {
        driver = new TopologyTestDriver(RollupTopology.build(new RollupSettings(Duration.ofMillis(GRACE)), serdes,
                meters), TestDrivers.properties("dams-rollup-test", stateDir, meters));
        samples = driver.createInputTopic(Topics.METRICS_SAMPLES.name(), new StringSerializer(),
                serdes.valueSerde(Topics.METRICS_SAMPLES).serializer());
        minutes = driver.createOutputTopic(Topics.METRICS_ROLLUP_1M.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.METRICS_ROLLUP_1M).deserializer());
        hours = driver.createOutputTopic(Topics.METRICS_ROLLUP_1H.name(), new StringDeserializer(),
                serdes.valueSerde(Topics.METRICS_ROLLUP_1H).deserializer());
    }

    @AfterEach
    void closeDriver() {
        driver.close();
    }

    @Test
    void shouldAggregateEverySeriesOfAnAssetIntoOneFinalRecordPerWindow() {
        send("a1", sample("cpu_percent", T0 + 5_000, 1), sample("mem_used", T0 + 5_000, 10),
                sample("cpu_percent", Map.of("core", "1"), T0 + 5_000, 7));
        send("a1", sample("cpu_percent", T0 + 15_000, 3), sample("mem_used", T0 + 15_000, 20));
        send("a1", sample("cpu_percent", T0 + 25_000, 2));
        assertThat(entries(RollupTopology.MINUTES_STORE)).as("one entry per batch, none read back").isEqualTo(3);

        advanceStreamTimeTo(T0 + MINUTE + GRACE);

        List<Rollup> out = minutes.readValuesToList();
        assertThat(out).hasSize(1);
        Rollup rollup = out.get(0);
        assertThat(rollup.getAssetId()).isEqualTo("a1");
        assertThat(rollup.getRegion()).isEqualTo(REGION);
        assertThat(rollup.getResolution()).isEqualTo(Resolution.ONE_MINUTE);
        assertThat(rollup.getWindowStart()).isEqualTo(T0);
        assertThat(rollup.getWindowEnd()).isEqualTo(T0 + MINUTE);
        assertThat(rollup.getSeries()).containsExactly(
                aggregate("cpu_percent", Map.of(), 1, 3, 6, 3, 2, T0 + 25_000),
                aggregate("cpu_percent", Map.of("core", "1"), 7, 7, 7, 1, 7, T0 + 5_000),
                aggregate("mem_used", Map.of(), 10, 20, 30, 2, 20, T0 + 15_000));
    }

    @Test
    void shouldPutASampleAtExactlyTheWindowEndIntoTheNextWindow() {
        send("a1", sample("up", T0 + MINUTE - 1, 1));
        send("a1", sample("up", T0 + MINUTE, 2));

        advanceStreamTimeTo(T0 + 2 * MINUTE + GRACE);

        List<Rollup> out = minutes.readValuesToList();
        assertThat(out).extracting(Rollup::getWindowStart).containsExactly(T0, T0 + MINUTE);
        assertThat(out.get(0).getSeries()).extracting(SeriesAggregate::getSum).containsExactly(1.0);
        assertThat(out.get(1).getSeries()).extracting(SeriesAggregate::getSum).containsExactly(2.0);
    }

    @Test
    void shouldEmitAWindowOnceGraceHasPassedAndNeverAgain() {
        send("a1", sample("up", T0 + 10_000, 1));
        advanceStreamTimeTo(T0 + MINUTE + GRACE - 1);
        assertThat(minutes.isEmpty()).as("the window is still within its grace period").isTrue();

        advanceStreamTimeTo(T0 + MINUTE + GRACE);
        assertThat(minutes.readValuesToList()).extracting(Rollup::getAssetId, Rollup::getWindowStart)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("a1", T0));

        send("a1", sample("up", T0 + 50_000, 1));
        advanceStreamTimeTo(T0 + 10 * MINUTE);
        assertThat(minutes.readValuesToList()).filteredOn(r -> r.getAssetId().equals("a1"))
                .as("no second result for a closed window").isEmpty();
    }

    @Test
    void shouldCountInALateSampleWithinGrace() {
        send("a1", sample("up", T0 + 10_000, 1));
        advanceStreamTimeTo(T0 + MINUTE + GRACE - 1_000);
        send("a1", sample("up", T0 + 20_000, 5));
        advanceStreamTimeTo(T0 + MINUTE + GRACE);

        Rollup rollup = minutes.readValue();
        assertThat(rollup.getSeries()).containsExactly(aggregate("up", Map.of(), 1, 5, 6, 2, 5, T0 + 20_000));
        assertThat(late("1m")).isZero();
    }

    @Test
    void shouldCountAndDropASampleBeyondGraceButKeepTheOnTimeOnesOfItsBatch() {
        send("a1", sample("up", T0 + 10_000, 1));
        advanceStreamTimeTo(T0 + MINUTE + GRACE);
        assertThat(minutes.readValuesToList()).hasSize(1);

        long fresh = T0 + MINUTE + GRACE + 1_000;
        send("a1", sample("up", T0 + 30_000, 9), sample("up", fresh, 4));
        assertThat(late("1m")).isEqualTo(1);

        advanceStreamTimeTo(fresh + MINUTE + GRACE);
        List<Rollup> out = minutes.readValuesToList().stream().filter(r -> r.getAssetId().equals("a1")).toList();
        assertThat(out).extracting(Rollup::getWindowStart).containsExactly(T0 + 3 * MINUTE);
        assertThat(out.get(0).getSeries()).extracting(SeriesAggregate::getCount).containsExactly(1L);
        assertThat(out.get(0).getSeries()).extracting(SeriesAggregate::getLast).containsExactly(4.0);
    }

    @Test
    void shouldRollUpHoursWithTheSameSemantics() {
        send("a1", sample("up", T0 + 10 * MINUTE, 2));
        send("a1", sample("up", T0 + 50 * MINUTE, 6));
        advanceStreamTimeTo(T0 + HOUR + GRACE - 1);
        assertThat(hours.isEmpty()).isTrue();
        advanceStreamTimeTo(T0 + HOUR + GRACE);

        List<Rollup> out = hours.readValuesToList();
        assertThat(out).hasSize(1);
        assertThat(out.get(0).getResolution()).isEqualTo(Resolution.ONE_HOUR);
        assertThat(out.get(0).getWindowStart()).isEqualTo(T0);
        assertThat(out.get(0).getWindowEnd()).isEqualTo(T0 + HOUR);
        assertThat(out.get(0).getSeries()).containsExactly(aggregate("up", Map.of(), 2, 6, 8, 2, 6, T0 + 50 * MINUTE));
        assertThat(minutes.readValuesToList()).extracting(Rollup::getWindowStart)
                .contains(T0 + 10 * MINUTE, T0 + 50 * MINUTE);
    }

    @Test
    void shouldKeepALateBatchForAnOlderMinuteApartFromTheNewestMinute() {
        send("a1", sample("up", T0 + MINUTE + 5_000, 1));
        send("a1", sample("up", T0 + 50_000, 2)); // the minute before, within grace
        send("a1", sample("up", T0 + MINUTE + 15_000, 3));
        send("a1", sample("up", T0 + 55_000, 4));

        advanceStreamTimeTo(T0 + 2 * MINUTE + GRACE);

        List<Rollup> out = minutes.readValuesToList().stream().filter(r -> r.getAssetId().equals("a1")).toList();
        assertThat(out).extracting(Rollup::getWindowStart).containsExactly(T0, T0 + MINUTE);
        assertThat(out.get(0).getSeries()).containsExactly(aggregate("up", Map.of(), 2, 4, 6, 2, 4, T0 + 55_000));
        assertThat(out.get(1).getSeries()).containsExactly(aggregate("up", Map.of(), 1, 3, 4, 2, 3, T0 + MINUTE + 15_000));
    }

    @Test
    void shouldMakeEachHourTheFoldOfItsMinutes() {
        // Three minutes of one hour, two series, one of them absent from the middle minute; and the next hour's first.
        send("a1", sample("cpu_percent", T0 + 5_000, 4), sample("disk_used_percent", Map.of("mount", "/"), T0 + 5_000, 50));
        send("a1", sample("cpu_percent", T0 + 35_000, 8));
        send("a1", sample("cpu_percent", T0 + 7 * MINUTE, -1));
        send("a1", sample("cpu_percent", T0 + 59 * MINUTE + 59_999, 3),
                sample("disk_used_percent", Map.of("mount", "/"), T0 + 59 * MINUTE, 52));
        send("a1", sample("cpu_percent", T0 + HOUR, 100));

        advanceStreamTimeTo(T0 + HOUR + GRACE - 1);
        assertThat(hours.isEmpty()).as("the hour waits for its last minute's grace").isTrue();
        assertThat(entries(RollupTopology.HOURS_STORE)).as("one hour entry for the asset").isEqualTo(1);
        advanceStreamTimeTo(T0 + HOUR + GRACE);

        List<Rollup> minuteResults = minutes.readValuesToList().stream().filter(r -> r.getAssetId().equals("a1"))
                .filter(r -> r.getWindowStart() < T0 + HOUR).toList();
        assertThat(minuteResults).extracting(Rollup::getWindowStart).containsExactly(T0, T0 + 7 * MINUTE, T0 + 59 * MINUTE);
        List<Rollup> hourResults = hours.readValuesToList().stream().filter(r -> r.getAssetId().equals("a1")).toList();
        assertThat(hourResults).hasSize(1);
        assertThat(hourResults.get(0).getSeries()).containsExactly(
                aggregate("cpu_percent", Map.of(), -1, 8, 14, 4, 3, T0 + 59 * MINUTE + 59_999),
                aggregate("disk_used_percent", Map.of("mount", "/"), 50, 52, 102, 2, 52, T0 + 59 * MINUTE));
        assertThat(hourResults.get(0).getSeries()).as("the hour is the fold of its minutes, series by series")
                .containsExactlyElementsOf(fold(minuteResults));
    }

    @Test
    void shouldDropFromTheHourTooASampleLateForItsMinute() {
        send("a1", sample("up", T0 + 10_000, 1));
        advanceStreamTimeTo(T0 + MINUTE + GRACE);

        // Late for its minute, well within its hour's grace: dropped from both, counted under both.
        send("a1", sample("up", T0 + 20_000, 50), sample("up", T0 + 30 * MINUTE, 2));
        assertThat(late("1m")).isEqualTo(1);
        assertThat(late("1h")).isEqualTo(1);
        advanceStreamTimeTo(T0 + HOUR + GRACE);

        Rollup hour = hours.readValuesToList().stream().filter(r -> r.getAssetId().equals("a1")).findFirst().orElseThrow();
        assertThat(hour.getSeries()).containsExactly(aggregate("up", Map.of(), 1, 2, 3, 2, 2, T0 + 30 * MINUTE));
    }

    @Test
    void shouldCarryOnTheWindowsInProgressInTheStoresOfAnEarlierVersion() {
        // What the version before per-batch entries left: a minute and an hour in progress, series by name.
        WindowAggregate minute = new WindowAggregate(REGION);
        minute.add(REGION, sample("up", Map.of("job", "a"), T0 + 5_000, 3));
        minute.add(REGION, sample("load1", T0 + 5_000, 0.5));
        WindowAggregate hour = new WindowAggregate(REGION);
        hour.add(REGION, sample("up", Map.of("job", "a"), T0 - 50 * MINUTE, 7));
        KeyValueStore<Bytes, WindowAggregate> legacyMinutes = driver.getKeyValueStore(RollupTopology.LEGACY_MINUTES_STORE);
        KeyValueStore<Bytes, WindowAggregate> legacyHours = driver.getKeyValueStore(RollupTopology.LEGACY_HOURS_STORE);
        legacyMinutes.put(legacyKey(T0, "a1"), minute);
        legacyHours.put(legacyKey(T0 - HOUR, "a1"), hour);

        send("a1", sample("up", Map.of("job", "a"), T0 + 15_000, 1));
        advanceStreamTimeTo(T0 + MINUTE + GRACE);

        assertThat(minutes.readValuesToList()).filteredOn(r -> r.getAssetId().equals("a1")).singleElement()
                .satisfies(r -> assertThat(r.getSeries()).containsExactly(
                        aggregate("load1", Map.of(), 0.5, 0.5, 0.5, 1, 0.5, T0 + 5_000),
                        aggregate("up", Map.of("job", "a"), 1, 3, 4, 2, 1, T0 + 15_000)));
        assertThat(hours.readValuesToList()).filteredOn(r -> r.getAssetId().equals("a1")).singleElement()
                .satisfies(r -> {
                    assertThat(r.getWindowStart()).isEqualTo(T0 - HOUR);
                    assertThat(r.getSeries()).containsExactly(
                            aggregate("up", Map.of("job", "a"), 7, 7, 7, 1, 7, T0 - 50 * MINUTE));
                });
        assertThat(entries(RollupTopology.LEGACY_MINUTES_STORE) + entries(RollupTopology.LEGACY_HOURS_STORE))
                .as("the earlier stores are emptied").isZero();
    }

    @Test
    void shouldAggregateASeriesRepeatedInOneBatchAsOneSeries() {
        send("a1", sample("up", T0 + 5_000, 1), sample("up", T0 + 6_000, 5));
        send("a1", sample("up", T0 + 7_000, 2));
        advanceStreamTimeTo(T0 + MINUTE + GRACE);

        assertThat(minutes.readValuesToList()).filteredOn(r -> r.getAssetId().equals("a1")).singleElement()
                .satisfies(r -> assertThat(r.getSeries()).containsExactly(
                        aggregate("up", Map.of(), 1, 5, 8, 3, 2, T0 + 7_000)));
    }

    private static Bytes legacyKey(long start, String assetId) {
        byte[] id = assetId.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        return Bytes.wrap(java.nio.ByteBuffer.allocate(8 + id.length).putLong(start).put(id).array());
    }

    /** What an hour must be, computed from its minutes' results: min of mins, max of maxes, sums, the newest last. */
    private static List<SeriesAggregate> fold(List<Rollup> minuteResults) {
        java.util.TreeMap<String, SeriesAggregate> bySeries = new java.util.TreeMap<>();
        for (Rollup minute : minuteResults) {
            for (SeriesAggregate a : minute.getSeries()) {
                String series = a.getName() + new java.util.TreeMap<>(a.getLabels());
                bySeries.merge(series, a, (x, y) -> aggregate(x.getName(), x.getLabels(), Math.min(x.getMin(), y.getMin()),
                        Math.max(x.getMax(), y.getMax()), x.getSum() + y.getSum(), x.getCount() + y.getCount(),
                        y.getLastTimestampMs() >= x.getLastTimestampMs() ? y.getLast() : x.getLast(),
                        Math.max(x.getLastTimestampMs(), y.getLastTimestampMs())));
            }
        }
        return List.copyOf(bySeries.values());
    }

    private void send(String assetId, Sample... batchSamples) {
        samples.pipeInput(assetId, batch(assetId, "agent-" + assetId, ++seq, REGION, List.of(batchSamples)));
    }

    /** Moves stream time with a batch of an asset the assertions ignore. */
    private void advanceStreamTimeTo(long t) {
        send("clock", sample("tick", t, 0));
    }

    private double late(String resolution) {
        return meters.get("dams.rollup.late.samples").tag("resolution", resolution).counter().count();
    }

    private long entries(String store) {
        KeyValueStore<Bytes, Object> windows = driver.getKeyValueStore(store);
        long n = 0;
        try (KeyValueIterator<Bytes, Object> all = windows.all()) {
            while (all.hasNext()) {
                all.next();
                n++;
            }
        }
        return n;
    }

    private static SeriesAggregate aggregate(String name, Map<String, String> labels, double min, double max,
                                             double sum, long count, double last, long lastTimestamp) {
        return SeriesAggregate.newBuilder().setName(name).setLabels(labels).setMin(min).setMax(max).setSum(sum)
                .setCount(count).setLast(last).setLastTimestampMs(lastTimestamp).build();
    }
}
