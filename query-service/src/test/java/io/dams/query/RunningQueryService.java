package io.dams.query;

import com.fasterxml.jackson.databind.JsonNode;
import io.dams.query.auth.Role;
import io.dams.query.auth.Tokens;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.Silence;
import io.dams.streams.iq.InteractiveQueries;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

/**
 * The real query service on a random loopback port over a {@link FakeFleetStore}, a {@link FakeAlertStore}, tables in
 * memory and a {@link FakeTransitionFeed}, with one token per role.
 */
final class RunningQueryService implements AutoCloseable {

    final FakeFleetStore store = new FakeFleetStore();
    final FakeAlertStore alerts = new FakeAlertStore();
    final InMemoryTable<Silence> silences = new InMemoryTable<>();
    final InMemoryTable<Rule> rules = new InMemoryTable<>();
    final FakeTransitionFeed transitions = new FakeTransitionFeed();
    final Tokens.IssuedToken viewer = Tokens.generate("dashboard", Role.VIEWER);
    final Tokens.IssuedToken operator = Tokens.generate("ops", Role.OPERATOR);
    final Tokens.IssuedToken admin = Tokens.generate("root", Role.ADMIN);
    final QueryService service;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    RunningQueryService() {
        this(QueryConfig.defaults().liveFeed());
    }

    RunningQueryService(QueryConfig.LiveFeedSettings liveFeed) {
        QueryConfig defaults = QueryConfig.defaults();
        // The listing is fetched for every request here, so that a test sees the store as it just set it.
        QueryConfig config = new QueryConfig(new QueryConfig.Listen("127.0.0.1", 0),
                new QueryConfig.InteractiveQuerySettings(defaults.interactiveQueries().endpoints(), Duration.ofSeconds(2),
                        Duration.ZERO, Duration.ofSeconds(30)),
                List.of(viewer.entry(), operator.entry(), admin.entry()), defaults.limits(), defaults.alertQueries(),
                defaults.kafka(), new QueryConfig.RuleSettings(List.of("teams")), liveFeed);
        service = QueryService.start(config, store, new AlertBackends(alerts, silences, rules, transitions));
    }

    HttpResponse<String> get(String pathAndQuery, Tokens.IssuedToken token) {
        return get(pathAndQuery, token == null ? null : "Bearer " + token.secret());
    }

    HttpResponse<String> get(String pathAndQuery, String authorization) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10)).GET();
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> send(String method, String pathAndQuery, String body, Tokens.IssuedToken token) {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(pathAndQuery)).timeout(Duration.ofSeconds(10))
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        if (token != null) {
            request.header("Authorization", "Bearer " + token.secret());
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    HttpResponse<String> post(String path, String body, Tokens.IssuedToken token) {
        return send("POST", path, body, token);
    }

    HttpResponse<String> put(String path, String body, Tokens.IssuedToken token) {
        return send("PUT", path, body, token);
    }

    HttpResponse<String> delete(String path, Tokens.IssuedToken token) {
        return send("DELETE", path, null, token);
    }

    URI uri(String pathAndQuery) {
        return URI.create("http://127.0.0.1:" + service.port() + pathAndQuery);
    }

    /** Reads JSON text, failing the test when it is not JSON. */
    static final java.util.function.Function<String, JsonNode> JSON_READER = text -> {
        try {
            return InteractiveQueries.JSON.readTree(text);
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + text, e);
        }
    };

    static JsonNode json(HttpResponse<String> response) {
        try {
            return InteractiveQueries.JSON.readTree(response.body());
        } catch (IOException e) {
            throw new AssertionError("not JSON: " + response.body(), e);
        }
    }

    @Override
    public void close() {
        service.close();
    }
}
