package io.dams.query.fleet;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dams.query.FakeAlertStore;
import io.dams.query.FakeFleetStore;
import io.dams.streams.iq.InteractiveQueries;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One ingest-job instance as the query service sees it: the interactive-query HTTP contract
 * ({@link InteractiveQueries}) on a loopback port, answering from a {@link FakeFleetStore}, or 503 with Retry-After
 * while told to.
 */
public final class FakeInteractiveQueryServer implements AutoCloseable {

    public final FakeFleetStore store = new FakeFleetStore();
    /** The alerts it serves as an alerting-job instance. */
    public final FakeAlertStore alerts = new FakeAlertStore();
    public final AtomicInteger requests = new AtomicInteger();
    private final HttpServer server;
    private volatile Integer unavailableRetryAfterSeconds;

    public FakeInteractiveQueryServer() {
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.createContext("/iq/v1/", this::handle);
        server.start();
    }

    public URI uri() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    /** Answer 503 with this Retry-After (seconds) from now on; null to answer again. */
    public void unavailable(Integer retryAfterSeconds) {
        this.unavailableRetryAfterSeconds = retryAfterSeconds;
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            requests.incrementAndGet();
            String path = exchange.getRequestURI().getRawPath();
            Integer retryAfter = unavailableRetryAfterSeconds;
            if (retryAfter != null) {
                exchange.getResponseHeaders().set("Retry-After", retryAfter.toString());
                send(exchange, 503, Map.of("error", "stores not queryable: the job is REBALANCING"));
                return;
            }
            if (path.equals(InteractiveQueries.HEALTH)) {
                send(exchange, 200, Map.of("status", "ok", "state", "RUNNING"));
            } else if (path.equals(InteractiveQueries.ASSETS)) {
                send(exchange, 200, store.assets());
            } else if (path.startsWith(InteractiveQueries.ASSETS + "/")) {
                String id = URLDecoder.decode(path.substring(InteractiveQueries.ASSETS.length() + 1), StandardCharsets.UTF_8);
                Optional<?> detail = store.asset(id);
                if (detail.isPresent()) {
                    send(exchange, 200, detail.get());
                } else {
                    send(exchange, 404, Map.of("error", "unknown asset " + id));
                }
            } else if (path.equals(InteractiveQueries.ALERTS)) {
                send(exchange, 200, alerts.alerts());
            } else if (path.startsWith(InteractiveQueries.ALERTS + "/")) {
                String id = URLDecoder.decode(path.substring(InteractiveQueries.ALERTS.length() + 1), StandardCharsets.UTF_8);
                Optional<?> alert = alerts.alert(id);
                if (alert.isPresent()) {
                    send(exchange, 200, alert.get());
                } else {
                    send(exchange, 404, Map.of("error", "unknown alert " + id));
                }
            } else {
                send(exchange, 404, Map.of("error", "no such resource: " + path));
            }
        }
    }

    private static void send(HttpExchange exchange, int status, Object body) throws IOException {
        byte[] bytes = InteractiveQueries.JSON.writeValueAsBytes(body);
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        exchange.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
