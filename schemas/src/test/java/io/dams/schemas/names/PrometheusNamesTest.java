package io.dams.schemas.names;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Metric and label name syntax, for names as strings and as the UTF-8 bytes the bridge reads in place. */
class PrometheusNamesTest {

    @ParameterizedTest(name = "[{0}] metric {1}, label {2}")
    @CsvSource(delimiter = '|', value = {
        "cpu_percent        | true  | true",
        "node:cpu:rate5m    | true  | false",
        "_private           | true  | true",
        "__name__           | true  | false",
        "_                  | true  | true",
        "a1                 | true  | true",
        "1a                 | false | false",
        "'cpu percent'      | false | false",
        "cpu-percent        | false | false",
        "température        | false | false",
        "'cpu_%'            | false | false",
        "''                 | false | false",
    })
    void shouldJudgeStringsAndTheirUtf8BytesAlike(String name, boolean metric, boolean label) {
        byte[] utf8 = ("xx" + name + "yy").getBytes(StandardCharsets.UTF_8);
        int length = name.getBytes(StandardCharsets.UTF_8).length;

        assertThat(PrometheusNames.isMetricName(name)).isEqualTo(metric);
        assertThat(PrometheusNames.isLabelName(name)).isEqualTo(label);
        assertThat(PrometheusNames.isMetricName(utf8, 2, length)).isEqualTo(metric);
        assertThat(PrometheusNames.isLabelName(utf8, 2, length)).isEqualTo(label);
    }
}
