package io.dams.query;

import static io.dams.query.FakeFleetStore.asset;
import static io.dams.query.FakeFleetStore.withHealth;
import static io.dams.query.RunningQueryService.json;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.StoreUnavailableException;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.SeriesValue;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Every route over real HTTP against the real server, with the fleet store faked (it is what the service reads). */
class QueryApiTest {

    private final RunningQueryService api = new RunningQueryService();

    @AfterEach
    void stop() {
        api.close();
    }

    private static String ids(JsonNode page) {
        List<String> ids = new ArrayList<>();
        page.get("assets").forEach(a -> ids.add(a.get("asset_id").asText()));
        return String.join(",", ids);
    }

    @Test
    void shouldListEveryAssetWithStatusLocationTagsAndLastSeen() {
        api.store.put(asset("web-1", "eu-west", Map.of("rack", "r1")))
                .put(withHealth(asset("db-1", "us-east", Map.of()), "UP", Map.of("critical", 1)))
                .put(new AssetView("new-1", null, null, null, null, null, null, null, "UP", 0, 0, null, false));

        HttpResponse<String> response = api.get("/api/v2/assets", api.viewer);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
        JsonNode page = json(response);
        assertThat(ids(page)).isEqualTo("db-1,new-1,web-1");
        assertThat(page.get("next_cursor").isNull()).isTrue();
        JsonNode web = page.get("assets").get(2);
        assertThat(web.get("region").asText()).isEqualTo("eu-west");
        assertThat(web.get("site").asText()).isEqualTo("site-eu-west");
        assertThat(web.get("location").get("lat").asDouble()).isEqualTo(52.5);
        assertThat(web.get("location").get("lon").asDouble()).isEqualTo(13.4);
        assertThat(web.get("tags").get("rack").asText()).isEqualTo("r1");
        assertThat(web.get("status").asText()).isEqualTo("ok");
        assertThat(web.get("last_seen").asText()).isEqualTo("2023-11-14T22:13:20Z");
        assertThat(web.get("last_seen_ms").asLong()).isEqualTo(1_700_000_000_000L);
        assertThat(page.get("assets").get(0).get("status").asText()).isEqualTo("critical");
        JsonNode unregistered = page.get("assets").get(1);
        assertThat(unregistered.get("location").isNull()).isTrue();
        assertThat(unregistered.get("last_seen").isNull()).isTrue();
        assertThat(unregistered.get("registered").asBoolean()).isFalse();
    }

    @Test
    void shouldFilterByRegionStatusAndTags() {
        api.store.put(asset("a", "eu", Map.of("rack", "r1", "env", "prod")))
                .put(withHealth(asset("b", "eu", Map.of("rack", "r1", "env", "test")), "DOWN", Map.of()))
                .put(withHealth(asset("c", "us", Map.of("rack", "r1", "env", "prod")), "UP", Map.of("warning", 2)))
                .put(withHealth(asset("d", "ap", Map.of("rack", "r2", "env", "prod")), "UP", Map.of("critical", 1)));

        assertThat(ids(json(api.get("/api/v2/assets?region=eu", api.viewer)))).isEqualTo("a,b");
        assertThat(ids(json(api.get("/api/v2/assets?region=eu&region=ap", api.viewer)))).isEqualTo("a,b,d");
        assertThat(ids(json(api.get("/api/v2/assets?status=down", api.viewer)))).isEqualTo("b");
        assertThat(ids(json(api.get("/api/v2/assets?status=warning&status=critical", api.viewer)))).isEqualTo("c,d");
        assertThat(ids(json(api.get("/api/v2/assets?status=ok", api.viewer)))).isEqualTo("a");
        assertThat(ids(json(api.get("/api/v2/assets?tag=rack:r1", api.viewer)))).isEqualTo("a,b,c");
        assertThat(ids(json(api.get("/api/v2/assets?tag=rack:r1&tag=env:prod", api.viewer)))).isEqualTo("a,c");
        assertThat(ids(json(api.get("/api/v2/assets?tag=rack:r1&tag=env:prod&region=us", api.viewer)))).isEqualTo("c");
        assertThat(ids(json(api.get("/api/v2/assets?region=nowhere", api.viewer)))).isEmpty();
    }

