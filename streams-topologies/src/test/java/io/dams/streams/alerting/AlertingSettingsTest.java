package io.dams.streams.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ConfigException;
import io.dams.streams.Job;
import io.dams.streams.JobConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AlertingSettingsTest {

    /** The module's tests run in streams-topologies/; the examples live in deploy/ at the root. */
    static final Path EXAMPLE = Path.of("..", "deploy", "job-alerting.yaml");

    @TempDir
    Path tmp;

    @Test
    void shouldLoadTheExampleAsTheDefaults() {
        JobConfig config = JobConfig.load(EXAMPLE, Map.of());

        assertThat(config.kind()).isEqualTo(Job.ALERTING);
        assertThat(config.effectiveApplicationId()).isEqualTo("dams-alerting");
        assertThat(config.alerting()).isEqualTo(AlertingSettings.defaults());
        assertThat(config.status().port()).isEqualTo(9099);
        assertThat(config.alerting().queryAddress().advertisedPort()).isEqualTo(7071);
    }

    @Test
    void shouldTakeTheGroupingTimersFromTheEnvironment() {
        JobConfig config = JobConfig.load(EXAMPLE, Map.of(
                "DAMS_JOB_ALERTING_GROUP_WAIT", "0s",
                "DAMS_JOB_ALERTING_GROUP_INTERVAL", "1s",
                "DAMS_JOB_ALERTING_APPLICATION_SERVER", "10.0.0.6:7171"));

        assertThat(config.alerting().groupWait()).isZero();
        assertThat(config.alerting().groupInterval()).isEqualTo(Duration.ofSeconds(1));
        assertThat(config.alerting().queryAddress().listenHost()).isEqualTo("10.0.0.6");
    }

    @Test
    void shouldNameTheKeyOfAnInvalidTimer() throws Exception {
        Path file = Files.writeString(tmp.resolve("job.yaml"), "job: alerting\nalerting:\n  groupInterval: 0s\n");

        assertThatThrownBy(() -> JobConfig.load(file, Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessageContaining("alerting.groupInterval");
    }
}
