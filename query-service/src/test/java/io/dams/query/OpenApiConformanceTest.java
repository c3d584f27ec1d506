package io.dams.query;

import static io.dams.query.FakeFleetStore.asset;
import static io.dams.query.FakeFleetStore.withHealth;
import static org.assertj.core.api.Assertions.assertThat;

import com.atlassian.oai.validator.OpenApiInteractionValidator;
import com.atlassian.oai.validator.model.Request;
import com.atlassian.oai.validator.model.SimpleRequest;
import com.atlassian.oai.validator.model.SimpleResponse;
import com.atlassian.oai.validator.report.MessageResolver;
import com.atlassian.oai.validator.report.ValidationReport;
import com.atlassian.oai.validator.schema.SchemaValidator;
import io.dams.query.auth.Tokens;
import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.StoreUnavailableException;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.SeriesValue;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.parser.OpenAPIV3Parser;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Real responses of every route, success and error, checked against the OpenAPI document the service serves, with
 * Atlassian's swagger-request-validator (JSON Schema validation of bodies, status codes, headers, content types).
 */
class OpenApiConformanceTest {

    private final RunningQueryService api = new RunningQueryService();
    private OpenApiInteractionValidator validator;
    private String document;

    @BeforeEach
    void load() {
        HttpResponse<String> served = api.get(QueryApp.OPENAPI, (String) null);
        assertThat(served.statusCode()).isEqualTo(200);
        document = served.body();
        validator = OpenApiInteractionValidator.createForInlineApiSpecification(document).build();
        api.store.put(asset("web-1", "eu", Map.of("rack", "r1")),
                        new SeriesValue("cpu_percent", Map.of("core", "0"), 1_700_000_001_000L, 12.5),
                        new SeriesValue("load1", Map.of(), 1_700_000_001_000L, 0.25))
                .put(withHealth(asset("db-1", "us", Map.of()), "DOWN", Map.of("critical", 1)))
                .put(new AssetView("new-1", null, null, null, null, null, null, null, "UP", 0, 0, null, false))
                .put(asset("web-2", "eu", Map.of("rack", "r2")));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    /** Sends the request for real and returns the exchange as the validator sees it. */
    private Exchange call(String path, Map<String, List<String>> query, Tokens.IssuedToken token) {
        return call("GET", path, query, null, token);
    }

    private Exchange call(String method, String path, Map<String, List<String>> query, String body,
                          Tokens.IssuedToken token) {
        String queryString = query.entrySet().stream()
                .flatMap(e -> e.getValue().stream().map(v -> e.getKey() + "=" + URLEncoder.encode(v, StandardCharsets.UTF_8)))
                .collect(Collectors.joining("&"));
        HttpResponse<String> http = api.send(method, path + (queryString.isEmpty() ? "" : "?" + queryString), body,
                token);
        SimpleRequest.Builder request = new SimpleRequest.Builder(method, path);
        query.forEach(request::withQueryParam);
        if (token != null) {
            request.withAuthorization("Bearer " + token.secret());
        }
        if (body != null) {
            request.withContentType("application/json").withBody(body);
        }
        SimpleResponse.Builder response = SimpleResponse.Builder.status(http.statusCode()).withBody(http.body());
        http.headers().map().forEach(response::withHeader);
        return new Exchange(Request.Method.valueOf(method), path, request.build(), response.build(), http);
    }

    private record Exchange(Request.Method method, String path, SimpleRequest request, SimpleResponse response,
                            HttpResponse<String> http) {
    }

    /** A well-formed request: both it and its response must conform. */
    private void assertConforms(Exchange exchange, int status) {
        assertThat(exchange.http().statusCode()).as(exchange.path() + " " + exchange.http().body()).isEqualTo(status);
        ValidationReport report = validator.validate(exchange.request(), exchange.response());
        assertThat(report.getMessages()).as(exchange.path() + " " + status).isEmpty();
    }

    /** A request that breaks the document on purpose (bad parameter, no token): its response must still conform. */
    private void assertResponseConforms(Exchange exchange, int status) {
        assertThat(exchange.http().statusCode()).as(exchange.path() + " " + exchange.http().body()).isEqualTo(status);
        ValidationReport report = validator.validateResponse(exchange.path(), exchange.method(), exchange.response());
        assertThat(report.getMessages()).as(exchange.path() + " " + status).isEmpty();
    }

    private static Map<String, List<String>> query(String... pairs) {
        Map<String, List<String>> query = new LinkedHashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            query.computeIfAbsent(pairs[i], k -> new java.util.ArrayList<>()).add(pairs[i + 1]);
        }
        return query;
    }

