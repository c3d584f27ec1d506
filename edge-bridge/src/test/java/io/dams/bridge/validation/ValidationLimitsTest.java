package io.dams.bridge.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ValidationLimitsTest {

    @TempDir
    Path dir;

    private final ConfigLoader<ValidationLimits> loader =
            new ConfigLoader<>(ValidationLimits.class, ValidationLimits.defaults(), "DAMS_TEST");

    @Test
    void shouldDefaultToTheDocumentedLimits() {
        assertThat(ValidationLimits.defaults()).isEqualTo(new ValidationLimits(10_000, ByteSize.parse("4MiB"), 30, 128,
                1024, 200, 10_000, Duration.ofHours(1), Duration.ofMinutes(5), Duration.ofHours(1)));
        ValidationLimits.defaults().validate();
    }

    @Test
    void shouldReadCamelCaseYamlOverTheDefaultsAndTheEnvironmentOverBoth() throws Exception {
        Path file = Files.writeString(dir.resolve("validation.yaml"), """
                maxSamplesPerBatch: 500
                maxBatchBytes: 1MiB
                seriesIdleExpiry: 30m
                maxFutureSkew: 10s
                """);

        ValidationLimits limits = loader.load(file, Map.of("DAMS_TEST_MAX_SERIES_PER_ASSET", "250"));

        assertThat(limits.maxSamplesPerBatch()).isEqualTo(500);
        assertThat(limits.maxBatchBytes()).isEqualTo(ByteSize.ofMebibytes(1));
        assertThat(limits.seriesIdleExpiry()).isEqualTo(Duration.ofMinutes(30));
        assertThat(limits.maxFutureSkew()).isEqualTo(Duration.ofSeconds(10));
        assertThat(limits.maxSeriesPerAsset()).isEqualTo(250);
        assertThat(limits.maxPastAge()).isEqualTo(Duration.ofHours(1));
        assertThat(limits.maxLabelsPerSeries()).isEqualTo(30);
    }

    @Test
    void shouldRoundTripThroughYaml() throws Exception {
        Path file = Files.writeString(dir.resolve("validation.yaml"), loader.toYaml(ValidationLimits.defaults()));

        assertThat(loader.load(file, Map.of())).isEqualTo(ValidationLimits.defaults());
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', textBlock = """
            maxSamplesPerBatch: 0      | validation.maxSamplesPerBatch: must be at least 1
            maxBatchBytes: 0B          | validation.maxBatchBytes: must be at least 1 byte
            maxLabelsPerSeries: 0      | validation.maxLabelsPerSeries: must be at least 1
            maxLabelNameLength: -1     | validation.maxLabelNameLength: must be at least 1
            maxLabelValueLength: 0     | validation.maxLabelValueLength: must be at least 1
            maxMetricNameLength: 0     | validation.maxMetricNameLength: must be at least 1
            maxSeriesPerAsset: 0       | validation.maxSeriesPerAsset: must be at least 1
            seriesIdleExpiry: 500ms    | validation.seriesIdleExpiry: must be at least 1s
            seriesIdleExpiry: 400d     | validation.seriesIdleExpiry: must be at most 365d
            maxFutureSkew: PT-1S       | validation.maxFutureSkew: must not be negative
            maxPastAge: 0s             | validation.maxPastAge: must be positive
            """)
    void shouldRefuseUnusableLimitsNamingTheKey(String yaml, String message) throws Exception {
        Path file = Files.writeString(dir.resolve("validation.yaml"), yaml + "\n");

        assertThatThrownBy(() -> loader.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage(message);
    }

    @Test
    void shouldRefuseAMissingDuration() {
        ValidationLimits d = ValidationLimits.defaults();
        ValidationLimits limits = new ValidationLimits(d.maxSamplesPerBatch(), d.maxBatchBytes(),
                d.maxLabelsPerSeries(), d.maxLabelNameLength(), d.maxLabelValueLength(), d.maxMetricNameLength(),
                d.maxSeriesPerAsset(), d.seriesIdleExpiry(), d.maxFutureSkew(), null);

        assertThatThrownBy(limits::validate).isInstanceOf(ConfigException.class)
                .hasMessage("validation.maxPastAge: must be set");
    }
}
