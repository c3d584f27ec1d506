package io.dams.streams.rules;

import static io.dams.streams.Fixtures.batch;
import static io.dams.streams.Fixtures.sample;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.rules.AlertRule;
import io.dams.rules.catalog.RuleCatalog;
import io.dams.rules.catalog.RuleDiff;
import io.dams.rules.eval.AlertFingerprint;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.PlatformClients;
import io.dams.streams.StreamsJob;
import io.dams.streams.Tail;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.streams.KafkaStreams;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rules job on the real platform: rules published through the catalogue, samples through the registry serdes,
 * exactly-once, a restart that restores the alert state from the changelogs.
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class RulesJobIT {

    static final Duration WITHIN = Duration.ofSeconds(60);
    static final String REGION = "eu-west-1";

    @TempDir
    Path tmp;

    @Test
    void shouldFireKeepItsAlertsAcrossARestartAndResolveWhenTheRuleIsDeleted(Endpoints platform) throws Exception {
        String run = UUID.randomUUID().toString().substring(0, 8);
        String assetId = "it-rules-" + run;
        String cpuRule = "it-high-cpu-" + run;
        String memRule = "it-high-mem-" + run;
        String cpuAlert = AlertFingerprint.of(cpuRule, Map.of("asset_id", assetId)).alertId();
        String memAlert = AlertFingerprint.of(memRule, Map.of("asset_id", assetId)).alertId();
        Path state = tmp.resolve("state");
        JobConfig config = PlatformClients.rulesJob(platform, "dams-rules-it-" + run, state);
        RuleCatalog catalog = new RuleCatalog(platform.bootstrapServers(), platform.registryUrl());
        AtomicLong seq = new AtomicLong();

        try (KafkaProducer<String, MetricBatch> samples = PlatformClients.producer(platform, Topics.METRICS_SAMPLES);
             Tail<AlertTransition> transitions = PlatformClients.tail(platform, Topics.ALERTS_TRANSITIONS)) {
            Runnable send = () -> {
                long now = System.currentTimeMillis();
                samples.send(new ProducerRecord<>(Topics.METRICS_SAMPLES.name(), assetId, batch(assetId,
                        "agent-" + run, seq.incrementAndGet(), REGION,
                        List.of(sample("cpu_percent", now, 95), sample("mem_percent", now, 95)))));
                samples.flush();
            };
            catalog.apply(new RuleDiff(List.of(rule(cpuRule, "cpu_percent{asset_id=\"" + assetId + "\"} > 90")),
                    List.of(), List.of(), List.of()), "rules-it");

            try (StreamsJob job = StreamsJob.start(config)) {
                await().atMost(WITHIN).until(() -> job.state() == KafkaStreams.State.RUNNING);
                // Agents send again and again; the job reads from the end of the topic when it first starts.
                await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).until(() -> {
                    send.run();
                    return !transitions.values(cpuAlert).isEmpty();
                });
                AlertTransition fired = transitions.values(cpuAlert).get(0);
                assertThat(fired.getToState()).isEqualTo(AlertState.FIRING);
                assertThat(fired.getAssetId()).isEqualTo(assetId);
                assertThat(fired.getRegion()).isEqualTo(REGION);
                assertThat(fired.getValue()).isEqualTo(95.0);
                assertThat(get("http://127.0.0.1:" + job.statusPort() + "/metrics"))
                        .containsPattern("dams_rules_transitions_total\\{[^}]*to=\"firing\"[^}]*} [1-9]")
                        .containsPattern("dams_rules_loaded\\{[^}]*} [1-9]");
            }

            // Lose the local state: the restarted job restores its alerts from the changelog.
            deleteTree(state);
            catalog.apply(new RuleDiff(List.of(rule(memRule, "mem_percent{asset_id=\"" + assetId + "\"} > 90")),
                    List.of(), List.of(), List.of()), "rules-it");
            try (StreamsJob job = StreamsJob.start(config)) {
                await().atMost(WITHIN).until(() -> job.state() == KafkaStreams.State.RUNNING);
                // The memory alert fires on the same batches that keep the CPU one true: once it is there, those
                // batches were evaluated against the restored state.
                await().atMost(WITHIN).pollInterval(Duration.ofMillis(500)).until(() -> {
                    send.run();
                    return !transitions.values(memAlert).isEmpty();
                });
                assertThat(transitions.values(cpuAlert)).as("the CPU alert did not fire a second time")
                        .extracting(AlertTransition::getToState).containsExactly(AlertState.FIRING);

                catalog.apply(new RuleDiff(List.of(), List.of(), List.of(cpuRule, memRule), List.of()), "rules-it");
                await().atMost(WITHIN).until(() -> transitions.values(cpuAlert).size() >= 2
                        && transitions.values(memAlert).size() >= 2);
                assertThat(transitions.values(cpuAlert)).extracting(AlertTransition::getToState)
                        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
                assertThat(transitions.values(memAlert)).extracting(AlertTransition::getToState)
                        .containsExactly(AlertState.FIRING, AlertState.RESOLVED);
                assertThat(job.state().isRunningOrRebalancing()).isTrue();
            }
        }
    }

    static AlertRule rule(String name, String condition) {
        return AlertRule.fromAvro(RulesTopologyTest.rule(name, condition, 0));
    }

    static String get(String url) throws Exception {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(url)).build(),
                HttpResponse.BodyHandlers.ofString());
        return response.body();
    }

    static void deleteTree(Path root) throws Exception {
        try (Stream<Path> files = Files.walk(root)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
