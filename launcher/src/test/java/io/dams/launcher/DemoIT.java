package io.dams.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.embedded.Endpoints;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code dams demo} as an operator runs it: a process that prints DAMS ready, serves the fleet through its REST API,
 * stops on SIGTERM, keeps its data.
 */
class DemoIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    Path tmp;

    @Test
    void shouldStartListTailStopAndKeepTheDataForTheNextStart() throws Exception {
        Path dataDir = tmp.resolve("demo");
        MetricBatch sent = batch();

        Demo first = Demo.start(dataDir);
        try {
            assertThat(first.output()).anyMatch(l -> l.contains("Kafka bootstrap servers"))
                    .anyMatch(l -> l.contains("Schema registry")).anyMatch(l -> l.contains("jdbc:postgresql://"));

            DamsCommandTest.Run list = DamsCommandTest.run("topics", "list", "--data-dir", dataDir.toString());
            assertThat(list.exitCode()).as(list.err()).isZero();
            assertThat(list.out().lines().filter(l -> l.startsWith("dams.")))
                    .hasSize(Topics.ALL.size()).allMatch(l -> l.endsWith(" ok"));

            Endpoints endpoints = Endpoints.readRunning(dataDir).orElseThrow();
            produce(endpoints, sent);
            assertThat(tailOne(dataDir, sent.getAssetId()).path("value").path("asset_id").asText())
                    .isEqualTo(sent.getAssetId());
            // This host's agent sends through the region's bridge.
            String host = io.dams.agent.config.AgentConfig.defaults().assetId();
            JsonNode fromAgent = tailOne(dataDir, host);
            assertThat(fromAgent.path("value").path("region").asText()).isEqualTo("eu-west-1");
            // The first batch has no rates yet (cpu_percent is one); levels such as these are in every batch.
            assertThat(fromAgent.path("value").path("samples").toString())
                    .contains("\"memory_used_percent\"").contains("\"disk_used_percent\"");

            // Agent → bridge → ingest job → query service: the host and the simulated fleet through the REST API.
            String api = first.output().stream().filter(l -> l.strip().startsWith("REST API")).findFirst().orElseThrow()
                    .replaceAll(".*(http://[^/ ]+).*", "$1");
            String token = Files.readString(dataDir.resolve("admin.token")).strip();
            assertThat(get(api + "/api/v2/assets", null).statusCode()).isEqualTo(401);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(1)).until(() -> {
                JsonNode assets = JSON.readTree(get(api + "/api/v2/assets?limit=1000", token).body()).path("assets");
                long simulated = 0;
                boolean hostUp = false;
                for (JsonNode asset : assets) {
                    simulated += asset.path("tags").path("simulated").asText().equals("true") ? 1 : 0;
                    hostUp |= asset.path("asset_id").asText().equals(host) && asset.path("status").asText().equals("ok")
                            && asset.path("registered").asBoolean();
                }
                return hostUp && simulated == 6;
            });
            HttpResponse<String> metrics = get(api + "/api/v2/metrics/" + host + "?metric=memory_used_percent", token);
            assertThat(metrics.statusCode()).as(metrics.body()).isEqualTo(200);
            JsonNode series = JSON.readTree(metrics.body()).path("series");
            assertThat(series).isNotEmpty();
            assertThat(series.get(0).path("value").asDouble()).isBetween(0.0, 100.0);

            // The shipped rules alert through the notifier to the demo inbox: a disk 97.5 % full fires
            // disk-full-critical (> 95, PagerDuty). The rules job starts at the end of the samples topic, so the
            // batch is sent again (newer each time) until the notification shows.
            long[] seq = {1};
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofSeconds(2)).until(() -> {
                produce(endpoints, batch(++seq[0]));
                return first.output().stream().anyMatch(l -> l.contains("notification to pagerduty: trigger")
                        && l.contains("disk-full-critical"));
            });
        } finally {
            first.stop();
        }
        assertThat(first.output()).anyMatch(l -> l.startsWith("DAMS stopped"));
        assertThat(first.exitCode()).isIn(0, 143);

        Demo second = Demo.start(dataDir);
        try {
            JsonNode kept = tailOne(dataDir, sent.getAssetId());
            assertThat(kept.path("key").asText()).isEqualTo(sent.getAssetId());
            assertThat(kept.path("value").path("samples").get(0).path("value").asDouble()).isEqualTo(97.5);
            assertThat(second.output()).anyMatch(l -> l.contains("topics: ") && l.contains(" 0 created"));
        } finally {
            second.stop();
        }
    }

    private static HttpResponse<String> get(String url, String token) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private static JsonNode tailOne(Path dataDir, String key) throws IOException {
        DamsCommandTest.Run tail = DamsCommandTest.run("topics", "tail", Topics.METRICS_RAW.name(), "--key", key,
                "--from-beginning", "--count", "1", "--timeout", "PT60S", "--data-dir", dataDir.toString());
        assertThat(tail.exitCode()).as(tail.err()).isZero();
        List<String> lines = tail.out().lines().toList();
        assertThat(lines).hasSize(1);
        return JSON.readTree(lines.get(0));
    }

    private static MetricBatch batch() {
        return batch(1);
    }

    private static MetricBatch batch(long seq) {
        long now = System.currentTimeMillis();
        return MetricBatch.newBuilder().setAssetId("node-demo").setAgentId("agent-demo").setSeq(seq)
                .setRegion("eu-west-1").setSentAt(now)
                .setSamples(List.of(Sample.newBuilder().setName("disk_used_percent").setLabels(Map.of("mount", "/"))
                        .setTimestampMs(now).setValue(97.5).build()))
                .build();
    }

    private static void produce(Endpoints endpoints, MetricBatch batch) throws Exception {
        Map<String, Object> props = new HashMap<>(new RegistrySerdes(endpoints.registryUrl()).producerConfig());
        props.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, endpoints.bootstrapServers());
        try (KafkaProducer<String, MetricBatch> producer = new KafkaProducer<>(props)) {
            producer.send(new ProducerRecord<>(Topics.METRICS_RAW.name(), batch.getAssetId(), batch)).get();
        }
    }

    /** A {@code dams demo} child process, run from the launcher jar the build just made; its output goes to a file. */
    private record Demo(Process process, Path log) {

        static Demo start(Path dataDir) throws IOException {
            String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
            String jar = System.getProperty("dams.launcher.jar");
            assertThat(jar).as("system property dams.launcher.jar (set by failsafe)").isNotBlank();
            Path log = Files.createTempFile(dataDir.getParent(), "demo-", ".log");
            Process process = new ProcessBuilder(java, "-jar", jar, "demo", "--data-dir", dataDir.toString(),
                    "--kafka-port", "0", "--controller-port", "0", "--registry-port", "0", "--postgres-port", "0",
                    "--bridge-port", "0", "--agent-port", "0", "--api-port", "0", "--assets", "6",
                    "--registry-dist", System.getProperty("dams.registry.dist"))
                    .redirectErrorStream(true)
                    .redirectOutput(log.toFile())
                    .start();
            Demo demo = new Demo(process, log);
            try {
                await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200))
                        .until(() -> demo.output().stream().anyMatch(l -> l.startsWith("DAMS ready")) || !process.isAlive());
                assertThat(demo.output()).as("demo output").anyMatch(l -> l.startsWith("DAMS ready"));
            } finally {
                demo.output().forEach(l -> System.out.println("[demo] " + l));
            }
            return demo;
        }

        List<String> output() throws IOException {
            return Files.readAllLines(log, StandardCharsets.UTF_8);
        }

        void stop() throws Exception {
            process.destroy();
            boolean exited = process.waitFor(60, TimeUnit.SECONDS);
            output().stream().dropWhile(l -> !l.startsWith("DAMS ready")).skip(1)
                    .forEach(l -> System.out.println("[demo] " + l));
            if (!exited) {
                process.destroyForcibly();
                throw new AssertionError("demo did not stop within 60 s of SIGTERM");
            }
        }

        int exitCode() {
            return process.exitValue();
        }
    }
}
