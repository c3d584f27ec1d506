package io.dams.bridge.validation;

import static org.assertj.core.api.Assertions.assertThat;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dams.bridge.ingest.WireBatch;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.RejectReason;
import io.dams.schemas.ingest.v1.Rejection;
import io.dams.schemas.ingest.v1.Sample;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

class BatchValidatorTest {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");
    private static final String ASSET = "asset-1";
    private static final int SMALL_BATCH_BYTES = 100;

    private final MutableClock clock = new MutableClock(NOW);
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private BatchValidator validator = new BatchValidator(ValidationLimits.defaults(), clock, registry);

    // --- per-sample rules, in their order of precedence ---

    @Test
    void shouldRefuseInvalidMetricNameAndKeepTheSamplesBesideIt() {
        assertRefusedBetweenGoodSamples(sample("9lives", 1), RejectReason.INVALID_METRIC_NAME,
                "invalid metric name \"9lives\"");
    }

    @Test
    void shouldRefuseMetricNameLongerThanTheLimit() {
        assertThat(validator.validate(batch(sample("m".repeat(200), 1)), SMALL_BATCH_BYTES).allAccepted()).isTrue();

        assertRefusedBetweenGoodSamples(sample("m".repeat(201), 1), RejectReason.INVALID_METRIC_NAME,
                "metric name of 201 characters exceeds 200: \"" + "m".repeat(64) + "…\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"up", "_up", ":up", "node:cpu_seconds:rate5m", "A_9:", "x"})
    void shouldAcceptPrometheusMetricNames(String name) {
        assertThat(validator.validate(batch(sample(name, 1)), SMALL_BATCH_BYTES).allAccepted()).isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "9lives", "cpu-percent", "cpu percent", "cpu.percent", "cpü", "cpu\n", "{up}"})
    void shouldRefuseNonPrometheusMetricNames(String name) {
        assertThat(validator.validate(batch(sample(name, 1)), SMALL_BATCH_BYTES).rejections())
                .singleElement().extracting(Rejection::getReason).isEqualTo(RejectReason.INVALID_METRIC_NAME);
    }

    @Test
    void shouldRefuseInvalidLabelNameAndKeepTheSamplesBesideIt() {
        assertRefusedBetweenGoodSamples(sample("cpu_percent", 1, "__core", "1"), RejectReason.INVALID_LABEL_NAME,
                "invalid label name \"__core\" on cpu_percent");
    }

    @Test
    void shouldRefuseLabelNameLongerThanTheLimit() {
        assertThat(validator.validate(batch(sample("cpu_percent", 1, "l".repeat(128), "1")), SMALL_BATCH_BYTES)
                .allAccepted()).isTrue();

        assertRefusedBetweenGoodSamples(sample("cpu_percent", 1, "l".repeat(129), "1"), RejectReason.INVALID_LABEL_NAME,
                "label name of 129 characters on cpu_percent exceeds 128: \"" + "l".repeat(64) + "…\"");
    }

    @ParameterizedTest
    @ValueSource(strings = {"core", "_core", "Core9", "a_b", "_", "A"})
    void shouldAcceptPrometheusLabelNames(String labelName) {
        assertThat(validator.validate(batch(sample("cpu_percent", 1, labelName, "v")), SMALL_BATCH_BYTES).allAccepted())
                .isTrue();
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "__name__", "__core", "9core", "co-re", "co re", "cöre", "co:re", "co.re"})
    void shouldRefuseNonPrometheusLabelNames(String labelName) {
        assertThat(validator.validate(batch(sample("cpu_percent", 1, labelName, "v")), SMALL_BATCH_BYTES).rejections())
                .singleElement().extracting(Rejection::getReason).isEqualTo(RejectReason.INVALID_LABEL_NAME);
    }

