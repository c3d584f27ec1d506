package io.dams.streams.rollup;

import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;

import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.streams.state.FormatOne;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

/** The rollup stores' values: written byte for byte as format 1 was, and read back from it (changelogs, restores). */
class WindowAggregateFormatTest {

    static final long T0 = 1_740_823_200_000L;

    final WindowAggregate.Serde serde = new WindowAggregate.Serde();

    static WindowAggregate aggregate() {
        WindowAggregate window = new WindowAggregate("eu-west-1");
        window.add("eu-west-1", sample("cpu_percent", T0 + 5_000, 4));
        window.add("eu-west-1", sample("cpu_percent", T0 + 15_000, 2));
        window.add("eu-west-1", sample("disk_used_percent", Map.of("mount", "/var"), T0 + 5_000, 70.5));
        window.add("eu-central-1", sample("disk_used_percent", Map.of("mount", "/"), T0 + 5_000, 31));
        return window;
    }

    static byte[] formatOne() {
        return FormatOne.value(out -> {
            FormatOne.string(out, "eu-central-1");
            out.writeInt(3);
            FormatOne.string(out, "cpu_percent");
            FormatOne.map(out, Map.of());
            for (double d : new double[]{2, 4, 6}) {
                out.writeDouble(d);
            }
            out.writeLong(2);
            out.writeDouble(2);
            out.writeLong(T0 + 15_000);
            FormatOne.string(out, "disk_used_percent");
            FormatOne.map(out, new TreeMap<>(Map.of("mount", "/")));
            for (double d : new double[]{31, 31, 31}) {
                out.writeDouble(d);
            }
            out.writeLong(1);
            out.writeDouble(31);
            out.writeLong(T0 + 5_000);
            FormatOne.string(out, "disk_used_percent");
            FormatOne.map(out, new TreeMap<>(Map.of("mount", "/var")));
            for (double d : new double[]{70.5, 70.5, 70.5}) {
                out.writeDouble(d);
            }
            out.writeLong(1);
            out.writeDouble(70.5);
            out.writeLong(T0 + 5_000);
        });
    }

    @Test
    void shouldWriteAWindowAsFormatOne() {
        assertThat(serde.serialize("t", aggregate())).isEqualTo(formatOne());
    }

    @Test
    void shouldReadFormatOneBackIntoTheSameRollup() {
        WindowAggregate read = serde.deserialize("t", formatOne());

        Rollup expected = aggregate().toRollup("a1", Resolution.ONE_MINUTE, T0, T0 + 60_000);
        assertThat(read.toRollup("a1", Resolution.ONE_MINUTE, T0, T0 + 60_000)).isEqualTo(expected);
        assertThat(serde.serialize("t", read)).isEqualTo(formatOne());
    }

    @Test
    void shouldKeepItsSeriesInKeyOrderWhileNewOnesArriveOutOfOrder() {
        WindowAggregate window = new WindowAggregate("eu-west-1");
        window.add("eu-west-1", sample("up", Map.of("job", "b"), T0, 1));
        window.add("eu-west-1", sample("up", Map.of("job", "a"), T0, 1));
        serde.serialize("t", window);
        window.add("eu-west-1", sample("up", Map.of("job", "ab"), T0, 1));
        window.add("eu-west-1", sample("up", Map.of("job", "c"), T0, 1));

        assertThat(window.toRollup("a1", Resolution.ONE_MINUTE, T0, T0 + 60_000).getSeries())
                .extracting(s -> s.getLabels().get("job")).containsExactly("a", "ab", "b", "c");
    }

    @Test
    void shouldKeepAddingToAWindowReadFromTheStore() {
        WindowAggregate read = serde.deserialize("t", serde.serialize("t", aggregate()));
        read.add("eu-central-1", sample("cpu_percent", T0 + 25_000, 9));
        read.add("eu-central-1", sample("disk_used_percent", Map.of("mount", "/"), T0 + 25_000, 30));
        // A series not seen before, sorting between those already there.
        read.add("eu-central-1", sample("cpu_percent", Map.of("core", "1"), T0 + 25_000, 5));

        Rollup rollup = serde.deserialize("t", serde.serialize("t", read))
                .toRollup("a1", Resolution.ONE_MINUTE, T0, T0 + 60_000);
        assertThat(rollup.getSeries()).extracting(s -> s.getName() + s.getLabels()).containsExactly(
                "cpu_percent{}", "cpu_percent{core=1}", "disk_used_percent{mount=/}", "disk_used_percent{mount=/var}");
        assertThat(rollup.getSeries().get(0).getMax()).isEqualTo(9);
        assertThat(rollup.getSeries().get(0).getCount()).isEqualTo(3);
        assertThat(rollup.getSeries().get(0).getSum()).isEqualTo(15);
        assertThat(rollup.getSeries().get(1).getCount()).isEqualTo(1);
        assertThat(rollup.getSeries().get(2).getMin()).isEqualTo(30);
        assertThat(rollup.getSeries().get(2).getLast()).isEqualTo(30);
        assertThat(rollup.getSeries().get(2).getLastTimestampMs()).isEqualTo(T0 + 25_000);
    }
}
