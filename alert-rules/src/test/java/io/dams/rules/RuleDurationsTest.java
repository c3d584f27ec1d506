package io.dams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class RuleDurationsTest {

    @Test
    void shouldReadPrometheusDurations() {
        assertThat(RuleDurations.parse("0")).isZero();
        assertThat(RuleDurations.parse("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(RuleDurations.parse("90s")).isEqualTo(Duration.ofSeconds(90));
        assertThat(RuleDurations.parse(" 5m ")).isEqualTo(Duration.ofMinutes(5));
        assertThat(RuleDurations.parse("1h30m")).isEqualTo(Duration.ofMinutes(90));
        assertThat(RuleDurations.parse("1d2h3m4s5ms")).isEqualTo(Duration.ofMillis(93_784_005));
        assertThat(RuleDurations.parse("2w")).isEqualTo(Duration.ofDays(14));
        assertThat(RuleDurations.parse("1y")).isEqualTo(Duration.ofDays(365));
    }

    @ParameterizedTest
    @ValueSource(strings = {"", "5", "5 m", "5min", "PT5M", "-5m", "1.5h", "30m1h", "5m5m", "m"})
    void shouldRefuseWhatIsNotOne(String text) {
        assertThatThrownBy(() -> RuleDurations.parse(text)).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void shouldFormatTheShortestExactForm() {
        assertThat(RuleDurations.format(Duration.ofMinutes(5))).isEqualTo("5m");
        assertThat(RuleDurations.format(Duration.ofMinutes(90))).isEqualTo("90m");
        assertThat(RuleDurations.format(Duration.ZERO)).isEqualTo("0s");
        assertThat(RuleDurations.parse(RuleDurations.format(Duration.ofMillis(1500)))).isEqualTo(Duration.ofMillis(1500));
    }
}