    @Test
    void shouldRefuseARepeatedLabelNameAndKeepTheSamplesBesideIt() {
        assertRefusedBetweenGoodSamples(sample("cpu_percent", 1, "core", "1", "mode", "user", "core", "2"),
                RejectReason.DUPLICATE_LABEL_NAME, "duplicate label name \"core\" on cpu_percent");
        assertRefusedBetweenGoodSamples(sample("cpu_percent", 1, "mode", "user", "core", "1", "core", "1"),
                RejectReason.DUPLICATE_LABEL_NAME, "duplicate label name \"core\" on cpu_percent");
    }

    @Test
    void shouldAcceptLabelNamesThatDifferOnlyInCaseOrLength() {
        Sample sample = sample("cpu_percent", 1, "core", "1", "Core", "1", "core_id", "1", "cor", "1", "_", "1");

        assertThat(validator.validate(batch(sample), SMALL_BATCH_BYTES).allAccepted()).isTrue();
    }

    @Test
    void shouldCountRepeatedLabelNamesUnderTheirOwnReason() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        validator = new BatchValidator(ValidationLimits.defaults(), clock, prometheus);

        validator.validate(batch(good(1), sample("m", 1, "a", "1", "a", "2"), good(2)), SMALL_BATCH_BYTES);

        assertThat(prometheus.scrape())
                .contains("dams_bridge_samples_total{reason=\"\",result=\"accepted\"} 2.0")
                .contains("dams_bridge_samples_total{reason=\"duplicate_label_name\",result=\"rejected\"} 1.0");
    }

    @Test
    @Timeout(value = 10, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
    void shouldJudgeASampleWithHugelyManyLabelsInLinearTime() {
        // 100,000 labels compared pairwise would be 5·10⁹ string comparisons: minutes, not milliseconds.
        Sample.Builder huge = sample("m", 1).toBuilder();
        IntStream.range(0, 100_000).forEach(i -> huge.addLabels(label("l" + i, "")));
        Sample distinct = huge.build();
        Sample repeated = huge.addLabels(label("l0", "")).build();

        assertThat(validator.validate(batch(distinct), SMALL_BATCH_BYTES).rejections()).singleElement()
                .extracting(Rejection::getReason).isEqualTo(RejectReason.TOO_MANY_LABELS);
        assertThat(validator.validate(batch(repeated), SMALL_BATCH_BYTES).rejections()).singleElement()
                .extracting(Rejection::getReason).isEqualTo(RejectReason.DUPLICATE_LABEL_NAME);
    }

    @Test
    void shouldRefuseTooManyLabelsAndKeepTheSamplesBesideIt() {
        assertThat(validator.validate(batch(withLabels(30)), SMALL_BATCH_BYTES).allAccepted()).isTrue();

        assertRefusedBetweenGoodSamples(withLabels(31), RejectReason.TOO_MANY_LABELS,
                "cpu_percent has 31 labels, more than 30");
    }

    @Test
    void shouldRefuseTooLongLabelValueAndKeepTheSamplesBesideIt() {
        assertThat(validator.validate(batch(sample("disk_used_bytes", 1, "path", "p".repeat(1024))), SMALL_BATCH_BYTES)
                .allAccepted()).isTrue();

        assertRefusedBetweenGoodSamples(sample("disk_used_bytes", 1, "path", "p".repeat(1025)),
                RejectReason.LABEL_TOO_LONG, "label path of disk_used_bytes has 1025 characters, more than 1024");
    }

    @Test
    void shouldMeasureALabelValueInUtf16UnitsAsItsLimitIsDocumented() {
        // 2,048 bytes of UTF-8 each, the first 1,024 UTF-16 units long, the second 1,024 too (surrogate pairs).
        assertThat(validator.validate(batch(sample("m", 1, "path", "é".repeat(1024))), SMALL_BATCH_BYTES)
                .allAccepted()).isTrue();
        assertThat(validator.validate(batch(sample("m", 1, "path", "😀".repeat(512))), SMALL_BATCH_BYTES)
                .allAccepted()).isTrue();

        assertRefusedBetweenGoodSamples(sample("m", 1, "path", "é".repeat(1025)), RejectReason.LABEL_TOO_LONG,
                "label path of m has 1025 characters, more than 1024");
        assertRefusedBetweenGoodSamples(sample("m", 1, "path", "😀".repeat(512) + "x"),
                RejectReason.LABEL_TOO_LONG, "label path of m has 1025 characters, more than 1024");
    }

    @Test
    void shouldRefuseALabelValueThatIsNotUtf8AndKeepTheSamplesBesideIt() {
        Sample before = good(1);
        Sample after = good(2);
        byte[] bytes = Batch.newBuilder().setAssetId(ASSET).setAgentId("agent-1").setSeq(1)
                .addSamples(before)
                .addSamples(sample("log_lines", 1, "path", "MARKER-then-more"))
                .addSamples(after)
                .build().toByteArray();
        // A lead byte followed by no continuation byte: what a C agent with a buffer bug might send.
        int at = indexOf(bytes, "MARKER".getBytes(StandardCharsets.US_ASCII));
        bytes[at] = (byte) 0xc3;
        bytes[at + 1] = '(';
        WireBatch batch = wire(bytes);

        Validation validation = validator.validate(batch, SMALL_BATCH_BYTES);

        assertThat(accepted(batch, validation)).containsExactly(before, after);
        assertThat(validation.rejections()).containsExactly(rejection(RejectReason.INVALID_LABEL_VALUE, 1,
                "label path of log_lines is not valid UTF-8: \"\uFFFD(RKER-then-more\""));
        assertThat(count("result", "rejected", "reason", "invalid_label_value")).isEqualTo(1);
    }

    @Test
    void shouldRefuseNaNAndKeepTheSamplesBesideIt() {
        assertRefusedBetweenGoodSamples(sample("cpu_percent", Double.NaN, "core", "1"), RejectReason.NON_FINITE_VALUE,
                "cpu_percent{core=\"1\"}=NaN");
    }

    @Test
    void shouldRefuseInfinitiesAsNonFinite() {
        assertRefusedBetweenGoodSamples(sample("temp_celsius", Double.POSITIVE_INFINITY), RejectReason.NON_FINITE_VALUE,
                "temp_celsius=+Inf");
        assertRefusedBetweenGoodSamples(sample("temp_celsius", Double.NEGATIVE_INFINITY),
                RejectReason.NON_FINITE_VALUE, "temp_celsius=-Inf");
    }

    @Test
    void shouldRefuseTimestampTooFarAheadAndKeepTheSamplesBesideIt() {
        assertThat(validator.validate(batch(at(NOW.plus(Duration.ofMinutes(5)))), SMALL_BATCH_BYTES).allAccepted())
                .isTrue();

        assertRefusedBetweenGoodSamples(at(NOW.plus(Duration.ofMinutes(10))), RejectReason.TIMESTAMP_TOO_NEW,
                "cpu_percent{core=\"1\"} at 2025-06-01T12:10:00Z is 10m ahead of the bridge clock (limit 5m)");
        assertRefusedBetweenGoodSamples(at(NOW.plus(Duration.ofMinutes(5)).plusMillis(1)),
                RejectReason.TIMESTAMP_TOO_NEW,
                "cpu_percent{core=\"1\"} at 2025-06-01T12:05:00.001Z is 301s ahead of the bridge clock (limit 5m)");
    }

    @Test
    void shouldRefuseTimestampTooOldAndKeepTheSamplesBesideIt() {
        assertThat(validator.validate(batch(at(NOW.minus(Duration.ofHours(1)))), SMALL_BATCH_BYTES).allAccepted())
                .isTrue();

        assertRefusedBetweenGoodSamples(at(NOW.minus(Duration.ofHours(2))), RejectReason.TIMESTAMP_TOO_OLD,
                "cpu_percent{core=\"1\"} at 2025-06-01T10:00:00Z is 2h old (limit 1h)");
    }

    @Test
    void shouldJudgeTimestampsByTheInjectedClock() {
        Sample inAnHour = at(NOW.plus(Duration.ofHours(1)));
        assertThat(validator.validate(batch(inAnHour), SMALL_BATCH_BYTES).allAccepted()).isFalse();

        clock.advance(Duration.ofMinutes(58));

        assertThat(validator.validate(batch(inAnHour), SMALL_BATCH_BYTES).allAccepted()).isTrue();
    }

    @Test
    void shouldRefuseNewSeriesBeyondTheAssetLimitAndKeepTheSamplesBesideIt() {
        validator = new BatchValidator(withSeriesCap(2), clock, registry);
        Sample core0 = sample("cpu_percent", 10, "core", "0");
        Sample core1 = sample("cpu_percent", 11, "core", "1");
        Sample core2 = sample("cpu_percent", 12, "core", "2");
        Sample core0Again = sample("cpu_percent", 13, "core", "0");

        WireBatch batch = batch(core0, core1, core2, core0Again);
        Validation validation = validator.validate(batch, SMALL_BATCH_BYTES);

        assertThat(accepted(batch, validation)).containsExactly(core0, core1, core0Again);
        assertThat(validation.rejectedCount()).isEqualTo(1);
        assertThat(validation.rejections()).containsExactly(rejection(RejectReason.SERIES_LIMIT, 1,
                "new series cpu_percent{core=\"2\"} beyond the limit of 2 series for asset asset-1"));
    }

    @Test
    void shouldKeepAcceptingExistingSeriesAtTheLimitAndCountEachAssetApart() {
        validator = new BatchValidator(withSeriesCap(2), clock, registry);
        Sample core0 = sample("cpu_percent", 10, "core", "0");
        Sample core1 = sample("cpu_percent", 11, "core", "1");
        Sample core2 = sample("cpu_percent", 12, "core", "2");
        validator.validate(batch(core0, core1), SMALL_BATCH_BYTES);

        assertThat(validator.validate(batch(core1, core0), SMALL_BATCH_BYTES).allAccepted()).isTrue();
        assertThat(validator.validate(batch(core2), SMALL_BATCH_BYTES).acceptedCount()).isZero();
        WireBatch otherAsset = batch("asset-2", core2);
        assertThat(accepted(otherAsset, validator.validate(otherAsset, SMALL_BATCH_BYTES))).containsExactly(core2);
    }

    @Test
    void shouldStopCountingSeriesIdleForTheExpiry() {
        validator = new BatchValidator(withSeriesCap(2), clock, registry);
        Sample core0 = sample("cpu_percent", 10, "core", "0");
        Sample core1 = sample("cpu_percent", 11, "core", "1");
        validator.validate(batch(core0, core1), SMALL_BATCH_BYTES);
        clock.advance(Duration.ofMinutes(30));
        Sample core0Later = at(core0, clock.instant());
        validator.validate(batch(core0Later), SMALL_BATCH_BYTES);

        clock.advance(Duration.ofMinutes(29));
        Sample core2 = at(sample("cpu_percent", 12, "core", "2"), clock.instant());
        assertThat(validator.validate(batch(core2), SMALL_BATCH_BYTES).acceptedCount()).isZero();

        clock.advance(Duration.ofMinutes(2));
        // core1 was last seen 61 minutes ago, core0 31: core1 no longer counts, core0 still does.
        assertThat(validator.validate(batch(at(core2, clock.instant())), SMALL_BATCH_BYTES).allAccepted()).isTrue();
        assertThat(validator.validate(batch(at(core1, clock.instant())), SMALL_BATCH_BYTES).rejections())
                .extracting(Rejection::getReason).containsExactly(RejectReason.SERIES_LIMIT);
    }

    @ParameterizedTest(name = "{1}: {2} wins")
    @MethodSource("samplesBreakingTwoRules")
    void shouldReportOnlyTheFirstRuleASampleBreaks(Sample sample, String description, RejectReason expected) {
        Validation validation = validator.validate(batch(sample), SMALL_BATCH_BYTES);

        assertThat(validation.rejections()).singleElement().extracting(Rejection::getReason).isEqualTo(expected);
    }

    static Stream<Arguments> samplesBreakingTwoRules() {
        Sample tooManyLabels = withLabels(31);
        return Stream.of(
                Arguments.of(sample("9lives", 1, "__x", "1"), "bad name and bad label name",
                        RejectReason.INVALID_METRIC_NAME),
                Arguments.of(tooManyLabels.toBuilder().addLabels(label("__x", "1")).build(), "bad label name and too many",
                        RejectReason.INVALID_LABEL_NAME),
                Arguments.of(sample("m", 1, "a", "1", "a", "2", "__x", "1"), "repeated and bad label name",
                        RejectReason.INVALID_LABEL_NAME),
                Arguments.of(tooManyLabels.toBuilder().addLabels(label("l0", "again")).build(),
                        "too many labels and a repeated name", RejectReason.DUPLICATE_LABEL_NAME),
                Arguments.of(sample("m", 1, "a", "v".repeat(2000), "a", "1"), "long label and a repeated name",
                        RejectReason.DUPLICATE_LABEL_NAME),
                Arguments.of(sample("m", Double.NaN, "a", "1", "a", "1"), "repeated name and NaN",
                        RejectReason.DUPLICATE_LABEL_NAME),
                Arguments.of(tooManyLabels.toBuilder().addLabels(label("long", "v".repeat(2000))).build(),
                        "too many labels and a long one", RejectReason.TOO_MANY_LABELS),
                Arguments.of(sample("m", Double.NaN, "long", "v".repeat(2000)), "long label and NaN",
                        RejectReason.LABEL_TOO_LONG),
                Arguments.of(at(sample("m", Double.NaN), NOW.plus(Duration.ofDays(1))), "NaN and too new",
                        RejectReason.NON_FINITE_VALUE),
                Arguments.of(at(sample("m", Double.NaN), NOW.minus(Duration.ofDays(1))), "NaN and too old",
                        RejectReason.NON_FINITE_VALUE));
    }

    @Test
    void shouldNotSpendTheSeriesBudgetOnSamplesRefusedForAnotherReason() {
        validator = new BatchValidator(withSeriesCap(1), clock, registry);

        validator.validate(batch(sample("cpu_percent", Double.NaN, "core", "0")), SMALL_BATCH_BYTES);

        assertThat(validator.validate(batch(sample("cpu_percent", 1, "core", "1")), SMALL_BATCH_BYTES).allAccepted())
                .isTrue();
    }

    @Test
    void shouldGroupRefusalsByReasonWithTheFirstOffenderAsExample() {
        Sample good = good(1);
        WireBatch batch = batch(
                sample("cpu_percent", Double.NaN, "core", "1"),
                sample("9lives", 1),
                good,
                sample("cpu_percent", Double.NaN, "core", "2"));
        Validation validation = validator.validate(batch, SMALL_BATCH_BYTES);

        assertThat(accepted(batch, validation)).containsExactly(good);
        assertThat(validation.rejectedCount()).isEqualTo(3);
        assertThat(validation.rejections()).containsExactly(
                rejection(RejectReason.INVALID_METRIC_NAME, 1, "invalid metric name \"9lives\""),
                rejection(RejectReason.NON_FINITE_VALUE, 2, "cpu_percent{core=\"1\"}=NaN"));
    }

    @Test
    void shouldPassACleanBatchThroughUntouched() {
        WireBatch batch = batch(good(1), good(2), good(3));

        Validation validation = validator.validate(batch, SMALL_BATCH_BYTES);

        assertThat(validation.allAccepted()).isTrue();
        assertThat(validation.acceptedCount()).isEqualTo(3);
        assertThat(validation.refused()).isNull();
        assertThat(validation.rejectedCount()).isZero();
        assertThat(validation.rejections()).isEmpty();
    }

    @Test
    void shouldEscapeAndShortenExamples() {
        Sample quoted = sample("log_errors", Double.NaN, "msg", "said \"no\"\nthen left");
        assertThat(validator.validate(batch(quoted), SMALL_BATCH_BYTES).rejections().get(0).getExample())
                .isEqualTo("log_errors{msg=\"said \\\"no\\\"\\nthen left\"}=NaN");

        Sample.Builder wide = sample("m", Double.NaN).toBuilder();
        IntStream.range(0, 20).forEach(i -> wide.addLabels(label("label" + i, "v".repeat(100))));
        String example = validator.validate(batch(wide.build()), SMALL_BATCH_BYTES).rejections().get(0).getExample();
        assertThat(example).hasSizeLessThanOrEqualTo(RejectionExamples.MAX_LENGTH).startsWith("m{label0=\"vvv")
                .endsWith("…");
    }

    // --- batch-level refusals ---

    @Test
    void shouldRefuseEverySampleOfABatchLargerThanTheByteLimit() {
        WireBatch batch = batch(good(1), good(2), good(3));
        int limit = (int) ValidationLimits.defaults().maxBatchBytes().bytes();
        assertThat(validator.validate(batch, limit).allAccepted()).isTrue();

        Validation validation = validator.validate(batch, limit + 1);

        assertThat(accepted(batch, validation)).isEmpty();
        assertThat(validation.rejectedCount()).isEqualTo(3);
        assertThat(validation.rejections()).containsExactly(
                rejection(RejectReason.BATCH_TOO_LARGE, 3, "batch of 4194305 bytes exceeds 4MiB"));
    }

    @Test
    void shouldRefuseEverySampleOfABatchWithTooManySamples() {
        validator = new BatchValidator(withMaxSamplesPerBatch(3), clock, registry);
        assertThat(validator.validate(batch(good(1), good(2), good(3)), SMALL_BATCH_BYTES).allAccepted()).isTrue();

        WireBatch batch = batch(good(1), good(2), good(3), good(4));
        Validation validation = validator.validate(batch, SMALL_BATCH_BYTES);

        assertThat(accepted(batch, validation)).isEmpty();
        assertThat(validation.rejectedCount()).isEqualTo(4);
        assertThat(validation.rejections()).containsExactly(
                rejection(RejectReason.BATCH_TOO_MANY_SAMPLES, 4, "batch of 4 samples exceeds 3"));
    }

    @Test
    void shouldRefuseAWholeBatchBeforeTouchingTheSeriesBudget() {
        validator = new BatchValidator(withSeriesCap(1), clock, registry);
        validator.validate(batch(sample("cpu_percent", 1, "core", "0")), Integer.MAX_VALUE);

        assertThat(validator.validate(batch(sample("cpu_percent", 1, "core", "1")), SMALL_BATCH_BYTES).allAccepted())
                .isTrue();
    }

    // --- metrics ---

    @Test
    void shouldCountAcceptedAndRejectedSamplesByReason() {
        validator.validate(batch(good(1), sample("cpu_percent", Double.NaN), good(2)), SMALL_BATCH_BYTES);
        validator.validate(batch(good(3), good(4)), Integer.MAX_VALUE);

        assertThat(count("result", "accepted", "reason", "")).isEqualTo(2);
        assertThat(count("result", "rejected", "reason", "non_finite_value")).isEqualTo(1);
        assertThat(count("result", "rejected", "reason", "batch_too_large")).isEqualTo(2);
        assertThat(count("result", "rejected", "reason", "series_limit")).isZero();
    }

    @Test
    void shouldExposeAcceptedAndRejectedSamplesSideBySideInPrometheus() {
        PrometheusMeterRegistry prometheus = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        validator = new BatchValidator(ValidationLimits.defaults(), clock, prometheus);

        validator.validate(batch(good(1), sample("cpu_percent", Double.NaN), good(2)), SMALL_BATCH_BYTES);

        assertThat(prometheus.scrape())
                .contains("dams_bridge_samples_total{reason=\"\",result=\"accepted\"} 2.0")
                .contains("dams_bridge_samples_total{reason=\"non_finite_value\",result=\"rejected\"} 1.0")
                .contains("dams_bridge_samples_total{reason=\"series_limit\",result=\"rejected\"} 0.0");
    }

    // --- helpers ---

    private void assertRefusedBetweenGoodSamples(Sample bad, RejectReason reason, String example) {
        Sample before = good(1);
        Sample after = good(2);

        WireBatch batch = batch(before, bad, after);
        Validation validation = validator.validate(batch, SMALL_BATCH_BYTES);

        assertThat(accepted(batch, validation)).containsExactly(before, after);
        assertThat(validation.rejectedCount()).isEqualTo(1);
        assertThat(validation.rejections()).containsExactly(rejection(reason, 1, example));
        assertThat(validation.allAccepted()).isFalse();
    }

    private double count(String... tags) {
        return registry.get(BatchValidator.SAMPLES_METER).tags(tags).counter().count();
    }

    private static Rejection rejection(RejectReason reason, int count, String example) {
        return Rejection.newBuilder().setReason(reason).setCount(count).setExample(example).build();
    }

    private static WireBatch wire(byte[] bytes) {
        try {
            return WireBatch.parse(bytes);
        } catch (InvalidProtocolBufferException e) {
            throw new AssertionError(e);
        }
    }

    private static int indexOf(byte[] bytes, byte[] part) {
        for (int i = 0; i + part.length <= bytes.length; i++) {
            if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
                return i;
            }
        }
        throw new AssertionError("not in the batch");
    }

    /** The samples of {@code batch} that {@code validation} accepts, decoded again. */
    private static List<Sample> accepted(WireBatch batch, Validation validation) {
        return IntStream.range(0, batch.sampleCount()).filter(validation::isAccepted).mapToObj(batch::sample)
                .toList();
    }

    private static WireBatch batch(Sample... samples) {
        return batch(ASSET, samples);
    }

    private static WireBatch batch(String assetId, Sample... samples) {
        return WireBatch.of(Batch.newBuilder().setAssetId(assetId).setAgentId("agent-1").setSeq(1).setRegion("eu-west")
                .setSentAtMs(NOW.toEpochMilli()).addAllSamples(List.of(samples)).build());
    }

    private static Label label(String name, String value) {
        return Label.newBuilder().setName(name).setValue(value).build();
    }

    private static Sample good(int i) {
        return sample("node_load1", i, "cpu", Integer.toString(i));
    }

    private static Sample sample(String name, double value, String... labels) {
        Sample.Builder sample = Sample.newBuilder().setName(name).setValue(value).setTimestampMs(NOW.toEpochMilli());
        for (int i = 0; i < labels.length; i += 2) {
            sample.addLabels(label(labels[i], labels[i + 1]));
        }
        return sample.build();
    }

    private static Sample withLabels(int count) {
        Sample.Builder sample = sample("cpu_percent", 1).toBuilder();
        IntStream.range(0, count).forEach(i -> sample.addLabels(label("l" + i, "v")));
        return sample.build();
    }

    private static Sample at(Instant timestamp) {
        return at(sample("cpu_percent", 1, "core", "1"), timestamp);
    }

    private static Sample at(Sample sample, Instant timestamp) {
        return sample.toBuilder().setTimestampMs(timestamp.toEpochMilli()).build();
    }

    private static ValidationLimits withSeriesCap(int maxSeriesPerAsset) {
        ValidationLimits d = ValidationLimits.defaults();
        return new ValidationLimits(d.maxSamplesPerBatch(), d.maxBatchBytes(), d.maxLabelsPerSeries(),
                d.maxLabelNameLength(), d.maxLabelValueLength(), d.maxMetricNameLength(), maxSeriesPerAsset,
                d.seriesIdleExpiry(), d.maxFutureSkew(), d.maxPastAge());
    }

    private static ValidationLimits withMaxSamplesPerBatch(int maxSamplesPerBatch) {
        ValidationLimits d = ValidationLimits.defaults();
        return new ValidationLimits(maxSamplesPerBatch, d.maxBatchBytes(), d.maxLabelsPerSeries(),
                d.maxLabelNameLength(), d.maxLabelValueLength(), d.maxMetricNameLength(), d.maxSeriesPerAsset(),
                d.seriesIdleExpiry(), d.maxFutureSkew(), d.maxPastAge());
    }
}
