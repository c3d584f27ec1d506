package io.dams.streams.rollup;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Resolution;
import io.dams.schemas.avro.Rollup;
import io.dams.schemas.avro.SeriesAggregate;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.PlatformClients;
import io.dams.streams.StreamsJob;
import io.dams.streams.Tail;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The rollup job on the real platform: samples in, one final rollup per asset and window out, through the registry. */
@ExtendWith(EmbeddedPlatformExtension.class)
class RollupJobIT {

    static final Duration WITHIN = Duration.ofSeconds(45);
    static final long MINUTE = 60_000;
    static final Duration GRACE = Duration.ofSeconds(10);

    @TempDir
    Path tmp;

    @Test
    void shouldEmitOneFinalRollupPerAssetAndMinuteOnceGraceHasPassed(Endpoints platform) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String assetId = "it-rollup-" + run;
        // Ahead of what other tests put on the topic (stamped up to now + 20 s), so that none of this is late for its
        // partition; within BatchEventTime.MAX_AHEAD, so that it moves stream time.
        long base = (System.currentTimeMillis() / MINUTE + 2) * MINUTE;
        JobConfig config = PlatformClients.rollupJob(platform, "dams-rollup-it-" + run, tmp.resolve("state"))
                .withRollup(new RollupSettings(GRACE));

        try (StreamsJob job = StreamsJob.start(config);
             KafkaProducer<String, MetricBatch> samples = PlatformClients.producer(platform, Topics.METRICS_SAMPLES);
             Tail<Rollup> minutes = PlatformClients.tail(platform, Topics.METRICS_ROLLUP_1M)) {
            await().atMost(WITHIN).until(() -> job.state() == KafkaStreams.State.RUNNING);
            send(samples, assetId, 1, base + 5_000, 1);
            send(samples, assetId, 2, base + 15_000, 3);
            // Past the end of the first minute and its grace: it closes. The next minute closes two minutes later.
            send(samples, assetId, 3, base + MINUTE + GRACE.toMillis() + 1_000, 7);
            send(samples, assetId, 4, base + 3 * MINUTE, 9);

            await().atMost(WITHIN).until(() -> minutes.values(assetId).size() >= 2);
            List<Rollup> out = minutes.values(assetId);
            assertThat(out).extracting(Rollup::getWindowStart).containsExactly(base, base + MINUTE);
            Rollup first = out.get(0);
            assertThat(first.getResolution()).isEqualTo(Resolution.ONE_MINUTE);
            assertThat(first.getWindowEnd()).isEqualTo(base + MINUTE);
            assertThat(first.getRegion()).isEqualTo("eu-west-1");
            SeriesAggregate cpu = first.getSeries().get(0);
            assertThat(first.getSeries()).hasSize(1);
            assertThat(cpu.getName()).isEqualTo("cpu_percent");
            assertThat(List.of(cpu.getMin(), cpu.getMax(), cpu.getSum(), cpu.getLast())).containsExactly(1.0, 3.0, 4.0, 3.0);
            assertThat(cpu.getCount()).isEqualTo(2);
            assertThat(cpu.getLastTimestampMs()).isEqualTo(base + 15_000);
            assertThat(job.state().isRunningOrRebalancing()).isTrue();
        }
    }

    private static void send(KafkaProducer<String, MetricBatch> producer, String assetId, long seq, long at, double value)
            throws Exception {
        producer.send(new ProducerRecord<>(Topics.METRICS_SAMPLES.name(), assetId,
                batch(assetId, "agent-" + assetId, seq, "eu-west-1", List.of(sample("cpu_percent", at, value))))).get();
    }
}
