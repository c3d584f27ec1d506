package io.dams.streams;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.runtime.config.ConfigException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class JobConfigTest {

    /** The module's tests run in streams-topologies/; the examples live in deploy/ at the root. */
    static final Path DEPLOY = Path.of("..", "deploy");

    @TempDir
    Path tmp;

    @Test
    void shouldLoadTheIngestExampleAsTheDefaults() {
        JobConfig config = JobConfig.load(DEPLOY.resolve("job-ingest.yaml"), Map.of());

        assertThat(config.kind()).isEqualTo(Job.INGEST);
        assertThat(config.effectiveApplicationId()).isEqualTo("dams-ingest");
        assertThat(config.withJob("").ingest()).isEqualTo(JobConfig.defaults().ingest());
        assertThat(config.commitInterval()).isEqualTo(Duration.ofMillis(100));
    }

    @Test
    void shouldLoadTheRollupExample() {
        JobConfig config = JobConfig.load(DEPLOY.resolve("job-rollup.yaml"), Map.of());

        assertThat(config.kind()).isEqualTo(Job.ROLLUP);
        assertThat(config.effectiveApplicationId()).isEqualTo("dams-rollup");
        assertThat(config.rollup().grace()).isEqualTo(Duration.ofMinutes(2));
        assertThat(config.status().port()).isEqualTo(9097);
    }

    @Test
    void shouldTakeOverridesFromTheEnvironment() {
        JobConfig config = JobConfig.load(DEPLOY.resolve("job-ingest.yaml"), Map.of(
                "DAMS_JOB_BOOTSTRAP_SERVERS", "kafka-1:9092,kafka-2:9092",
                "DAMS_JOB_INGEST_ENRICHMENT_WAIT", "5s",
                "DAMS_JOB_INGEST_APPLICATION_SERVER", "10.0.0.5:7071",
                "DAMS_JOB_APPLICATION_ID", "dams-ingest-eu"));

        assertThat(config.bootstrapServers()).isEqualTo("kafka-1:9092,kafka-2:9092");
        assertThat(config.ingest().enrichmentWait()).isEqualTo(Duration.ofSeconds(5));
        assertThat(config.ingest().queryAddress().advertisedHost()).isEqualTo("10.0.0.5");
        assertThat(config.ingest().queryAddress().advertisedPort()).isEqualTo(7071);
        assertThat(config.effectiveApplicationId()).isEqualTo("dams-ingest-eu");
    }

    @Test
    void shouldNameTheKeyOfAnInvalidValue() throws Exception {
        Path file = Files.writeString(tmp.resolve("job.yaml"), "job: ingest\ncommitInterval: 0ms\n");
        assertThatThrownBy(() -> JobConfig.load(file, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("commitInterval:");

        Path server = Files.writeString(tmp.resolve("server.yaml"), "job: ingest\ningest:\n  applicationServer: x\n");
        assertThatThrownBy(() -> JobConfig.load(server, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("ingest.applicationServer:");
    }

    @Test
    void shouldRefuseAnUnknownJobAndAnUnknownKey() throws Exception {
        Path unknownJob = Files.writeString(tmp.resolve("job.yaml"), "job: anomaly\n");
        assertThatThrownBy(() -> JobConfig.load(unknownJob, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("unknown job 'anomaly'")
                .hasMessageContaining("ingest");

        Path misspelt = Files.writeString(tmp.resolve("typo.yaml"), "job: rollup\nrollup:\n  gracePeriod: 1m\n");
        assertThatThrownBy(() -> JobConfig.load(misspelt, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageContaining("gracePeriod");
    }

    @Test
    void shouldRequireAJobName() {
        assertThatThrownBy(() -> JobConfig.load(null, Map.of()))
                .isInstanceOf(ConfigException.class).hasMessageStartingWith("job:");
        assertThat(JobConfig.load(null, Map.of("DAMS_JOB_JOB", "rollup")).kind()).isEqualTo(Job.ROLLUP);
    }
}
