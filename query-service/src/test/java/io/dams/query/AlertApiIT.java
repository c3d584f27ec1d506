package io.dams.query;

import static io.dams.query.FakeAlertStore.firing;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.query.auth.Role;
import io.dams.query.auth.Tokens;
import io.dams.query.fleet.FakeInteractiveQueryServer;
import io.dams.rules.catalog.RuleCatalog;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.dams.streams.alerting.AlertingSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * The alert, silence, rule and live-feed routes on the embedded platform (real Kafka, real schema registry): writes
 * reach the compacted topics in the wire format the rest of DAMS reads, a read right after a write shows it, deletions
 * are tombstones, and transitions published to {@code dams.alerts.transitions} reach a server-sent event client. The
 * alerting job's interactive queries are served by the real alerting job in one test, by a fake instance speaking the
 * same HTTP contract in the others (which need alerts in states of their choosing).
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class AlertApiIT {

    static final Duration WITHIN = Duration.ofSeconds(60);

    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final Tokens.IssuedToken operator = Tokens.generate("it-operator", Role.OPERATOR);
    private final String run = UUID.randomUUID().toString().substring(0, 8);

    @Test
    void shouldPublishRulesToTheCatalogAndDeleteThemWithTombstones(Endpoints platform) {
        String name = "it-rule-" + run;
        try (FakeInteractiveQueryServer alerting = new FakeInteractiveQueryServer();
             QueryService query = QueryService.start(config(platform, alerting))) {
            awaitReady(query, "/api/v2/rules");

            HttpResponse<String> created = send(query, "PUT", "/api/v2/rules/" + name, """
                    {"condition": "avg(cpu_percent) > 90", "duration": "5m", "severity": "warning",
                     "channels": ["slack"], "overrides": [{"region": "eu-west-1", "threshold": 80}]}""");

            assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
            // Read-your-writes: no waiting between the write and the read.
            HttpResponse<String> read = send(query, "GET", "/api/v2/rules/" + name, null);
            assertThat(read.statusCode()).as(read.body()).isEqualTo(200);
            assertThat(json(read).get("updated_by").asText()).isEqualTo("it-operator");
            Map<String, Rule> catalog = new RuleCatalog(platform.bootstrapServers(), platform.registryUrl()).read();
            assertThat(catalog).containsKey(name);
            assertThat(catalog.get(name).getCondition()).isEqualTo("avg(cpu_percent) > 90");
            assertThat(catalog.get(name).getDurationMs()).isEqualTo(300_000L);
            assertThat(catalog.get(name).getOverrides().get(0).getThreshold()).isEqualTo(80.0);
            assertThat(catalog.get(name).getUpdatedBy()).isEqualTo("it-operator");

            HttpResponse<String> replaced = send(query, "PUT", "/api/v2/rules/" + name,
                    "{\"condition\": \"avg(cpu_percent) > 95\", \"severity\": \"critical\"}");
            assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
            assertThat(json(send(query, "GET", "/api/v2/rules/" + name, null)).get("severity").asText())
                    .isEqualTo("critical");

            assertThat(send(query, "DELETE", "/api/v2/rules/" + name, null).statusCode()).isEqualTo(204);
            assertThat(send(query, "GET", "/api/v2/rules/" + name, null).statusCode()).isEqualTo(404);
            assertThat(new RuleCatalog(platform.bootstrapServers(), platform.registryUrl()).read())
                    .doesNotContainKey(name);
            List<ConsumerRecord<String, Rule>> records = records(platform, Topics.RULES.name(), name);
            assertThat(records).hasSize(3);
            assertThat(records.get(2).value()).as("the deletion is a tombstone").isNull();
        }
    }

    @Test
    void shouldKeepSilencesInTheCompactedTopic(Endpoints platform) {
        try (FakeInteractiveQueryServer alerting = new FakeInteractiveQueryServer();
             QueryService query = QueryService.start(config(platform, alerting))) {
            alerting.alerts.put(firing("abc-" + run, "high-cpu", "warning", "web-1", "eu-west-1"));
            awaitReady(query, "/api/v2/silences");

            HttpResponse<String> byMatchers = send(query, "POST", "/api/v2/silences", """
                    {"matchers": [{"name": "region", "op": "=", "value": "it-%s"}], "duration": "2h",
                     "comment": "integration test"}""".formatted(run));
            assertThat(byMatchers.statusCode()).as(byMatchers.body()).isEqualTo(201);
            String matcherId = json(byMatchers).get("silence_id").asText();
            assertThat(silenceIds(send(query, "GET", "/api/v2/silences", null))).contains(matcherId);

            // The seed's silence, checked against the alerting job's stores through its interactive queries.
            HttpResponse<String> byAlert = send(query, "POST", "/api/v2/alerts/silence",
                    "{\"alert_id\":\"abc-" + run + "\",\"duration\":\"2h\"}");
            assertThat(byAlert.statusCode()).as(byAlert.body()).isEqualTo(201);
            String alertSilenceId = json(byAlert).get("silence_id").asText();
            assertThat(send(query, "POST", "/api/v2/alerts/silence",
                    "{\"alert_id\":\"nobody-" + run + "\",\"duration\":\"2h\"}").statusCode()).isEqualTo(404);

            // In Kafka, not only in this service's memory: a service started now reads them from the topic.
            try (QueryService other = QueryService.start(config(platform, alerting))) {
                awaitReady(other, "/api/v2/silences");
                assertThat(silenceIds(send(other, "GET", "/api/v2/silences", null)))
                        .contains(matcherId, alertSilenceId);
                JsonNode stored = json(send(other, "GET", "/api/v2/silences/" + matcherId, null));
                assertThat(stored.get("matchers").get(0).get("value").asText()).isEqualTo("it-" + run);
                assertThat(stored.get("author").asText()).isEqualTo("it-operator");
                assertThat(stored.get("comment").asText()).isEqualTo("integration test");
            }

            assertThat(send(query, "DELETE", "/api/v2/silences/" + matcherId, null).statusCode()).isEqualTo(204);
            assertThat(silenceIds(send(query, "GET", "/api/v2/silences", null))).doesNotContain(matcherId)
                    .contains(alertSilenceId);
            assertThat(send(query, "DELETE", "/api/v2/silences/" + matcherId, null).statusCode()).isEqualTo(404);
            List<ConsumerRecord<String, io.dams.schemas.avro.Silence>> records =
                    records(platform, Topics.SILENCES.name(), matcherId);
            assertThat(records).hasSize(2);
            assertThat(records.get(1).value()).as("the deletion is a tombstone").isNull();
        }
    }

    @Test
    void shouldReadAlertsThroughTheAlertingJobsInteractiveQueries(Endpoints platform) {
        try (FakeInteractiveQueryServer alerting = new FakeInteractiveQueryServer();
             QueryService query = QueryService.start(config(platform, alerting))) {
            alerting.alerts.put(firing("a1-" + run, "high-cpu", "warning", "web-1", "eu-west-1"))
                    .put(firing("a2-" + run, "disk-full", "critical", "db-1", "us-east-1"));

            HttpResponse<String> list = send(query, "GET", "/api/v2/alerts?severity=critical", null);
            assertThat(list.statusCode()).as(list.body()).isEqualTo(200);
            assertThat(json(list).get("alerts")).hasSize(1);
            assertThat(json(list).get("alerts").get(0).get("alert_id").asText()).isEqualTo("a2-" + run);
            assertThat(send(query, "GET", "/api/v2/alerts/a1-" + run, null).statusCode()).isEqualTo(200);
            assertThat(send(query, "GET", "/api/v2/alerts/none-" + run, null).statusCode()).isEqualTo(404);

            alerting.unavailable(2);
            HttpResponse<String> rebalancing = send(query, "GET", "/api/v2/alerts", null);
            assertThat(rebalancing.statusCode()).isEqualTo(503);
            assertThat(rebalancing.headers().firstValue("Retry-After")).hasValue("2");
        }
    }

    @Test
    @Timeout(120)
    void shouldStreamTransitionsPublishedToTheTopic(Endpoints platform) {
        String alertId = "sse-" + run;
        try (FakeInteractiveQueryServer alerting = new FakeInteractiveQueryServer();
             QueryService query = QueryService.start(config(platform, alerting));
             KafkaProducer<String, AlertTransition> producer = producer(platform)) {
            // 503 until the feed follows the topic.
            await().atMost(WITHIN).until(() -> {
                try (SseStream probe = SseStream.open(uri(query, "/api/v2/stream/alerts"), auth())) {
                    return probe.status() == 200;
                }
            });
            try (SseStream stream = SseStream.open(uri(query, "/api/v2/stream/alerts?access_token="
                    + operator.secret()), null)) {
                assertThat(stream.status()).isEqualTo(200);
                assertThat(stream.next().comment()).isEqualTo("connected");

                producer.send(new ProducerRecord<>(Topics.ALERTS_TRANSITIONS.name(), alertId,
                        AlertApiTest.transition(alertId, AlertState.INACTIVE, AlertState.PENDING)));
                producer.flush();

                SseStream.Item event = stream.nextEvent();
                assertThat(event.event()).isEqualTo("transition");
                JsonNode data = RunningQueryService.JSON_READER.apply(event.data());
                assertThat(data.get("alert_id").asText()).isEqualTo(alertId);
                assertThat(data.get("to_state").asText()).isEqualTo("pending");
            }
        }
    }

    /** Against the real alerting job: its alerts through its interactive queries, and its view of our silences. */
    @Test
    void shouldReadAndSilenceTheAlertsOfTheRealAlertingJob(Endpoints platform, @TempDir Path tmp) {
        String alertId = "real-" + run;
        JobConfig d = JobConfig.defaults();
        JobConfig alertingJob = new JobConfig("alerting", platform.bootstrapServers(), platform.registryUrl(),
                "dams-alert-api-it-" + run, tmp, 1, Duration.ofMillis(100), 1, new JobConfig.Status("127.0.0.1", 0),
                d.ingest(), d.rollup(), d.rules(), AlertingSettings.defaults().withApplicationServer("127.0.0.1:0"));
        try (StreamsJob job = StreamsJob.start(alertingJob);
             QueryService query = QueryService.start(config(platform,
                     URI.create("http://" + job.applicationServer().orElseThrow())));
             KafkaProducer<String, AlertTransition> producer = producer(platform)) {
            producer.send(new ProducerRecord<>(Topics.ALERTS_TRANSITIONS.name(), alertId,
                    AlertApiTest.transition(alertId, AlertState.PENDING, AlertState.FIRING)));
            producer.flush();

            await().atMost(WITHIN).untilAsserted(() -> {
                HttpResponse<String> alert = send(query, "GET", "/api/v2/alerts/" + alertId, null);
                assertThat(alert.statusCode()).as(alert.body()).isEqualTo(200);
                assertThat(json(alert).get("state").asText()).isEqualTo("firing");
                assertThat(json(alert).get("severity").asText()).isEqualTo("critical");
            });
            HttpResponse<String> listed = send(query, "GET", "/api/v2/alerts?state=firing&asset=web-1", null);
            assertThat(listed.statusCode()).as(listed.body()).isEqualTo(200);
            List<String> ids = new ArrayList<>();
            json(listed).get("alerts").forEach(a -> ids.add(a.get("alert_id").asText()));
            assertThat(ids).contains(alertId);

            HttpResponse<String> silenced = send(query, "POST", "/api/v2/alerts/silence",
                    "{\"alert_id\":\"" + alertId + "\",\"duration\":\"2h\"}");
            assertThat(silenced.statusCode()).as(silenced.body()).isEqualTo(201);
            String silenceId = json(silenced).get("silence_id").asText();
            assertThat(send(query, "POST", "/api/v2/alerts/silence",
                    "{\"alert_id\":\"none-" + run + "\",\"duration\":\"2h\"}").statusCode()).isEqualTo(404);

            // The alerting job reads the silence from dams.silences and says so.
            await().atMost(WITHIN).untilAsserted(() -> {
                JsonNode alert = json(send(query, "GET", "/api/v2/alerts/" + alertId, null));
                assertThat(alert.get("silenced").asBoolean()).as(alert.toString()).isTrue();
                assertThat(alert.get("silenced_by").get(0).asText()).isEqualTo(silenceId);
            });
        }
    }

    private QueryConfig config(Endpoints platform, FakeInteractiveQueryServer alerting) {
        return config(platform, alerting.uri());
    }

    private QueryConfig config(Endpoints platform, URI alerting) {
        QueryConfig defaults = QueryConfig.defaults();
        return defaults.withListen("127.0.0.1", 0)
                .withTokens(List.of(operator.entry()))
                .withKafka(platform.bootstrapServers(), platform.registryUrl())
                .withAlertQueries(List.of(alerting));
    }

    private String auth() {
        return "Bearer " + operator.secret();
    }

    private void awaitReady(QueryService query, String path) {
        await().atMost(WITHIN).until(() -> send(query, "GET", path, null).statusCode() == 200);
    }

    private static URI uri(QueryService query, String path) {
        return URI.create("http://127.0.0.1:" + query.port() + path);
    }

    private HttpResponse<String> send(QueryService query, String method, String path, String body) {
        HttpRequest request = HttpRequest.newBuilder(uri(query, path)).timeout(Duration.ofSeconds(30))
                .header("Authorization", auth())
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            return http.send(request, HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    private static JsonNode json(HttpResponse<String> response) {
        return RunningQueryService.json(response);
    }

    private static List<String> silenceIds(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        List<String> ids = new ArrayList<>();
        json(response).get("silences").forEach(s -> ids.add(s.get("silence_id").asText()));
        return ids;
    }

    private static KafkaProducer<String, AlertTransition> producer(Endpoints platform) {
        Map<String, Object> config = new RegistrySerdes(platform.registryUrl()).producerConfig();
        config.put("bootstrap.servers", platform.bootstrapServers());
        return new KafkaProducer<>(config);
    }

    /** Every record of {@code key} in a one-partition topic, read from the beginning to the end. */
    private static <V> List<ConsumerRecord<String, V>> records(Endpoints platform, String topic, String key) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(platform.registryUrl()).consumerConfig());
        config.put("bootstrap.servers", platform.bootstrapServers());
        config.put("enable.auto.commit", false);
        List<ConsumerRecord<String, V>> out = new ArrayList<>();
        try (KafkaConsumer<String, V> consumer = new KafkaConsumer<>(config, new StringDeserializer(), null)) {
            TopicPartition partition = new TopicPartition(topic, 0);
            consumer.assign(List.of(partition));
            consumer.seekToBeginning(List.of(partition));
            long end = consumer.endOffsets(List.of(partition)).get(partition);
            while (consumer.position(partition) < end) {
                for (ConsumerRecord<String, V> record : consumer.poll(Duration.ofMillis(200))) {
                    if (key.equals(record.key())) {
                        out.add(record);
                    }
                }
            }
        }
        return out;
    }
}
