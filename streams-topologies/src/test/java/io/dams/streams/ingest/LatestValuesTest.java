package io.dams.streams.ingest;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.Sample;
import io.dams.streams.LoneStores;
import io.dams.streams.SeriesKey;
import io.dams.streams.batch.AvroBatch;
import io.dams.streams.batch.SeriesLayouts;
import io.dams.streams.state.FormatOne;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.state.KeyValueStore;
import org.junit.jupiter.api.Test;

class LatestValuesTest {

    static final long T = 1_740_830_400_000L;
    static final long RETENTION = 86_400_000L;

    final KeyValueStore<String, byte[]> layoutStore = LoneStores.keyValue(SeriesLayouts.STORE, Serdes.ByteArray());
    final SeriesLayouts layouts = SeriesLayouts.over(layoutStore);
    final LatestValues.Serde serde = new LatestValues.Serde();

    LatestValues merge(LatestValues values, List<Sample> samples) {
        AvroBatch batch = AvroBatch.of(batch("a1", "agent-1", 1, "eu-west-1", samples));
        // Through the serde each time, as the store does.
        return serde.deserialize("t", serde.serialize("t", values.merge(batch, layouts.of(batch), layouts, RETENTION)));
    }

    static Map<SeriesKey, LatestValues.Point> formatOneSeries() {
        TreeMap<SeriesKey, LatestValues.Point> series = new TreeMap<>();
        series.put(SeriesKey.of("cpu_core_percent", Map.of("core", "0")), new LatestValues.Point(T, 12.5));
        series.put(SeriesKey.of("cpu_core_percent", Map.of("core", "1")), new LatestValues.Point(T - 10_000, -0.0));
        series.put(SeriesKey.of("disk_used_bytes", Map.of("mount", "/", "device", "sda1")),
                new LatestValues.Point(T, 1e12));
        series.put(SeriesKey.of("tempé_celsius", Map.of()), new LatestValues.Point(T, Double.MAX_VALUE));
        return series;
    }

    /** Format 1 as the DataOutputStream-based serde of earlier versions wrote it. */
    static byte[] formatOne(Map<SeriesKey, LatestValues.Point> series) {
        return FormatOne.value(out -> {
            out.writeInt(series.size());
            for (var e : series.entrySet()) {
                FormatOne.string(out, e.getKey().name());
                FormatOne.map(out, e.getKey().labels());
                out.writeLong(e.getValue().timestampMs());
                out.writeDouble(e.getValue().value());
            }
        });
    }

    @Test
    void shouldReadFormatOneAndRewriteItInFormatTwoWithTheNextBatch() {
        LatestValues read = serde.deserialize("t", formatOne(formatOneSeries()));
        assertThat(read.series(layouts)).isEqualTo(formatOneSeries());
        assertThatThrownBy(() -> serde.serialize("t", read)).isInstanceOf(SerializationException.class);

        LatestValues merged = merge(read, List.of(
                sample("cpu_core_percent", Map.of("core", "1"), T + 10_000, 7),
                sample("cpu_core_percent", Map.of("core", "0"), T - 1, 99),
                sample("load1", Map.of(), T + 10_000, 0.5)));

        assertThat(serde.serialize("t", merged)[0]).isEqualTo(LatestValues.FORMAT);
        Map<SeriesKey, LatestValues.Point> series = merged.series(layouts);
        assertThat(series.get(SeriesKey.of("cpu_core_percent", Map.of("core", "1"))))
                .isEqualTo(new LatestValues.Point(T + 10_000, 7));
        assertThat(series.get(SeriesKey.of("cpu_core_percent", Map.of("core", "0"))))
                .as("an older sample does not replace the value").isEqualTo(new LatestValues.Point(T, 12.5));
        assertThat(series.keySet()).as("in key order, the new series among them").containsExactly(
                SeriesKey.of("cpu_core_percent", Map.of("core", "0")),
                SeriesKey.of("cpu_core_percent", Map.of("core", "1")),
                SeriesKey.of("disk_used_bytes", Map.of("mount", "/", "device", "sda1")),
                SeriesKey.of("load1", Map.of()),
                SeriesKey.of("tempé_celsius", Map.of()));
    }

    @Test
    void shouldKeepSixteenBytesASeriesForBatchesOfOneLayout() {
        List<Sample> samples = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            samples.add(sample("network_receive_bytes_per_second", Map.of("interface", "eth" + i), T, i));
        }
        LatestValues values = merge(LatestValues.empty(), samples);
        byte[] once = serde.serialize("t", values);
        for (int tick = 1; tick <= 5; tick++) {
            long at = T + tick * 10_000L;
            values = merge(values, samples.stream().map(s -> sample(s.getName(), s.getLabels(), at, s.getValue() + 1))
                    .toList());
        }
        byte[] after = serde.serialize("t", values);

