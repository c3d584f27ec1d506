package io.dams.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;

class SeriesKeyTest {

    @Test
    void shouldBeEqualWithTheSameHashWhateverMapTheLabelsCameIn() {
        Map<String, String> linked = new LinkedHashMap<>();
        linked.put("mount", "/");
        linked.put("device", "sda1");
        SeriesKey a = SeriesKey.of("disk_used_bytes", linked);
        SeriesKey b = SeriesKey.of("disk_used_bytes", new TreeMap<>(Map.of("device", "sda1", "mount", "/")));

        assertThat(a).isEqualTo(b).hasSameHashCodeAs(b);
        assertThat(a.compareTo(b)).isZero();
        assertThat(a.labels().keySet()).containsExactly("device", "mount");
        assertThat(SeriesKey.of("up", Map.of())).isEqualTo(SeriesKey.of("up", new HashMap<>()));
        assertThat(a).isNotEqualTo(SeriesKey.of("disk_used_bytes", Map.of("device", "sda1", "mount", "/var")))
                .isNotEqualTo(SeriesKey.of("disk_used_bytes", Map.of("device", "sda1")))
                .isNotEqualTo(SeriesKey.of("disk_free_bytes", linked));
    }

    @Test
    void shouldOrderByNameThenLabelsEntryByEntry() {
        List<SeriesKey> keys = List.of(
                SeriesKey.of("mem_used", Map.of()),
                SeriesKey.of("cpu_percent", Map.of("core", "1")),
                SeriesKey.of("cpu_percent", Map.of("core", "0", "mode", "user")),
                SeriesKey.of("cpu_percent", Map.of()),
                SeriesKey.of("cpu_percent", Map.of("core", "0")));

        assertThat(keys.stream().sorted().map(SeriesKey::toString)).containsExactly(
                "cpu_percent", "cpu_percent{core=0}", "cpu_percent{core=0, mode=user}", "cpu_percent{core=1}",
                "mem_used");
    }

    @Test
    void shouldKeepItsOwnCopyOfTheLabels() {
        Map<String, String> labels = new HashMap<>(Map.of("core", "0"));
        SeriesKey key = SeriesKey.of("cpu_percent", labels);
        labels.put("core", "1");

        assertThat(key.labels()).isEqualTo(Map.of("core", "0"));
        assertThat(key).isEqualTo(SeriesKey.of("cpu_percent", Map.of("core", "0")));
    }
}
