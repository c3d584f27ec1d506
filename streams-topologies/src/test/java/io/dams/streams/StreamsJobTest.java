package io.dams.streams;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.nio.file.Path;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

class StreamsJobTest {

    @Test
    void shouldRunExactlyOnceWithTheConfiguredCommitIntervalAndProducerBatchesThatHoldManyRecords() {
        JobConfig config = JobConfig.defaults().withJob("ingest").withStateDir(Path.of("/tmp/dams-streams-test"));

        Properties p = StreamsJob.properties(config, "dams-ingest", new PrometheusMeterRegistry(PrometheusConfig.DEFAULT));
        StreamsConfig streams = new StreamsConfig(p);

        assertThat(streams.getString(StreamsConfig.PROCESSING_GUARANTEE_CONFIG)).isEqualTo(StreamsConfig.EXACTLY_ONCE_V2);
        assertThat(streams.getLong(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG)).isEqualTo(100);
        // A batch of samples or a per-asset store value is 5-7 KiB: a batch must hold dozens, not two.
        assertThat(streams.getProducerConfigs("client").get(ProducerConfig.BATCH_SIZE_CONFIG))
                .isEqualTo(StreamsJob.PRODUCER_BATCH_BYTES);
        assertThat(StreamsJob.PRODUCER_BATCH_BYTES).isGreaterThanOrEqualTo(20 * 7 * 1024);
    }
}
