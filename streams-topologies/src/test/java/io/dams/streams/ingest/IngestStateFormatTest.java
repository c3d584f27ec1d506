package io.dams.streams.ingest;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.Liveness;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.streams.SeriesKey;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesKeys;
import io.dams.streams.state.FormatOne;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The ingest stores' values: written byte for byte as format 1 was, and read back from it (changelogs, restores). */
class IngestStateFormatTest {

    static final long T = 1_740_830_400_000L;

    final LatestValues.Serde latestSerde = new LatestValues.Serde();

    static LatestValues latest() {
        TreeMap<SeriesKey, LatestValues.Point> series = new TreeMap<>();
        series.put(SeriesKey.of("cpu_core_percent", Map.of("core", "0")), new LatestValues.Point(T, 12.5));
        series.put(SeriesKey.of("cpu_core_percent", Map.of("core", "1")), new LatestValues.Point(T - 10_000, -0.0));
        series.put(SeriesKey.of("disk_used_bytes", Map.of("mount", "/", "device", "sda1")),
                new LatestValues.Point(T, 1e12));
        series.put(SeriesKey.of("tempé_celsius", Map.of()), new LatestValues.Point(T, Double.MAX_VALUE));
        return new LatestValues(series);
    }

    static byte[] latestAsFormatOne(LatestValues values) {
        return FormatOne.value(out -> {
            out.writeInt(values.series().size());
            for (var e : values.series().entrySet()) {
                FormatOne.string(out, e.getKey().name());
                FormatOne.map(out, e.getKey().labels());
                out.writeLong(e.getValue().timestampMs());
                out.writeDouble(e.getValue().value());
            }
        });
    }

    @Test
    void shouldWriteLatestValuesAsFormatOneAndReadThemBack() {
        LatestValues values = latest();
        byte[] formatOne = latestAsFormatOne(values);

        assertThat(latestSerde.serialize("t", values)).isEqualTo(formatOne);
        LatestValues read = latestSerde.deserialize("t", formatOne);
        assertThat(read).isEqualTo(values);
        assertThat(read.series().keySet()).containsExactlyElementsOf(values.series().keySet());
        assertThat(latestSerde.serialize("t", read)).isEqualTo(formatOne);
    }

    @Test
    void shouldReadTheSameSeriesKeysForTheSameSeriesValueAfterValue() {
        byte[] bytes = latestSerde.serialize("t", latest());

        List<SeriesKey> first = List.copyOf(latestSerde.deserialize("t", bytes).series().keySet());
        List<SeriesKey> second = List.copyOf(latestSerde.deserialize("t", bytes).series().keySet());

        for (int i = 0; i < first.size(); i++) {
            assertThat(second.get(i)).isSameAs(first.get(i));
        }
    }

    @Test
    void shouldMergeABatchIntoValuesReadFromTheStore() {
        LatestValues read = latestSerde.deserialize("t", latestSerde.serialize("t", latest()));

        LatestValues merged = read.merge(AvroBatch.of(batch("a1", "agent-1", 2, "eu-west-1", List.of(
                sample("cpu_core_percent", Map.of("core", "1"), T + 10_000, 7),
                sample("cpu_core_percent", Map.of("core", "0"), T - 1, 99),
                sample("load1", Map.of(), T + 10_000, 0.5)))), new SeriesKeys(), 86_400_000L);

        assertThat(merged.series()).hasSize(5);
        assertThat(merged.series().get(SeriesKey.of("cpu_core_percent", Map.of("core", "1"))))
                .isEqualTo(new LatestValues.Point(T + 10_000, 7));
        assertThat(merged.series().get(SeriesKey.of("cpu_core_percent", Map.of("core", "0"))))
                .as("an older sample does not replace the value").isEqualTo(new LatestValues.Point(T, 12.5));
        assertThat(merged.series().keySet()).as("in key order, the new series among them").containsExactly(
                SeriesKey.of("cpu_core_percent", Map.of("core", "0")),
                SeriesKey.of("cpu_core_percent", Map.of("core", "1")),
                SeriesKey.of("disk_used_bytes", Map.of("mount", "/", "device", "sda1")),
                SeriesKey.of("load1", Map.of()),
                SeriesKey.of("tempé_celsius", Map.of()));
    }