    @Test
    void shouldPageThroughTheFleetFollowingNextCursorWithoutDuplicatesOrGaps() {
        Set<String> expected = new HashSet<>();
        for (int i = 0; i < 23; i++) {
            String id = "asset-" + (char) ('a' + i);
            api.store.put(asset(id, i % 2 == 0 ? "eu" : "us", Map.of()));
            if (i % 2 == 0) {
                expected.add(id);
            }
        }
        List<String> seen = new ArrayList<>();
        String cursor = null;
        int pages = 0;
        do {
            String query = "/api/v2/assets?region=eu&limit=5" + (cursor == null ? "" : "&cursor=" + cursor);
            JsonNode page = json(api.get(query, api.viewer));
            page.get("assets").forEach(a -> seen.add(a.get("asset_id").asText()));
            cursor = page.get("next_cursor").isNull() ? null : page.get("next_cursor").asText();
            pages++;
        } while (cursor != null && pages < 10);

        assertThat(pages).isEqualTo(3);
        assertThat(seen).doesNotHaveDuplicates().hasSize(12).isSorted();
        assertThat(new HashSet<>(seen)).isEqualTo(expected);
    }

    @Test
    void shouldGiveTheDefaultPageSizeAndAcceptTheMaximum() {
        for (int i = 0; i < 150; i++) {
            api.store.put(asset(String.format("asset-%03d", i), "eu", Map.of()));
        }

        JsonNode defaultPage = json(api.get("/api/v2/assets", api.viewer));
        JsonNode maxPage = json(api.get("/api/v2/assets?limit=1000", api.viewer));

        assertThat(defaultPage.get("assets")).hasSize(100);
        assertThat(defaultPage.get("next_cursor").isTextual()).isTrue();
        assertThat(maxPage.get("assets")).hasSize(150);
        assertThat(maxPage.get("next_cursor").isNull()).isTrue();
    }

    @Test
    void shouldAnswerOneAssetWithItsLatestValues() {
        api.store.put(asset("web-1", "eu", Map.of("rack", "r1")),
                new SeriesValue("cpu_percent", Map.of("core", "0"), 1_700_000_001_000L, 12.5),
                new SeriesValue("mem_used_bytes", Map.of(), 1_700_000_001_500L, 1024));

        HttpResponse<String> response = api.get("/api/v2/assets/web-1", api.viewer);

        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode detail = json(response);
        assertThat(detail.get("asset").get("asset_id").asText()).isEqualTo("web-1");
        assertThat(detail.get("asset").get("status").asText()).isEqualTo("ok");
        assertThat(detail.get("series")).hasSize(2);
        JsonNode cpu = detail.get("series").get(0);
        assertThat(cpu.get("name").asText()).isEqualTo("cpu_percent");
        assertThat(cpu.get("labels").get("core").asText()).isEqualTo("0");
        assertThat(cpu.get("value").asDouble()).isEqualTo(12.5);
        assertThat(cpu.get("timestamp").asText()).isEqualTo("2023-11-14T22:13:21Z");
        assertThat(cpu.get("timestamp_ms").asLong()).isEqualTo(1_700_000_001_000L);
    }

