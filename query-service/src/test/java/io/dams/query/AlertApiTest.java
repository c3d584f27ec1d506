package io.dams.query;

import static io.dams.query.FakeAlertStore.firing;
import static io.dams.query.FakeAlertStore.inState;
import static io.dams.query.RunningQueryService.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.query.fleet.StoreUnavailableException;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.avro.Severity;
import io.dams.schemas.avro.Silence;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The alert, silence, rule and live-feed routes over real HTTP against the real server, with the alerting job's store,
 * the tables and the feed faked: the validation, the status codes, the roles and the JSON.
 */
class AlertApiTest {

    private final RunningQueryService api = new RunningQueryService(
            new QueryConfig.LiveFeedSettings(Duration.ofMillis(100), 2, 100));

    @AfterEach
    void stop() {
        api.close();
    }

    private static List<String> ids(JsonNode list, String array, String field) {
        List<String> ids = new ArrayList<>();
        list.get(array).forEach(a -> ids.add(a.get(field).asText()));
        return ids;
    }

    private static String seedSilence(String alertId, String duration) {
        return "{\"alert_id\":\"" + alertId + "\",\"duration\":\"" + duration + "\"}";
    }

    // --- alerts

    @Test
    void shouldListAlertsFilteredByStateRegionSeverityAndAsset() {
        api.alerts.put(firing("a1", "high-cpu", "warning", "web-1", "eu-west-1"))
                .put(firing("a2", "disk-full", "critical", "db-1", "us-east-1"))
                .put(inState(firing("a3", "high-cpu", "warning", "web-2", "eu-west-1"), "pending"))
                .put(inState(firing("a4", "disk-full", "critical", "web-1", "eu-west-1"), "resolved"));

        assertThat(ids(json(api.get("/api/v2/alerts", api.viewer)), "alerts", "alert_id"))
                .containsExactly("a1", "a2", "a3", "a4");
        assertThat(ids(json(api.get("/api/v2/alerts?state=firing", api.viewer)), "alerts", "alert_id"))
                .containsExactly("a1", "a2");
        assertThat(ids(json(api.get("/api/v2/alerts?state=firing&state=pending&region=eu-west-1", api.viewer)),
                "alerts", "alert_id")).containsExactly("a1", "a3");
        assertThat(ids(json(api.get("/api/v2/alerts?severity=critical", api.viewer)), "alerts", "alert_id"))
                .containsExactly("a2", "a4");
        assertThat(ids(json(api.get("/api/v2/alerts?asset=web-1&severity=warning", api.viewer)), "alerts",
                "alert_id")).containsExactly("a1");
    }

    @Test
    void shouldAnswerOneAlertWithItsTimesAndSilences() {
        api.alerts.put(firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));