    @Test
    void shouldAnswerEveryRouteAsDocumented() {
        assertConforms(call("/api/v2/assets", query(), api.viewer), 200);
        Exchange firstPage = call("/api/v2/assets", query("limit", "2"), api.viewer);
        assertConforms(firstPage, 200);
        String cursor = RunningQueryService.json(firstPage.http()).get("next_cursor").asText();
        assertConforms(call("/api/v2/assets", query("limit", "2", "cursor", cursor), api.viewer), 200);
        assertConforms(call("/api/v2/assets", query("region", "eu", "region", "us", "status", "ok", "status", "down",
                "tag", "rack:r1"), api.viewer), 200);
        assertConforms(call("/api/v2/assets/web-1", query(), api.viewer), 200);
        assertConforms(call("/api/v2/assets/new-1", query(), api.viewer), 200);
        assertConforms(call("/api/v2/metrics/web-1", query(), api.viewer), 200);
        assertConforms(call("/api/v2/metrics/web-1", query("metric", "cpu_percent", "metric", "load1"), api.viewer), 200);
        assertConforms(call("/api/v2/admin/tokens", query(), api.admin), 200);
        assertConforms(call("/api/v2/openapi.yaml", query(), null), 200);
        assertConforms(call("/healthz", query(), null), 200);
        assertConforms(call("/metrics", query(), null), 200);
    }