    @Test
    void shouldAnswerTheLatestValueOfEverySeriesOrOnlyTheNamedMetrics() {
        api.store.put(asset("web-1", "eu", Map.of()),
                new SeriesValue("cpu_percent", Map.of("core", "0"), 1_700_000_001_000L, 12.5),
                new SeriesValue("cpu_percent", Map.of("core", "1"), 1_700_000_001_000L, 80),
                new SeriesValue("disk_used_percent", Map.of("mount", "/"), 1_700_000_001_000L, 40),
                new SeriesValue("load1", Map.of(), 1_700_000_001_000L, 0.5));

        JsonNode all = json(api.get("/api/v2/metrics/web-1", api.viewer));
        JsonNode cpu = json(api.get("/api/v2/metrics/web-1?metric=cpu_percent", api.viewer));
        JsonNode two = json(api.get("/api/v2/metrics/web-1?metric=load1&metric=disk_used_percent", api.viewer));
        JsonNode none = json(api.get("/api/v2/metrics/web-1?metric=no_such_metric", api.viewer));

        assertThat(all.get("asset_id").asText()).isEqualTo("web-1");
        assertThat(all.get("series")).hasSize(4);
        assertThat(cpu.get("series")).hasSize(2).allSatisfy(s -> assertThat(s.get("name").asText()).isEqualTo("cpu_percent"));
        assertThat(cpu.get("series").get(1).get("value").asDouble()).isEqualTo(80);
        assertThat(two.get("series")).extracting(s -> s.get("name").asText()).containsExactly("disk_used_percent", "load1");
        assertThat(none.get("series")).isEmpty();
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource(delimiter = '|', value = {
        "/api/v2/assets?limit=0|limit",
        "/api/v2/assets?limit=1001|limit",
        "/api/v2/assets?limit=ten|limit",
        "/api/v2/assets?limit=5&limit=6|limit",
        "/api/v2/assets?cursor=%21%21%21|cursor",
        "/api/v2/assets?cursor=YXNzZXQtMQ|cursor",
        "/api/v2/assets?status=broken|status",
        "/api/v2/assets?status=OK|status",
        "/api/v2/assets?tag=rack|tag",
        "/api/v2/assets?tag=%3Ar1|tag",
        "/api/v2/assets?region=|region",
        "/api/v2/assets?stauts=down|stauts",
        "/api/v2/assets/web-1?verbose=1|verbose",
        "/api/v2/metrics/web-1?metric=1cpu|metric",
        "/api/v2/metrics/web-1?metric=cpu-percent|metric",
    })
    void shouldRefuseABadParameterWith400NamingIt(String path, String field) {
        api.store.put(asset("web-1", "eu", Map.of()));

        HttpResponse<String> response = api.get(path, api.viewer);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("field").asText()).isEqualTo(field);
        assertThat(json(response).get("error").asText()).isNotBlank();
    }

    @Test
    void shouldQuoteOnlyTheStartOfAHugeBadParameter() {
        HttpResponse<String> response = api.get("/api/v2/assets?status=" + "x".repeat(3000), api.viewer);

        assertThat(response.statusCode()).isEqualTo(400);
        assertThat(json(response).get("error").asText()).hasSizeLessThan(300).contains("xxx...");
    }

    @Test
    void shouldRefuseARequestLineOverTheHeaderLimit() {
        HttpResponse<String> response = api.get("/api/v2/assets?region=" + "x".repeat(10_000), api.viewer);

        assertThat(response.statusCode()).isIn(414, 431);
    }

