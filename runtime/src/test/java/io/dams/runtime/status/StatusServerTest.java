package io.dams.runtime.status;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class StatusServerTest {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void shouldServeHealthMetricsAndRoutes() throws Exception {
        AtomicInteger received = new AtomicInteger();
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, () -> Map.of("status", "ok", "buffer", 3),
                () -> "dams_up 1\n", Map.of("/push", (method, body) -> {
                    received.addAndGet(body.length);
                    return StatusServer.Response.json(200, Map.of("accepted", body.length));
                }))) {
            HttpResponse<String> health = get(server, "/healthz");
            assertThat(health.statusCode()).isEqualTo(200);
            assertThat(health.body()).contains("\"buffer\":3");
            assertThat(get(server, "/metrics").body()).isEqualTo("dams_up 1\n");
            assertThat(post(server, "/push", new byte[1000]).statusCode()).isEqualTo(200);
            assertThat(received).hasValue(1000);
        }
    }

    @Test
    void shouldAnswer503WhenTheComponentIsNotOk() throws Exception {
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, () -> Map.of("status", "starting"), () -> "",
                Map.of())) {
            assertThat(get(server, "/healthz").statusCode()).isEqualTo(503);
        }
    }

    @Test
    void shouldRefuseABodyOverTheLimitWithoutHandingItToTheRoute() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        try (StatusServer server = StatusServer.start("127.0.0.1", 0, () -> Map.of("status", "ok"), () -> "",
                Map.of("/push", (method, body) -> {
                    calls.incrementAndGet();
                    return StatusServer.Response.json(200, Map.of());
                }))) {
            HttpResponse<String> response = post(server, "/push", new byte[StatusServer.MAX_BODY_BYTES + 1]);

            assertThat(response.statusCode()).isEqualTo(413);
            assertThat(response.body()).contains("larger than " + StatusServer.MAX_BODY_BYTES);
            assertThat(calls).hasValue(0);
            assertThat(post(server, "/push", new byte[StatusServer.MAX_BODY_BYTES]).statusCode()).isEqualTo(200);
        }
    }

    private HttpResponse<String> get(StatusServer server, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> post(StatusServer server, String path, byte[] body) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.port() + path))
                .POST(HttpRequest.BodyPublishers.ofByteArray(body)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
