package io.dams.streams.iq;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The interactive-query server before its job is running, over real HTTP: every store query is a 503 with
 * Retry-After, which the client turns into {@link StoresUnavailableException}. Answers from running jobs are covered
 * by the integration tests.
 */
class InteractiveQueryServerTest {

    InteractiveQueryServer server;
    InteractiveQueryClient client;

    @BeforeEach
    void start() {
        server = InteractiveQueryServer.start("127.0.0.1", "127.0.0.1", 0);
        client = new InteractiveQueryClient(URI.create("http://" + server.applicationServer()));
    }

    @AfterEach
    void stop() {
        server.close();
    }

    @Test
    void shouldResolveAFreePortIntoItsApplicationServer() {
        assertThat(server.port()).isPositive();
        assertThat(server.applicationServer()).isEqualTo("127.0.0.1:" + server.port());
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileTheStoresAreNotQueryable() throws Exception {
        assertThatThrownBy(() -> client.assets())
                .isInstanceOfSatisfying(StoresUnavailableException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1)))
                .hasMessageContaining("not queryable");
        assertThatThrownBy(() -> client.asset("node-1")).isInstanceOf(StoresUnavailableException.class);

        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + server.applicationServer() + InteractiveQueries.HEALTH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.headers().firstValue("Retry-After")).contains("1");
        assertThat(InteractiveQueries.JSON.readTree(health.body()).get("error").asText()).contains("STARTING");
    }

    @Test
    void shouldRoundTripTheContractRecordsInSnakeCase() throws Exception {
        AssetView view = new AssetView("node-1", "eu-west-1", "dub-1", 53.3, -6.2, "node-1.example", "server",
                Map.of("rack", "r7"), "UP", 1_700_000_000_000L, 10_000, Map.of(), true);
        AssetDetail detail = new AssetDetail(view, List.of(new SeriesValue("cpu_percent", Map.of("core", "0"),
                1_700_000_000_000L, 12.5)));

        String json = InteractiveQueries.JSON.writeValueAsString(detail);

        assertThat(json).contains("\"asset_id\":\"node-1\"", "\"last_seen\":1700000000000",
                "\"expected_interval_ms\":10000", "\"timestamp_ms\":1700000000000", "\"firing_alerts\":{}");
        assertThat(InteractiveQueries.JSON.readValue(json, AssetDetail.class)).isEqualTo(detail);
    }

    @Test
    void shouldEncodeAssetIdsAsOnePathSegment() {
        assertThat(InteractiveQueryClient.encode("rack 7/node+1")).isEqualTo("rack%207%2Fnode%2B1");
    }
}
