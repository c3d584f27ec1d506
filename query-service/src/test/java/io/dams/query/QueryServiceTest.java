package io.dams.query;

import static io.dams.query.FakeFleetStore.asset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.query.auth.Role;
import io.dams.query.auth.Tokens;
import io.dams.query.fleet.FakeInteractiveQueryServer;
import io.dams.streams.iq.InteractiveQueries;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The service as the launcher starts it: from its configuration, over interactive-query endpoints reached by HTTP. */
class QueryServiceTest {

    @Test
    void shouldServeTheFleetOfTheConfiguredInteractiveQueryEndpoints() throws Exception {
        Tokens.IssuedToken token = Tokens.generate("dash", Role.VIEWER);
        try (FakeInteractiveQueryServer ingest = new FakeInteractiveQueryServer()) {
            ingest.store.put(asset("web-1", "eu", Map.of())).put(asset("web-2", "us", Map.of()));
            QueryConfig defaults = QueryConfig.defaults();
            QueryConfig config = new QueryConfig(new QueryConfig.Listen("127.0.0.1", 0),
                    new QueryConfig.InteractiveQuerySettings(List.of(ingest.uri()), Duration.ofSeconds(5),
                            Duration.ofSeconds(1), Duration.ofSeconds(30)),
                    List.of(token.entry()), defaults.limits());

            try (QueryService service = QueryService.start(config)) {
                // The listing is fetched once the server has started, before any request asks for it.
                await().atMost(Duration.ofSeconds(10)).until(() -> ingest.requests.get() > 0);
                HttpClient http = HttpClient.newHttpClient();
                URI base = URI.create("http://127.0.0.1:" + service.port());
                HttpResponse<String> assets = http.send(HttpRequest.newBuilder(base.resolve("/api/v2/assets?region=us"))
                        .header("Authorization", "Bearer " + token.secret()).build(), HttpResponse.BodyHandlers.ofString());
                HttpResponse<String> health = http.send(HttpRequest.newBuilder(base.resolve("/healthz")).build(),
                        HttpResponse.BodyHandlers.ofString());

                assertThat(assets.statusCode()).isEqualTo(200);
                JsonNode page = InteractiveQueries.JSON.readTree(assets.body());
                assertThat(page.get("assets")).hasSize(1);
                assertThat(page.get("assets").get(0).get("asset_id").asText()).isEqualTo("web-2");
                assertThat(health.statusCode()).isEqualTo(200);
                assertThat(InteractiveQueries.JSON.readTree(health.body()).get("interactive_queries").get(0)
                        .get("detail").asText()).isEqualTo("RUNNING");
            }
        }
    }
}