        assertThat(after).hasSameSizeAs(once);
        // Header (5), layout id, count and timestamp mode (13), one timestamp (8), a value per series (8 each).
        assertThat(after.length).isEqualTo(5 + 13 + 8 + 100 * 8);
        assertThat(values.layoutIds()).hasSize(1);
        assertThat(values.series(layouts).get(SeriesKey.of("network_receive_bytes_per_second",
                Map.of("interface", "eth7")))).isEqualTo(new LatestValues.Point(T + 50_000, 8));
    }

    @Test
    void shouldTakeEachSeriesFromTheNewestSampleAcrossLayouts() {
        LatestValues values = merge(LatestValues.empty(), List.of(sample("a", T, 1), sample("b", T, 2)));
        values = merge(values, List.of(sample("b", T + 10, 20), sample("c", T + 10, 30)));
        values = merge(values, List.of(sample("a", T + 5, 10), sample("b", T + 5, 99)));

        assertThat(values.layoutIds()).hasSize(2);
        assertThat(values.series(layouts)).containsExactly(
                Map.entry(SeriesKey.of("a", Map.of()), new LatestValues.Point(T + 5, 10)),
                Map.entry(SeriesKey.of("b", Map.of()), new LatestValues.Point(T + 10, 20)),
                Map.entry(SeriesKey.of("c", Map.of()), new LatestValues.Point(T + 10, 30)));
    }

    @Test
    void shouldLetTheLaterArrivalWinATieAcrossLayouts() {
        LatestValues values = merge(LatestValues.empty(), List.of(sample("a", T, 1)));
        values = merge(values, List.of(sample("a", T, 2), sample("b", T, 3)));
        assertThat(values.series(layouts).get(SeriesKey.of("a", Map.of()))).isEqualTo(new LatestValues.Point(T, 2));
        values = merge(values, List.of(sample("a", T, 4)));
        assertThat(values.series(layouts).get(SeriesKey.of("a", Map.of()))).isEqualTo(new LatestValues.Point(T, 4));
    }

    @Test
    void shouldKeepTheNewerValueOfASeriesWhenABatchOfTheSameLayoutIsOlder() {
        LatestValues values = merge(LatestValues.empty(), List.of(sample("a", T + 10, 1), sample("b", T, 2)));
        values = merge(values, List.of(sample("a", T + 5, 10), sample("b", T + 5, 20)));
        assertThat(values.series(layouts)).containsExactly(
                Map.entry(SeriesKey.of("a", Map.of()), new LatestValues.Point(T + 10, 1)),
                Map.entry(SeriesKey.of("b", Map.of()), new LatestValues.Point(T + 5, 20)));
    }

    @Test
    void shouldForgetALayoutWithoutASampleForTheRetention() {
        LatestValues values = merge(LatestValues.empty(), List.of(sample("old", T, 1)));
        values = merge(values, List.of(sample("new", T + RETENTION, 2)));
        assertThat(values.series(layouts)).containsOnlyKeys(SeriesKey.of("old", Map.of()), SeriesKey.of("new", Map.of()));
        values = merge(values, List.of(sample("new", T + RETENTION + 1, 3)));
        assertThat(values.series(layouts)).containsOnlyKeys(SeriesKey.of("new", Map.of()));
        assertThat(values.layoutIds()).hasSize(1);
    }

    @Test
    void shouldFindItsLayoutsAgainAfterARestart() {
        LatestValues values = merge(LatestValues.empty(), List.of(sample("a", Map.of("x", "1"), T, 1)));
        byte[] stored = serde.serialize("t", values);

        SeriesLayouts afterRestart = SeriesLayouts.reading(layoutStore);
        assertThat(serde.deserialize("t", stored).series(afterRestart))
                .containsExactly(Map.entry(SeriesKey.of("a", Map.of("x", "1")), new LatestValues.Point(T, 1)));
        SeriesLayouts empty = SeriesLayouts.reading(LoneStores.keyValue("other", Serdes.ByteArray()));
        assertThatThrownBy(() -> serde.deserialize("t", stored).series(empty))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("is missing from series-layouts");
    }

    @Test
    void shouldRefuseAValueCutShortOrInAnUnknownFormat() {
        byte[] whole = serde.serialize("t", merge(LatestValues.empty(), List.of(sample("a", T, 1))));
        byte[] cut = Arrays.copyOf(whole, whole.length - 3);
        byte[] future = whole.clone();
        future[0] = 3;

        assertThatThrownBy(() -> serde.deserialize("t", cut)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("latest values");
        assertThatThrownBy(() -> serde.deserialize("t", future)).isInstanceOf(SerializationException.class)
                .hasMessageContaining("format 3");
        byte[] formatOneCut = formatOne(formatOneSeries());
        assertThatThrownBy(() -> serde.deserialize("t", Arrays.copyOf(formatOneCut, formatOneCut.length - 2)))
                .isInstanceOf(SerializationException.class).hasMessageContaining("latest values");
    }
}