        HttpResponse<String> response = api.get("/api/v2/alerts/abc123", api.viewer);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode alert = json(response);
        assertThat(alert.get("rule_name").asText()).isEqualTo("high-cpu");
        assertThat(alert.get("state").asText()).isEqualTo("firing");
        assertThat(alert.get("group_labels").get("asset_id").asText()).isEqualTo("web-1");
        assertThat(alert.get("firing_since").asText()).isEqualTo("2023-11-14T22:14:20Z");
        assertThat(alert.get("firing_since_ms").asLong()).isEqualTo(1_700_000_060_000L);
        assertThat(alert.get("resolved_at").isNull()).isTrue();
        assertThat(alert.get("value").asDouble()).isEqualTo(97.5);
        assertThat(alert.get("silenced").asBoolean()).isFalse();
        assertThat(api.get("/api/v2/alerts/nope", api.viewer).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldPageAlertsWithACursor() {
        for (int i = 0; i < 5; i++) {
            api.alerts.put(firing("a" + i, "r", "warning", "web-" + i, "eu"));
        }

        JsonNode first = json(api.get("/api/v2/alerts?limit=2", api.viewer));
        JsonNode second = json(api.get("/api/v2/alerts?limit=2&cursor=" + first.get("next_cursor").asText(),
                api.viewer));
        JsonNode last = json(api.get("/api/v2/alerts?limit=2&cursor=" + second.get("next_cursor").asText(),
                api.viewer));

        assertThat(ids(first, "alerts", "alert_id")).containsExactly("a0", "a1");
        assertThat(ids(second, "alerts", "alert_id")).containsExactly("a2", "a3");
        assertThat(ids(last, "alerts", "alert_id")).containsExactly("a4");
        assertThat(last.get("next_cursor").isNull()).isTrue();
        // An asset listing's cursor is not an alert listing's.
        assertThat(api.get("/api/v2/alerts?cursor=" + io.dams.query.assets.Cursor.after("a1"), api.viewer)
                .statusCode()).isEqualTo(400);
    }

    @Test
    void shouldRefuseAnUnknownFilterValueNamingIt() {
        HttpResponse<String> state = api.get("/api/v2/alerts?state=burning", api.viewer);
        HttpResponse<String> severity = api.get("/api/v2/alerts?severity=fatal", api.viewer);

        assertThat(state.statusCode()).isEqualTo(400);
        assertThat(json(state).get("field").asText()).isEqualTo("state");
        assertThat(json(severity).get("field").asText()).isEqualTo("severity");
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileTheAlertStoresCannotAnswer() {
        api.alerts.unavailable(new StoreUnavailableException("the alert stores cannot answer now", "rebalancing",
                Duration.ofSeconds(3), null));

        HttpResponse<String> response = api.get("/api/v2/alerts", api.viewer);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("3");
        assertThat(json(response).get("error").asText()).startsWith("the alert stores cannot answer now");
    }

    // --- silences

    @Test
    void shouldSilenceAnAlertAsTheSeedDoes() {
        api.alerts.put(firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));

        HttpResponse<String> response = api.post("/api/v2/alerts/silence", "{\"alert_id\":\"abc123\",\"duration\":\"2h\"}",
                api.operator);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        JsonNode silence = json(response);
        String id = silence.get("silence_id").asText();
        assertThat(response.headers().firstValue("Location")).hasValue("/api/v2/silences/" + id);
        assertThat(silence.get("alert_id").asText()).isEqualTo("abc123");
        assertThat(silence.get("matchers")).isEmpty();
        assertThat(silence.get("author").asText()).isEqualTo("ops");
        assertThat(silence.get("comment").isNull()).isTrue();
        assertThat(silence.get("state").asText()).isEqualTo("active");
        assertThat(silence.get("ends_at_ms").asLong() - silence.get("starts_at_ms").asLong())
                .isEqualTo(Duration.ofHours(2).toMillis());
        assertThat(Instant.parse(silence.get("ends_at").asText()).toEpochMilli())
                .isEqualTo(silence.get("ends_at_ms").asLong());
        Silence stored = api.silences.get(id).orElseThrow();
        assertThat(stored.getAlertId()).isEqualTo("abc123");
        assertThat(stored.getAuthor()).isEqualTo("ops");
        assertThat(ids(json(api.get("/api/v2/silences", api.viewer)), "silences", "silence_id")).containsExactly(id);
    }

    @ParameterizedTest
    @ValueSource(strings = {"\"2 hours\"", "\"-5m\"", "\"0s\"", "\"PT-2H\"", "\"99999999999999999999d\"", "120", "null"})
    void shouldRefuseABadOrMissingDuration(String duration) {
        api.alerts.put(firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));

        HttpResponse<String> response = api.post("/api/v2/alerts/silence",
                "{\"alert_id\":\"abc123\",\"duration\":" + duration + "}", api.operator);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).get("field").asText()).isEqualTo("duration");
        assertThat(api.silences.entries()).isEmpty();
    }

    @Test
    void shouldAnswer404ForSilencingAnUnknownAlert() {
        HttpResponse<String> response = api.post("/api/v2/alerts/silence", seedSilence("abc123", "2h"), api.operator);

        assertThat(response.statusCode()).isEqualTo(404);
        assertThat(json(response).get("error").asText()).contains("abc123");
        assertThat(api.silences.entries()).isEmpty();
    }

    @Test
    void shouldLetOnlyOperatorsWrite() {
        api.alerts.put(firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));
        String rule = "{\"condition\": \"cpu_percent > 90\", \"severity\": \"warning\"}";
        String matchers = "{\"matchers\":[{\"name\":\"region\",\"op\":\"=\",\"value\":\"eu\"}],\"duration\":\"1h\"}";

        for (HttpResponse<String> refused : List.of(
                api.post("/api/v2/alerts/silence", seedSilence("abc123", "2h"), api.viewer),
                api.post("/api/v2/silences", matchers, api.viewer),
                api.delete("/api/v2/silences/x", api.viewer),
                api.put("/api/v2/rules/high-cpu", rule, api.viewer),
                api.delete("/api/v2/rules/high-cpu", api.viewer))) {
            assertThat(refused.statusCode()).as(refused.request().method() + " " + refused.uri()).isEqualTo(403);
        }
        for (HttpResponse<String> refused : List.of(
                api.post("/api/v2/alerts/silence", seedSilence("abc123", "2h"), null),
                api.put("/api/v2/rules/high-cpu", rule, null),
                api.get("/api/v2/silences", (String) null),
                api.get("/api/v2/rules", (String) null),
                api.get("/api/v2/alerts", (String) null))) {
            assertThat(refused.statusCode()).as(refused.request().method() + " " + refused.uri()).isEqualTo(401);
            assertThat(refused.headers().firstValue("WWW-Authenticate")).isPresent();
        }
        assertThat(api.silences.entries()).isEmpty();
        assertThat(api.rules.entries()).isEmpty();
        assertThat(api.post("/api/v2/alerts/silence", seedSilence("abc123", "2h"), api.admin).statusCode())
                .isEqualTo(201);
    }

    @Test
    void shouldSilenceByLabelMatchersAndListDeleteIt() {
        String body = """
                {"matchers": [{"name": "region", "op": "=", "value": "eu-west-1"},
                              {"name": "rule_name", "op": "=~", "value": "high-.*"}],
                 "duration": "30m", "comment": "maintenance"}""";

        HttpResponse<String> created = api.post("/api/v2/silences", body, api.operator);

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        JsonNode silence = json(created);
        String id = silence.get("silence_id").asText();
        assertThat(silence.get("alert_id").isNull()).isTrue();
        assertThat(silence.get("matchers").get(1).get("op").asText()).isEqualTo("=~");
        assertThat(silence.get("comment").asText()).isEqualTo("maintenance");
        Silence stored = api.silences.get(id).orElseThrow();
        assertThat(stored.getMatchers()).containsExactly(
                new LabelMatcher("region", MatchOp.EQ, "eu-west-1"), new LabelMatcher("rule_name", MatchOp.RE, "high-.*"));
        assertThat(json(api.get("/api/v2/silences/" + id, api.viewer)).get("state").asText()).isEqualTo("active");

        assertThat(api.delete("/api/v2/silences/" + id, api.operator).statusCode()).isEqualTo(204);
        assertThat(api.silences.entries()).isEmpty();
        assertThat(api.delete("/api/v2/silences/" + id, api.operator).statusCode()).isEqualTo(404);
        assertThat(api.get("/api/v2/silences/" + id, api.viewer).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldListPendingAndActiveSilencesAndExpiredOnesOnlyWhenAsked() {
        long now = System.currentTimeMillis();
        api.silences.put("expired", silence("expired", now - 7_200_000, now - 3_600_000));
        api.silences.put("active", silence("active", now - 3_600_000, now + 3_600_000));
        api.silences.put("pending", silence("pending", now + 3_600_000, now + 7_200_000));

        assertThat(ids(json(api.get("/api/v2/silences", api.viewer)), "silences", "silence_id"))
                .containsExactly("active", "pending");
        assertThat(ids(json(api.get("/api/v2/silences?state=expired", api.viewer)), "silences", "silence_id"))
                .containsExactly("expired");
        assertThat(ids(json(api.get("/api/v2/silences?state=expired&state=active&state=pending", api.viewer)),
                "silences", "state")).containsExactly("expired", "active", "pending");
        assertThat(json(api.get("/api/v2/silences?state=gone", api.viewer)).get("field").asText()).isEqualTo("state");
    }

    @Test
    void shouldStartAtTheGivenTimeAndEndAtTheGivenEnd() {
        String body = """
                {"matchers": [{"name": "region", "value": "eu-west-1"}],
                 "starts_at": "2099-01-01T10:00:00Z", "ends_at": "2099-01-01T12:00:00+01:00"}""";

        JsonNode silence = json(api.post("/api/v2/silences", body, api.operator));

        assertThat(silence.get("starts_at").asText()).isEqualTo("2099-01-01T10:00:00Z");
        assertThat(silence.get("ends_at").asText()).isEqualTo("2099-01-01T11:00:00Z");
        assertThat(silence.get("state").asText()).isEqualTo("pending");
        assertThat(silence.get("matchers").get(0).get("op").asText()).isEqualTo("=");
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "matchers[0].value|{\"matchers\":[{\"name\":\"region\",\"op\":\"=~\",\"value\":\"eu-(west\"}],\"duration\":\"1h\"}",
            "matchers[0].name|{\"matchers\":[{\"name\":\"2region\",\"op\":\"=\",\"value\":\"eu\"}],\"duration\":\"1h\"}",
            "matchers[0].name|{\"matchers\":[{\"name\":\"__name__\",\"op\":\"=\",\"value\":\"eu\"}],\"duration\":\"1h\"}",
            "matchers[0].op|{\"matchers\":[{\"name\":\"region\",\"op\":\"==\",\"value\":\"eu\"}],\"duration\":\"1h\"}",
            "matchers[1].value|{\"matchers\":[{\"name\":\"a\",\"value\":\"b\"},{\"name\":\"c\"}],\"duration\":\"1h\"}",
            "matchers|{\"matchers\":[{\"name\":\"region\",\"op\":\"=~\",\"value\":\".*\"}],\"duration\":\"1h\"}",
            "matchers|{\"matchers\":[{\"name\":\"region\",\"op\":\"!=\",\"value\":\"eu\"}],\"duration\":\"1h\"}",
            "matchers|{\"matchers\":[],\"duration\":\"1h\"}",
            "matchers|{\"duration\":\"1h\"}",
            "duration|{\"matchers\":[{\"name\":\"region\",\"value\":\"eu\"}]}",
            "duration|{\"matchers\":[{\"name\":\"region\",\"value\":\"eu\"}],\"duration\":\"1h\",\"ends_at\":\"2099-01-01T00:00:00Z\"}",
            "ends_at|{\"matchers\":[{\"name\":\"region\",\"value\":\"eu\"}],\"ends_at\":\"tomorrow\"}",
            "ends_at|{\"matchers\":[{\"name\":\"region\",\"value\":\"eu\"}],\"ends_at\":\"2001-01-01T00:00:00Z\"}",
            "starts_at|{\"matchers\":[{\"name\":\"region\",\"value\":\"eu\"}],\"starts_at\":\"soon\",\"duration\":\"1h\"}",
            "creator|{\"matchers\":[{\"name\":\"region\",\"value\":\"eu\"}],\"duration\":\"1h\",\"creator\":\"me\"}"})
    void shouldRefuseABadMatcherSilenceNamingTheField(String fieldAndBody) {
        String field = fieldAndBody.substring(0, fieldAndBody.indexOf('|'));
        String body = fieldAndBody.substring(fieldAndBody.indexOf('|') + 1);

        HttpResponse<String> response = api.post("/api/v2/silences", body, api.operator);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).get("field").asText()).as(response.body()).isEqualTo(field);
        assertThat(api.silences.entries()).isEmpty();
    }

    @Test
    void shouldPointAtBrokenJsonByLineAndColumn() {
        HttpResponse<String> response = api.post("/api/v2/alerts/silence", "{\n  \"alert_id\": abc\n}", api.operator);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("line").asInt()).isEqualTo(2);
        assertThat(json(response).get("column").asInt()).isGreaterThan(1);
    }

    @Test
    void shouldAnswer503WhenTheSilenceCannotBeWritten() {
        api.alerts.put(firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));
        api.silences.unavailable(new StoreUnavailableException("the silences cannot be read or written now",
                "timeout", Duration.ofSeconds(5), null));

        HttpResponse<String> response = api.post("/api/v2/alerts/silence", seedSilence("abc123", "2h"), api.operator);

        assertThat(response.statusCode()).isEqualTo(503);
        assertThat(response.headers().firstValue("Retry-After")).hasValue("5");
    }

    // --- rules

    @Test
    void shouldCreateReplaceReadAndDeleteARule() {
        String body = """
                {"condition": "avg(cpu_percent) > 90", "duration": "5m", "severity": "warning",
                 "channels": ["slack", "email", "teams"], "labels": {"team": "web"},
                 "annotations": {"summary": "CPU high"},
                 "overrides": [{"region": "eu-west-1", "threshold": 80}]}""";

        HttpResponse<String> created = api.put("/api/v2/rules/high-cpu-warning", body, api.operator);
        HttpResponse<String> replaced = api.put("/api/v2/rules/high-cpu-warning",
                body.replace("> 90", "> 95").replace("\"5m\"", "\"10m\""), api.operator);

        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        assertThat(created.headers().firstValue("Location")).hasValue("/api/v2/rules/high-cpu-warning");
        assertThat(replaced.statusCode()).as(replaced.body()).isEqualTo(200);
        JsonNode rule = json(api.get("/api/v2/rules/high-cpu-warning", api.viewer));
        assertThat(rule.get("name").asText()).isEqualTo("high-cpu-warning");
        assertThat(rule.get("condition").asText()).isEqualTo("avg(cpu_percent) > 95");
        assertThat(rule.get("duration").asText()).isEqualTo("10m");
        assertThat(rule.get("window").asText()).isEqualTo("1m");
        assertThat(rule.get("severity").asText()).isEqualTo("warning");
        assertThat(rule.get("channels").toString()).isEqualTo("[\"slack\",\"email\",\"teams\"]");
        assertThat(rule.get("overrides").get(0).get("threshold").asDouble()).isEqualTo(80.0);
        assertThat(rule.get("overrides").get(0).has("duration")).isFalse();
        assertThat(rule.get("updated_by").asText()).isEqualTo("ops");
        assertThat(api.rules.get("high-cpu-warning").orElseThrow().getDurationMs()).isEqualTo(600_000L);
        assertThat(ids(json(api.get("/api/v2/rules", api.viewer)), "rules", "name"))
                .containsExactly("high-cpu-warning");

        assertThat(api.delete("/api/v2/rules/high-cpu-warning", api.operator).statusCode()).isEqualTo(204);
        assertThat(api.rules.entries()).isEmpty();
        assertThat(api.get("/api/v2/rules/high-cpu-warning", api.viewer).statusCode()).isEqualTo(404);
        assertThat(api.delete("/api/v2/rules/high-cpu-warning", api.operator).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldAcceptARuleReadBackAsItsOwnBody() {
        api.put("/api/v2/rules/disk-full", "{\"condition\": \"disk_used_percent > 95\", \"severity\": \"critical\","
                + " \"channels\": [\"pagerduty\"], \"overrides\": [{\"region\": \"eu\", \"duration\": \"1m\"}]}",
                api.operator);
        com.fasterxml.jackson.databind.node.ObjectNode read =
                (com.fasterxml.jackson.databind.node.ObjectNode) json(api.get("/api/v2/rules/disk-full", api.viewer));
        read.remove(List.of("updated_at", "updated_at_ms", "updated_by"));

        HttpResponse<String> again = api.put("/api/v2/rules/disk-full", read.toString(), api.operator);

        assertThat(again.statusCode()).as(again.body()).isEqualTo(200);
    }

    @Test
    void shouldPointAtTheProblemInABadConditionByLineAndColumn() {
        String body = "{\n  \"condition\": \"median(cpu_percent) > 90\",\n  \"severity\": \"warning\"\n}";

        HttpResponse<String> response = api.put("/api/v2/rules/high-cpu", body, api.operator);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        JsonNode error = json(response);
        assertThat(error.get("field").asText()).isEqualTo("condition");
        assertThat(error.get("line").asInt()).isEqualTo(2);
        assertThat(error.get("column").asInt()).isEqualTo(17);
        assertThat(error.get("error").asText()).startsWith("line 2, column 17: ").contains("median");
        assertThat(api.rules.entries()).isEmpty();
    }

    @ParameterizedTest
    @ValueSource(strings = {
            "channels[0]|{\"condition\": \"cpu_percent > 90\", \"severity\": \"warning\", \"channels\": [\"sms\"]}",
            "severity|{\"condition\": \"cpu_percent > 90\", \"severity\": \"fatal\"}",
            "severity|{\"condition\": \"cpu_percent > 90\"}",
            "duration|{\"condition\": \"cpu_percent > 90\", \"severity\": \"warning\", \"duration\": \"5 minutes\"}",
            "condition|{\"condition\": \"cpu_percent{mount=~\\\"(\\\"} > 90\", \"severity\": \"warning\"}",
            "for|{\"condition\": \"cpu_percent > 90\", \"severity\": \"warning\", \"for\": \"5m\"}",
            "name|{\"name\": \"other\", \"condition\": \"cpu_percent > 90\", \"severity\": \"warning\"}"})
    void shouldRefuseARuleTheCliRefusesNamingTheField(String fieldAndBody) {
        String field = fieldAndBody.substring(0, fieldAndBody.indexOf('|'));
        String body = fieldAndBody.substring(fieldAndBody.indexOf('|') + 1);

        HttpResponse<String> response = api.put("/api/v2/rules/high-cpu", body, api.operator);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(json(response).get("field").asText()).as(response.body()).isEqualTo(field);
        assertThat(api.rules.entries()).isEmpty();
    }

    @Test
    void shouldRefuseARuleNameTheCliRefuses() {
        HttpResponse<String> response = api.put("/api/v2/rules/-high%20cpu",
                "{\"condition\": \"cpu_percent > 90\", \"severity\": \"warning\"}", api.operator);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("field").asText()).isEqualTo("name");
        assertThat(json(response).get("error").asText()).contains("-high cpu");
    }

    // --- live feed

    @Test
    @Timeout(30)
    void shouldStreamTransitionsAsServerSentEvents() {
        try (SseStream stream = SseStream.open(api.uri("/api/v2/stream/alerts"), "Bearer " + api.viewer.secret())) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.response.headers().firstValue("Content-Type")).hasValueSatisfying(
                    v -> assertThat(v).startsWith("text/event-stream"));
            assertThat(stream.next().comment()).isEqualTo("connected");

            api.transitions.publish(transition("abc123", AlertState.PENDING, AlertState.FIRING));
            SseStream.Item event = stream.nextEvent();

            assertThat(event.event()).isEqualTo("transition");
            JsonNode data = RunningQueryService.JSON_READER.apply(event.data());
            assertThat(data.get("alert_id").asText()).isEqualTo("abc123");
            assertThat(data.get("from_state").asText()).isEqualTo("pending");
            assertThat(data.get("to_state").asText()).isEqualTo("firing");
            assertThat(data.get("severity").asText()).isEqualTo("critical");
            assertThat(data.get("at").asText()).isEqualTo("2023-11-14T22:13:20Z");
            assertThat(data.get("group_labels").get("asset_id").asText()).isEqualTo("web-1");
            // Idle: heartbeats keep the connection alive.
            assertThat(stream.next().comment()).isEqualTo("heartbeat");
        }
    }

    @Test
    @Timeout(30)
    void shouldDropAClientThatWentAway() {
        SseStream stream = SseStream.open(api.uri("/api/v2/stream/alerts"), "Bearer " + api.viewer.secret());
        assertThat(stream.next().comment()).isEqualTo("connected");
        assertThat(api.transitions.subscribers()).isEqualTo(1);

        stream.close();

        // Noticed at the next heartbeat at the latest.
        await().atMost(Duration.ofSeconds(10)).until(() -> api.transitions.subscribers() == 0);
        assertThat(metric("dams_query_live_feed_clients")).isEqualTo(0.0);
    }

    @Test
    @Timeout(30)
    void shouldTakeTheTokenFromTheQueryOnTheStreamOnly() {
        try (SseStream stream = SseStream.open(api.uri("/api/v2/stream/alerts?access_token=" + api.viewer.secret()),
                null)) {
            assertThat(stream.status()).isEqualTo(200);
            assertThat(stream.next().comment()).isEqualTo("connected");
        }
        assertThat(api.get("/api/v2/alerts?access_token=" + api.viewer.secret(), (String) null).statusCode())
                .isEqualTo(401);
        try (SseStream wrong = SseStream.open(api.uri("/api/v2/stream/alerts?access_token=nope"), null)) {
            assertThat(wrong.status()).isEqualTo(401);
        }
        try (SseStream none = SseStream.open(api.uri("/api/v2/stream/alerts"), null)) {
            assertThat(none.status()).isEqualTo(401);
        }
    }

    @Test
    @Timeout(30)
    void shouldRefuseStreamsBeyondTheLimitAndWithoutTheEventStreamType() {
        try (SseStream one = SseStream.open(api.uri("/api/v2/stream/alerts"), "Bearer " + api.viewer.secret());
             SseStream two = SseStream.open(api.uri("/api/v2/stream/alerts"), "Bearer " + api.viewer.secret())) {
            assertThat(one.next().comment()).isEqualTo("connected");
            assertThat(two.next().comment()).isEqualTo("connected");
            try (SseStream three = SseStream.open(api.uri("/api/v2/stream/alerts"), "Bearer " + api.viewer.secret())) {
                assertThat(three.status()).isEqualTo(503);
                assertThat(three.response.headers().firstValue("Retry-After")).isPresent();
            }
        }
        assertThat(api.get("/api/v2/stream/alerts", api.viewer).statusCode()).isEqualTo(406);
    }

    @Test
    void shouldLabelTheNewRoutesInTheRequestMetrics() {
        api.alerts.put(firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));
        api.get("/api/v2/alerts/abc123", api.viewer);
        api.put("/api/v2/rules/r1", "{\"condition\": \"cpu_percent > 1\", \"severity\": \"info\"}", api.operator);
        api.delete("/api/v2/silences/nope", api.operator);

        String metrics = api.get("/metrics", (String) null).body();

        assertThat(metrics).contains("route=\"/api/v2/alerts/{alert_id}\"")
                .contains("route=\"/api/v2/rules/{name}\"")
                .contains("route=\"/api/v2/silences/{silence_id}\"")
                .doesNotContain("route=\"/api/v2/alerts/abc123\"");
    }

    private double metric(String name) {
        for (String line : api.get("/metrics", (String) null).body().split("\n")) {
            if (line.startsWith(name + " ") || line.startsWith(name + "{")) {
                return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
            }
        }
        throw new AssertionError("no metric " + name);
    }

    static AlertTransition transition(String alertId, AlertState from, AlertState to) {
        return AlertTransition.newBuilder()
                .setAlertId(alertId)
                .setRuleName("disk-full-critical")
                .setSeverity(Severity.CRITICAL)
                .setGroupLabels(Map.of("asset_id", "web-1"))
                .setAssetId("web-1")
                .setRegion("eu-west-1")
                .setFromState(from)
                .setToState(to)
                .setAt(1_700_000_000_000L)
                .setActiveSince(1_699_999_700_000L)
                .setValue(97.0)
                .setThreshold(95.0)
                .setCondition("disk_used_percent > 95")
                .setChannels(List.of("pagerduty"))
                .setAnnotations(Map.of())
                .setEvaluatedAt(1_700_000_000_100L)
                .build();
    }

    private static Silence silence(String id, long startsAt, long endsAt) {
        return Silence.newBuilder().setSilenceId(id).setAlertId(null)
                .setMatchers(List.of(new LabelMatcher("region", MatchOp.EQ, "eu")))
                .setStartsAt(startsAt).setEndsAt(endsAt).setAuthor("ops").setComment(null).setCreatedAt(startsAt)
                .build();
    }
}
