package io.dams.agent.collect;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import io.dams.agent.collect.PrometheusTextParser.ParseError;
import io.dams.agent.collect.PrometheusTextParser.Result;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class PrometheusTextParserTest {

    private static final long NOW = 1_700_000_000_000L;

    @Test
    void shouldReadNamesLabelsValuesAndTimestamps() {
        Result result = PrometheusTextParser.parse("""
                http_requests_total{method="post",code="200"} 1027 1395066363000
                http_requests_total{method="post",code="400"} 3 1395066363000
                process_open_fds 12
                """, NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples()).containsExactly(
                new CollectedSample("http_requests_total", Map.of("method", "post", "code", "200"), 1395066363000L, 1027),
                new CollectedSample("http_requests_total", Map.of("method", "post", "code", "400"), 1395066363000L, 3),
                CollectedSample.of("process_open_fds", NOW, 12));
    }

    @Test
    void shouldIgnoreHelpTypeCommentsAndBlankLines() {
        Result result = PrometheusTextParser.parse("""
                # HELP queue_depth Items waiting, with a \\\\ and a \\n in the help text
                # TYPE queue_depth gauge

                # a plain comment, ignored whatever it says { = "
                   \t
                queue_depth 4
                #TYPE jobs_total counter
                jobs_total 9
                """, NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples()).extracting(CollectedSample::name, CollectedSample::value)
                .containsExactly(tuple("queue_depth", 4.0), tuple("jobs_total", 9.0));
    }

    @Test
    void shouldReadHistogramAndSummaryLinesAsOrdinarySamples() {
        Result result = PrometheusTextParser.parse("""
                # HELP request_seconds Request latency.
                # TYPE request_seconds histogram
                request_seconds_bucket{le="0.05"} 24054
                request_seconds_bucket{le="0.1"} 33444
                request_seconds_bucket{le="+Inf"} 144320
                request_seconds_sum 53423
                request_seconds_count 144320
                # TYPE rpc_seconds summary
                rpc_seconds{quantile="0.5"} 4773
                rpc_seconds{quantile="0.99"} 76656
                rpc_seconds_sum 1.7560473e+07
                rpc_seconds_count 2693
                """, NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples()).hasSize(9);
        assertThat(result.samples().get(2))
                .isEqualTo(new CollectedSample("request_seconds_bucket", Map.of("le", "+Inf"), NOW, 144320));
        assertThat(result.samples().get(6).labels()).containsExactly(Map.entry("quantile", "0.99"));
        assertThat(result.samples().get(7).value()).isEqualTo(1.7560473e7);
    }

    @Test
    void shouldUnescapeBackslashQuoteAndNewlineInLabelValues() {
        Result result = PrometheusTextParser.parse(
                "msdos_file_access_time_seconds{path=\"C:\\\\DIR\\\\FILE.TXT\",error=\"Cannot find file:\\n\\\"FILE.TXT\\\"\"} 1.458255915e9\n"
                        + "odd{text=\"a,b}c=d {\"} 1\n", NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples().get(0).labels()).containsExactly(
                Map.entry("error", "Cannot find file:\n\"FILE.TXT\""),
                Map.entry("path", "C:\\DIR\\FILE.TXT"));
        assertThat(result.samples().get(1).labels()).containsExactly(Map.entry("text", "a,b}c=d {"));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "+Inf      | Infinity",
            "-Inf      | -Infinity",
            "Inf       | Infinity",
            "NaN       | NaN",
            "1.5e3     | 1500",
            "-0.25     | -0.25",
            ".5        | 0.5",
            "7.        | 7",
            "1E-3      | 0.001",
            "+12       | 12"})
    void shouldReadEveryValueForm(String text, double expected) {
        Result result = PrometheusTextParser.parse("m " + text, NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples()).singleElement().extracting(CollectedSample::value).isEqualTo(expected);
    }

    @Test
    void shouldAllowBlanksBetweenTokensTrailingCommaAndEmptyLabels() {
        Result result = PrometheusTextParser.parse("""
                spaced { a = "1" , b="2", } \t 3   42
                empty{} 5
                  indented 6
                """, NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples()).containsExactly(
                new CollectedSample("spaced", Map.of("a", "1", "b", "2"), 42, 3),
                CollectedSample.of("empty", NOW, 5),
                CollectedSample.of("indented", NOW, 6));
    }

    @Test
    void shouldSortLabelsAndKeepThemImmutable() {
        CollectedSample sample = PrometheusTextParser.parse("m{zone=\"b\",app=\"x\",mode=\"y\"} 1", NOW).samples().get(0);

        assertThat(sample.labels().keySet()).containsExactly("app", "mode", "zone");
        assertThatThrownBy(() -> sample.labels().put("other", "1")).isInstanceOf(UnsupportedOperationException.class);
    }

    @Test
    void shouldKeepEveryGoodLineAroundBadOnesAndNameTheBadLines() {
        Result result = PrometheusTextParser.parse("""
                good_one 1
                bad{a"b"} 2
                good_two{a="b"} 3
                # TYPE good_two gauges
                bad_value abc
                good_three 4
                """, NOW);

        assertThat(result.samples()).extracting(CollectedSample::name)
                .containsExactly("good_one", "good_two", "good_three");
        assertThat(result.errors()).extracting(ParseError::toString).containsExactly(
                "line 2: expected '=' after label name 'a'",
                "line 4: unknown metric type 'gauges' (expected counter, gauge, histogram, summary or untyped)",
                "line 5: invalid value 'abc' (expected a number, +Inf, -Inf or NaN)");
        assertThat(result.errorCount()).isEqualTo(3);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', quoteCharacter = '`', value = {
            "`m{a=b} 1`               | expected '\"' to open the value of label 'a'",
            "`m{a=\"b} 1`             | unterminated value of label 'a' (missing closing '\"')",
            "`m{a=\"b\" c=\"d\"} 1`   | expected ',' or '}' after the value of label 'a', found 'c'",
            "`m{a=\"\\t\"} 1`         | invalid escape '\\t' in the value of label 'a' (only \\\\, \\\" and \\n are allowed)",
            "`m{a=\"1\",a=\"2\"} 1`   | label 'a' appears twice",
            "`m{__name__=\"x\"} 1`    | label name '__name__' is reserved (names starting with __ are)",
            "`m{1a=\"x\"} 1`          | expected a label name, found '1'",
            "`m{a=\"b\"`              | expected '}' to close the labels",
            "`m`                      | expected a value after m",
            "`m{a=\"b\"}`             | expected a value after m",
            "`m 0x10`                 | invalid value '0x10' (expected a number, +Inf, -Inf or NaN)",
            "`m 1.0f`                 | invalid value '1.0f' (expected a number, +Inf, -Inf or NaN)",
            "`m 1 soon`               | invalid timestamp 'soon' (expected milliseconds since the epoch)",
            "`m 1 1.5`                | invalid timestamp '1.5' (expected milliseconds since the epoch)",
            "`m 1 99999999999999999999` | timestamp '99999999999999999999' is out of range",
            "`m 1 2 3`                | unexpected text after the timestamp: '3'",
            "`1m 1`                   | expected a metric name, found '1'",
            "`metric-name 1`          | unexpected character '-' in metric name 'metric'",
            "`# TYPE`                 | expected a metric name after # TYPE",
            "`# TYPE m`               | expected a type after # TYPE m",
            "`# TYPE m gauge extra`   | unexpected text after # TYPE m gauge"})
    void shouldNameTheProblemOfEachMalformedLine(String line, String problem) {
        Result result = PrometheusTextParser.parse("ok 1\n" + line + "\n", NOW);

        assertThat(result.samples()).extracting(CollectedSample::name).containsExactly("ok");
        assertThat(result.errors()).containsExactly(new ParseError(2, problem));
    }

    @Test
    void shouldKeepTheFirstHundredErrorsAndCountThemAll() {
        String text = "bad line\n".repeat(150) + "good 1\n";

        Result result = PrometheusTextParser.parse(text, NOW);

        assertThat(result.errors()).hasSize(PrometheusTextParser.MAX_ERRORS_KEPT);
        assertThat(result.errors().get(99).line()).isEqualTo(100);
        assertThat(result.errorCount()).isEqualTo(150);
        assertThat(result.samples()).hasSize(1);
    }

    @Test
    void shouldReadWindowsLineEndingsAndALastLineWithoutNewline() {
        Result result = PrometheusTextParser.parse("a 1\r\nb{x=\"y\"} 2\r\nc 3", NOW);

        assertThat(result.errors()).isEmpty();
        assertThat(result.samples()).extracting(CollectedSample::name).containsExactly("a", "b", "c");
    }

    @Test
    void shouldDecodeUtf8Bytes() {
        byte[] body = "site_up{site=\"Zürich\"} 1\n".getBytes(StandardCharsets.UTF_8);

        Result result = PrometheusTextParser.parse(body, NOW);

        assertThat(result.samples()).singleElement()
                .isEqualTo(new CollectedSample("site_up", Map.of("site", "Zürich"), NOW, 1));
    }

    @Test
    void shouldReadEmptyInputAsNothing() {
        Result result = PrometheusTextParser.parse("", NOW);

        assertThat(result.samples()).isEmpty();
        assertThat(result.errors()).isEmpty();
    }
}
