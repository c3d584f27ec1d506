package io.dams.streams.rules;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ConfigException;
import io.dams.streams.Job;
import io.dams.streams.JobConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RulesSettingsTest {

    /** The module's tests run in streams-topologies/; the examples live in deploy/ at the root. */
    static final Path DEPLOY = Path.of("..", "deploy");

    @Test
    void shouldLoadTheRulesExampleAsTheDefaults() {
        JobConfig config = JobConfig.load(DEPLOY.resolve("job-rules.yaml"), Map.of());

        assertThat(config.kind()).isEqualTo(Job.RULES);
        assertThat(config.effectiveApplicationId()).isEqualTo("dams-rules");
        assertThat(config.rules()).isEqualTo(RulesSettings.defaults());
        assertThat(config.status().port()).isEqualTo(9100);
    }

    @Test
    void shouldTakeTheCheckIntervalFromTheEnvironment() {
        JobConfig config = JobConfig.load(DEPLOY.resolve("job-rules.yaml"),
                Map.of("DAMS_JOB_RULES_CHECK_INTERVAL", "2s"));

        assertThat(config.rules().checkInterval()).isEqualTo(Duration.ofSeconds(2));
    }

    @Test
    void shouldNameTheKeyOfAnInvalidValue() {
        assertThatThrownBy(() -> new RulesSettings(Duration.ofSeconds(1), 1, 10).validate("rules"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rules.maxPointsPerSeries");
        assertThatThrownBy(() -> new RulesSettings(Duration.ZERO, 720, 10).validate("rules"))
                .isInstanceOf(ConfigException.class).hasMessageContaining("rules.checkInterval");
    }
}