    @Test
    void shouldAnswerEveryAlertSilenceAndRuleRouteAsDocumented() {
        api.alerts.put(FakeAlertStore.firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"))
                .put(FakeAlertStore.inState(FakeAlertStore.firing("def456", "disk-full", "critical", "db-1", "us"),
                        "resolved"))
                .put(FakeAlertStore.inState(FakeAlertStore.firing("fed789", "disk-full", "critical", "db-2", "us"),
                        "pending"));
        assertConforms(call("/api/v2/alerts", query(), api.viewer), 200);
        Exchange firstPage = call("/api/v2/alerts", query("limit", "1"), api.viewer);
        assertConforms(firstPage, 200);
        assertConforms(call("/api/v2/alerts", query("cursor", RunningQueryService.json(firstPage.http())
                .get("next_cursor").asText(), "state", "firing", "state", "resolved", "region", "us", "severity",
                "critical", "asset", "db-1"), api.viewer), 200);
        assertConforms(call("/api/v2/alerts/abc123", query(), api.viewer), 200);
        assertConforms(call("/api/v2/alerts/def456", query(), api.viewer), 200);

        Exchange seed = call("POST", "/api/v2/alerts/silence", query(),
                "{\"alert_id\":\"abc123\",\"duration\":\"2h\",\"comment\":\"deploy\"}", api.operator);
        assertConforms(seed, 201);
        Exchange byMatchers = call("POST", "/api/v2/silences", query(), "{\"matchers\":[{\"name\":\"region\","
                + "\"op\":\"=~\",\"value\":\"eu-.*\"}],\"starts_at\":\"2099-01-01T00:00:00Z\","
                + "\"ends_at\":\"2099-01-02T00:00:00Z\"}", api.operator);
        assertConforms(byMatchers, 201);
        assertConforms(call("/api/v2/silences", query(), api.viewer), 200);
        assertConforms(call("/api/v2/silences", query("state", "expired", "state", "pending"), api.viewer), 200);
        String silenceId = RunningQueryService.json(seed.http()).get("silence_id").asText();
        assertConforms(call("/api/v2/silences/" + silenceId, query(), api.viewer), 200);
        assertConforms(call("DELETE", "/api/v2/silences/" + silenceId, query(), null, api.operator), 204);

        String rule = "{\"condition\": \"avg(cpu_percent) > 90\", \"duration\": \"5m\", \"severity\": \"warning\","
                + " \"channels\": [\"slack\"], \"labels\": {\"team\": \"web\"}, \"annotations\": {\"summary\": \"hot\"},"
                + " \"overrides\": [{\"region\": \"eu\", \"threshold\": 80, \"duration\": \"1m\"}]}";
        assertConforms(call("PUT", "/api/v2/rules/high-cpu", query(), rule, api.operator), 201);
        assertConforms(call("PUT", "/api/v2/rules/high-cpu", query(), rule, api.operator), 200);
        assertConforms(call("/api/v2/rules", query(), api.viewer), 200);
        assertConforms(call("/api/v2/rules/high-cpu", query(), api.viewer), 200);
        assertConforms(call("DELETE", "/api/v2/rules/high-cpu", query(), null, api.operator), 204);
    }

    @Test
    void shouldAnswerEveryAlertSilenceAndRuleErrorAsDocumented() {
        api.alerts.put(FakeAlertStore.firing("abc123", "high-cpu", "warning", "web-1", "eu-west-1"));
        assertResponseConforms(call("/api/v2/alerts", query("state", "burning"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/alerts", query("cursor", "x"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/alerts/nope", query(), api.viewer), 404);
        assertResponseConforms(call("POST", "/api/v2/alerts/silence", query(),
                "{\"alert_id\":\"abc123\",\"duration\":\"soon\"}", api.operator), 400);
        assertResponseConforms(call("POST", "/api/v2/alerts/silence", query(),
                "{\"alert_id\":\"nope\",\"duration\":\"2h\"}", api.operator), 404);
        assertResponseConforms(call("POST", "/api/v2/alerts/silence", query(),
                "{\"alert_id\":\"abc123\",\"duration\":\"2h\"}", api.viewer), 403);
        assertResponseConforms(call("POST", "/api/v2/alerts/silence", query(),
                "{\"alert_id\":\"abc123\",\"duration\":\"2h\"}", null), 401);
        assertResponseConforms(call("POST", "/api/v2/silences", query(),
                "{\"matchers\":[{\"name\":\"region\",\"op\":\"=~\",\"value\":\"(\"}],\"duration\":\"1h\"}",
                api.operator), 400);
        assertResponseConforms(call("POST", "/api/v2/silences", query(), "{\n  \"duration\": 2h\n}", api.operator),
                400);
        assertResponseConforms(call("/api/v2/silences", query("state", "gone"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/silences/nope", query(), api.viewer), 404);
        assertResponseConforms(call("DELETE", "/api/v2/silences/nope", query(), null, api.operator), 404);
        assertResponseConforms(call("PUT", "/api/v2/rules/high-cpu", query(),
                "{\n  \"condition\": \"median(cpu) > 1\",\n  \"severity\": \"warning\"\n}", api.operator), 400);
        assertResponseConforms(call("PUT", "/api/v2/rules/high-cpu", query(),
                "{\"condition\": \"cpu > 1\", \"severity\": \"warning\"}", api.viewer), 403);
        assertResponseConforms(call("/api/v2/rules/nope", query(), api.viewer), 404);
        assertResponseConforms(call("DELETE", "/api/v2/rules/nope", query(), null, api.operator), 404);
        assertResponseConforms(call("/api/v2/stream/alerts", query(), api.viewer), 406);
        assertResponseConforms(call("/api/v2/stream/alerts", query(), null), 401);

        api.alerts.unavailable(new StoreUnavailableException("the alert stores cannot answer now", "rebalancing",
                Duration.ofSeconds(2), null));
        assertResponseConforms(call("/api/v2/alerts", query(), api.viewer), 503);
        assertResponseConforms(call("/api/v2/alerts/abc123", query(), api.viewer), 503);
        api.silences.unavailable(new StoreUnavailableException("the silences cannot be read", "loading",
                Duration.ofSeconds(1), null));
        assertResponseConforms(call("/api/v2/silences", query(), api.viewer), 503);
        api.rules.unavailable(new StoreUnavailableException("the rules cannot be read", "loading",
                Duration.ofSeconds(1), null));
        assertResponseConforms(call("/api/v2/rules", query(), api.viewer), 503);
    }

    /** The live feed's events carry the documented transition JSON. */
    @Test
    void shouldSendTransitionsAsDocumented() {
        OpenAPI openApi = new OpenAPIV3Parser().readContents(document).getOpenAPI();
        try (SseStream stream = SseStream.open(api.uri("/api/v2/stream/alerts"), "Bearer " + api.viewer.secret())) {
            assertThat(stream.next().comment()).isEqualTo("connected");
            api.transitions.publish(AlertApiTest.transition("abc123", io.dams.schemas.avro.AlertState.FIRING,
                    io.dams.schemas.avro.AlertState.RESOLVED));

            String data = stream.nextEvent().data();

            ValidationReport report = new SchemaValidator(openApi, new MessageResolver())
                    .validate(data, openApi.getComponents().getSchemas().get("AlertTransition"), "event.data");
            assertThat(report.getMessages()).as(data).isEmpty();
        }
    }

    @Test
    void shouldAnswerEveryErrorAsDocumented() {
        assertResponseConforms(call("/api/v2/assets", query("limit", "0"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/assets", query("cursor", "nonsense"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/assets", query("status", "fine"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/assets", query("tag", "rack"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/assets/web-1", query("x", "1"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/metrics/web-1", query("metric", "9lives"), api.viewer), 400);
        assertResponseConforms(call("/api/v2/admin/tokens", query("x", "1"), api.admin), 400);
        for (String path : List.of("/api/v2/assets", "/api/v2/assets/web-1", "/api/v2/metrics/web-1",
                "/api/v2/admin/tokens")) {
            assertResponseConforms(call(path, query(), null), 401);
        }
        assertResponseConforms(call("/api/v2/admin/tokens", query(), api.operator), 403);
        assertResponseConforms(call("/api/v2/assets/nope", query(), api.viewer), 404);
        assertResponseConforms(call("/api/v2/metrics/nope", query(), api.viewer), 404);

        api.store.failing(new IllegalStateException("boom"));
        assertResponseConforms(call("/api/v2/assets/web-1", query(), api.viewer), 500);
        api.store.failing(null);

        api.store.unavailable(new StoreUnavailableException("rebalancing", Duration.ofSeconds(2)));
        for (String path : List.of("/api/v2/assets", "/api/v2/assets/web-1", "/api/v2/metrics/web-1")) {
            assertResponseConforms(call(path, query(), api.viewer), 503);
        }

        api.store.health(List.of(new EndpointHealth("http://127.0.0.1:7071", false, "connection refused")));
        assertConforms(call("/healthz", query(), null), 503);
    }

    @Test
    void shouldAnswerAnUnknownRouteWithTheDocumentedErrorBody() {
        Exchange exchange = call("/api/v2/no-such-route", query(), api.viewer);
        assertThat(exchange.http().statusCode()).isEqualTo(404);
        OpenAPI openApi = new OpenAPIV3Parser().readContents(document).getOpenAPI();

        ValidationReport report = new SchemaValidator(openApi, new MessageResolver())
                .validate(exchange.http().body(), openApi.getComponents().getSchemas().get("Error"), "response.body");

        assertThat(report.getMessages()).isEmpty();
    }

    /** The check above must be able to fail: responses that break the document are reported. */
    @Test
    void shouldReportResponsesThatBreakTheDocument() {
        Exchange real = call("/api/v2/assets/web-1", query(), api.viewer);
        String body = real.http().body();
        SimpleResponse extraField = SimpleResponse.Builder.ok().withContentType("application/json")
                .withBody(body.replaceFirst("\\{", "{\"secret\":1,")).build();
        SimpleResponse badStatus = SimpleResponse.Builder.ok().withContentType("application/json")
                .withBody(body.replace("\"status\":\"ok\"", "\"status\":\"fine\"")).build();
        SimpleResponse undocumentedCode = SimpleResponse.Builder.status(418).withContentType("application/json")
                .withBody("{\"error\":\"teapot\"}").build();
        SimpleResponse noRetryAfter = SimpleResponse.Builder.status(503).withContentType("application/json")
                .withBody("{\"error\":\"rebalancing\"}").build();

        assertThat(validator.validate(real.request(), extraField).hasErrors()).isTrue();
        assertThat(validator.validate(real.request(), badStatus).hasErrors()).isTrue();
        assertThat(validator.validate(real.request(), undocumentedCode).hasErrors()).isTrue();
        assertThat(validator.validateResponse("/api/v2/assets", Request.Method.GET, noRetryAfter).hasErrors()).isTrue();
        assertThat(validator.validate(real.request(), real.response()).hasErrors()).isFalse();
    }
}