    @Test
    void shouldStillReadAssetHealthWrittenInFormatOneWithNoFiringAlerts() {
        AssetState state = new AssetState("eu-west-1", Liveness.DOWN, T, 10_000, 9_800, T + 31_000, T + 30_000);
        byte[] formatOne = FormatOne.value(out -> {
            FormatOne.string(out, "eu-west-1");
            FormatOne.string(out, "DOWN");
            out.writeLong(T);
            out.writeLong(10_000);
            out.writeLong(9_800);
            out.writeLong(T + 31_000);
            out.writeLong(T + 30_000);
        });
        AssetState.Serde serde = new AssetState.Serde();

        assertThat(serde.deserialize("t", formatOne)).isEqualTo(state);
        assertThat(serde.deserialize("t", formatOne).firing()).isEmpty();
    }

    @Test
    void shouldWriteAssetHealthWithItsFiringAlertsAsFormatTwo() {
        AssetState state = new AssetState("eu-west-1", Liveness.UP, T, 10_000, 9_800, T + 31_000, T + 30_000,
                new TreeMap<>(Map.of("0123456789ab", "critical", "ba9876543210", "warning")));
        ByteArrayOutputStream expected = new ByteArrayOutputStream();
        try (DataOutputStream out = new DataOutputStream(expected)) {
            out.writeByte(2);
            FormatOne.string(out, "eu-west-1");
            FormatOne.string(out, "UP");
            out.writeLong(T);
            out.writeLong(10_000);
            out.writeLong(9_800);
            out.writeLong(T + 31_000);
            out.writeLong(T + 30_000);
            FormatOne.map(out, new TreeMap<>(state.firing()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        AssetState.Serde serde = new AssetState.Serde();

        assertThat(serde.serialize("t", state)).isEqualTo(expected.toByteArray());
        assertThat(serde.deserialize("t", expected.toByteArray())).isEqualTo(state);
        assertThat(state.firingBySeverity()).isEqualTo(Map.of("critical", 1, "warning", 1));
    }

    @Test
    void shouldReadHeldBatchesOfFormatOneAndWriteThemAsTheirAvroBinary() {
        MetricBatch plain = batch("a1", "agent-1", 1, "eu-west-1", List.of(sample("up", T, 1),
                sample("cpu_percent", Map.of("core", "0"), T, 12.5)));
        MetricBatch enriched = MetricBatch.newBuilder(plain).setSeq(2).setSite("dub-1").setTags(Map.of("rack", "r7"))
                .setReceivedAt(T + 20).build();
        PendingBatches held = PendingBatches.waiting(T + 5).with(T, AvroBatch.of(plain))
                .with(T + 10_000, AvroBatch.of(enriched));
        byte[] formatOne = FormatOne.value(out -> {
            out.writeLong(T + 5);
            out.writeBoolean(false);
            out.writeInt(2);
            for (PendingBatches.Held h : held.batches()) {
                out.writeLong(h.timestamp());
                MetricBatch b = h.batch().toRecord();
                FormatOne.string(out, b.getAssetId());
                FormatOne.string(out, b.getAgentId());
                out.writeLong(b.getSeq());
                FormatOne.string(out, b.getRegion());
                out.writeLong(b.getSentAt());
                out.writeLong(b.getReceivedAt());
                out.writeInt(b.getSamples().size());
                for (Sample s : b.getSamples()) {
                    FormatOne.string(out, s.getName());
                    FormatOne.map(out, s.getLabels());
                    out.writeLong(s.getTimestampMs());
                    out.writeDouble(s.getValue());
                }
                out.writeBoolean(b.getSite() != null);
                if (b.getSite() != null) {
                    FormatOne.string(out, b.getSite());
                }
                FormatOne.map(out, b.getTags());
            }
        });
        PendingBatches.Serde serde = new PendingBatches.Serde();

        PendingBatches fromFormatOne = serde.deserialize("t", formatOne);
        assertThat(fromFormatOne.batches()).extracting(h -> h.batch().toRecord()).containsExactly(plain, enriched);
        assertThat(fromFormatOne).isEqualTo(held);

        byte[] formatTwo = serde.serialize("t", held);
        assertThat(formatTwo[0]).isEqualTo((byte) 2);
        assertThat(formatTwo.length).as("the batches as their Avro binary, not field by field")
                .isLessThan(formatOne.length);
        assertThat(serde.deserialize("t", formatTwo)).isEqualTo(held);
    }

    @Test
    void shouldRefuseAValueCutShortOrInAnUnknownFormat() {
        byte[] whole = latestSerde.serialize("t", latest());
        byte[] cut = java.util.Arrays.copyOf(whole, whole.length - 3);
        byte[] future = whole.clone();
        future[0] = 2;

        assertThatThrownBy(() -> latestSerde.deserialize("t", cut)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("latest values");
        assertThatThrownBy(() -> latestSerde.deserialize("t", future)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("format 2");
    }
}