    @Test
    void shouldAnswer401WithWwwAuthenticateWithoutAValidBearerToken() {
        for (String authorization : new String[] {null, "Basic dXNlcjpwdw==", "Bearer", "Bearer "}) {
            HttpResponse<String> response = api.get("/api/v2/assets", authorization);
            assertThat(response.statusCode()).as(String.valueOf(authorization)).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate")).hasValue("Bearer realm=\"dams\"");
            assertThat(json(response).get("error").asText()).contains("Bearer");
        }
        HttpResponse<String> wrong = api.get("/api/v2/assets", "Bearer " + api.viewer.secret() + "x");
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.headers().firstValue("WWW-Authenticate"))
                .hasValue("Bearer realm=\"dams\", error=\"invalid_token\"");
        assertThat(api.get("/api/v2/assets", "bearer " + api.viewer.secret()).statusCode())
                .as("the scheme is case-insensitive").isEqualTo(200);
        assertThat(api.get("/api/v2/metrics/x", (String) null).statusCode()).isEqualTo(401);
        assertThat(api.get("/api/v2/assets/x", (String) null).statusCode()).isEqualTo(401);
    }

    @Test
    void shouldAnswer403WhenTheRoleMayNotAndListTokensForAnAdmin() {
        HttpResponse<String> viewer = api.get("/api/v2/admin/tokens", api.viewer);
        HttpResponse<String> operator = api.get("/api/v2/admin/tokens", api.operator);
        HttpResponse<String> admin = api.get("/api/v2/admin/tokens", api.admin);

        assertThat(viewer.statusCode()).isEqualTo(403);
        assertThat(json(viewer).get("error").asText()).contains("admin");
        assertThat(operator.statusCode()).isEqualTo(403);
        assertThat(admin.statusCode()).isEqualTo(200);
        assertThat(json(admin).get("tokens")).extracting(t -> t.get("name").asText() + ":" + t.get("role").asText())
                .containsExactly("dashboard:viewer", "ops:operator", "root:admin");
        assertThat(admin.body()).doesNotContain(api.admin.entry().sha256()).doesNotContain(api.admin.secret());
        assertThat(api.get("/api/v2/assets", api.admin).statusCode()).as("admin includes viewer").isEqualTo(200);
    }

    @Test
    void shouldAnswer404ForAnUnknownAssetAndAnUnknownRoute() {
        HttpResponse<String> asset = api.get("/api/v2/assets/nope", api.viewer);
        HttpResponse<String> metrics = api.get("/api/v2/metrics/nope", api.viewer);
        HttpResponse<String> route = api.get("/api/v2/nothing-here", api.viewer);

        assertThat(asset.statusCode()).isEqualTo(404);
        assertThat(json(asset).get("error").asText()).contains("nope");
        assertThat(metrics.statusCode()).isEqualTo(404);
        assertThat(route.statusCode()).isEqualTo(404);
        assertThat(json(route).get("error").asText()).contains("/api/v2/nothing-here");
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileTheStoresRebalance() {
        api.store.put(asset("web-1", "eu", Map.of()));
        api.store.unavailable(new StoreUnavailableException("rebalancing", Duration.ofMillis(2500)));

        for (String path : new String[] {"/api/v2/assets", "/api/v2/assets/web-1", "/api/v2/metrics/web-1"}) {
            HttpResponse<String> response = api.get(path, api.viewer);
            assertThat(response.statusCode()).as(path).isEqualTo(503);
            assertThat(response.headers().firstValue("Retry-After")).as(path).hasValue("3");
            assertThat(json(response).get("error").asText()).contains("retry after 3 s").doesNotContain("127.0.0.1");
        }

        api.store.unavailable(null);
        assertThat(api.get("/api/v2/assets", api.viewer).statusCode()).isEqualTo(200);
    }

    @Test
    void shouldAnswer500WithoutAStackTrace() {
        api.store.put(asset("web-1", "eu", Map.of()));
        api.store.failing(new IllegalStateException("secret internals of the store"));

        HttpResponse<String> response = api.get("/api/v2/assets/web-1", api.viewer);

        assertThat(response.statusCode()).isEqualTo(500);
        assertThat(json(response).get("error").asText()).isNotBlank();
        assertThat(response.body()).doesNotContain("secret internals").doesNotContain("IllegalStateException")
                .doesNotContain("at io.dams");
    }

    @Test
    void shouldServeHealthWithoutATokenFromTheEndpointsAnswers() {
        HttpResponse<String> ok = api.get("/healthz", (String) null);
        assertThat(ok.statusCode()).isEqualTo(200);
        assertThat(json(ok).get("status").asText()).isEqualTo("ok");
        assertThat(json(ok).get("interactive_queries").get(0).get("answering").asBoolean()).isTrue();

        api.store.health(List.of(new EndpointHealth("http://a:7071", true, "RUNNING"),
                new EndpointHealth("http://b:7071", false, "connection refused")));
        HttpResponse<String> degraded = api.get("/healthz", (String) null);
        assertThat(degraded.statusCode()).isEqualTo(200);
        assertThat(json(degraded).get("status").asText()).isEqualTo("degraded");

        // The alerting job's endpoints and the tables count too, but only the fleet's make the service unavailable.
        api.store.health(List.of(new EndpointHealth("http://a:7071", true, "RUNNING")));
        assertThat(json(api.get("/healthz", (String) null)).get("status").asText()).isEqualTo("ok");
        api.alerts.health(List.of(new EndpointHealth("http://alerting:7071", false, "connection refused")));
        HttpResponse<String> alertsDown = api.get("/healthz", (String) null);
        assertThat(alertsDown.statusCode()).isEqualTo(200);
        assertThat(json(alertsDown).get("status").asText()).isEqualTo("degraded");
        assertThat(json(alertsDown).get("alert_queries").get(0).get("answering").asBoolean()).isFalse();
        api.alerts.health(List.of(new EndpointHealth("http://alerting:7071", true, "RUNNING")));
        api.silences.loaded(false);
        HttpResponse<String> loading = api.get("/healthz", (String) null);
        assertThat(json(loading).get("status").asText()).isEqualTo("degraded");
        assertThat(json(loading).get("tables").get("silences").asText()).isEqualTo("loading");
        assertThat(json(loading).get("tables").get("rules").asText()).isEqualTo("loaded");
        api.silences.loaded(true);

        api.store.health(List.of(new EndpointHealth("http://b:7071", false, "connection refused")));
        HttpResponse<String> unavailable = api.get("/healthz", (String) null);
        assertThat(unavailable.statusCode()).isEqualTo(503);
        assertThat(json(unavailable).get("status").asText()).isEqualTo("unavailable");
        assertThat(json(unavailable).get("interactive_queries").get(0).get("detail").asText()).isEqualTo("connection refused");
    }

    @Test
    void shouldExposeRequestMetricsByRouteTemplateAndUpstreamMetrics() {
        api.store.put(asset("web-1", "eu", Map.of()));
        api.get("/api/v2/assets/web-1", api.viewer);
        api.get("/api/v2/assets/web-2", api.viewer);
        api.get("/api/v2/assets", api.viewer);
        api.get("/api/v2/assets", (String) null);
        api.get("/api/v2/admin/tokens", api.viewer);
        api.get("/no/such/route", (String) null);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            HttpResponse<String> metrics = api.get("/metrics", (String) null);
            assertThat(metrics.statusCode()).isEqualTo(200);
            assertThat(metrics.headers().firstValue("Content-Type")).hasValueSatisfying(v -> assertThat(v).startsWith("text/plain"));
            String text = metrics.body();
            assertThat(text)
                    .contains("dams_query_http_requests_seconds_count{method=\"GET\",route=\"/api/v2/assets/{asset_id}\",status=\"200\"} 1")
                    .contains("dams_query_http_requests_seconds_count{method=\"GET\",route=\"/api/v2/assets/{asset_id}\",status=\"404\"} 1")
                    .contains("dams_query_http_requests_seconds_count{method=\"GET\",route=\"/api/v2/assets\",status=\"200\"} 1")
                    .contains("dams_query_http_requests_seconds_count{method=\"GET\",route=\"/api/v2/assets\",status=\"401\"} 1")
                    .contains("dams_query_http_requests_seconds_count{method=\"GET\",route=\"/api/v2/admin/tokens\",status=\"403\"} 1")
                    .contains("dams_query_http_requests_seconds_count{method=\"GET\",route=\"unmatched\",status=\"404\"} 1")
                    .contains("dams_query_http_requests_seconds_bucket{")
                    .contains("dams_query_upstream_seconds_count{operation=\"asset\",outcome=\"ok\"} 1")
                    .contains("dams_query_upstream_seconds_count{operation=\"asset\",outcome=\"not_found\"} 1")
                    .contains("dams_query_upstream_seconds_count{operation=\"assets\",outcome=\"ok\"} 1")
                    .contains("dams_query_auth_refusals_total{reason=\"missing_token\"} 1")
                    .contains("dams_query_auth_refusals_total{reason=\"insufficient_role\"} 1")
                    .contains("dams_query_listing_assets 1")
                    .doesNotContain("web-1").doesNotContain("web-2").doesNotContain("/no/such/route");
        });
    }

    @Test
    void shouldServeTheOpenApiDocumentWithoutAToken() {
        HttpResponse<String> response = api.get("/api/v2/openapi.yaml", (String) null);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).startsWith("openapi: 3.").contains("/api/v2/assets/{asset_id}");
    }

    @Test
    void shouldFindAnAssetWhoseIdNeedsEscapingInThePath() {
        String id = "rack 1/host:ü";
        api.store.put(asset(id, "eu", Map.of()));
        String encoded = URLEncoder.encode(id, StandardCharsets.UTF_8).replace("+", "%20");

        HttpResponse<String> response = api.get("/api/v2/metrics/" + encoded, api.viewer);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(json(response).get("asset_id").asText()).isEqualTo(id);
    }
}
