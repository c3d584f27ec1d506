package io.dams.runtime.status;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A component's own small HTTP endpoint: {@code GET /healthz} (JSON) and {@code GET /metrics} (Prometheus text), plus
 * any extra routes the component adds. Built on the JDK's HTTP server: a health port must cost almost nothing.
 */
public final class StatusServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StatusServer.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The largest request body read; a larger one is refused before it is held in memory. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    /** What a route answers. */
    public record Response(int status, String contentType, byte[] body) {

        public static Response text(int status, String body) {
            return new Response(status, "text/plain; charset=utf-8", body.getBytes(StandardCharsets.UTF_8));
        }

        public static Response json(int status, Object body) {
            try {
                return new Response(status, "application/json", JSON.writeValueAsBytes(body));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
    }

    /** A route's handler: method, request body, and the answer. */
    @FunctionalInterface
    public interface Route {
        Response handle(String method, byte[] body) throws IOException;
    }

    private final HttpServer server;
    private final ExecutorService executor;

    private StatusServer(HttpServer server, ExecutorService executor) {
        this.server = server;
        this.executor = executor;
    }

    /**
     * Starts serving on {@code host:port} (port 0 picks a free one).
     *
     * @param health    the body of {@code /healthz}; a map with {@code "status": "ok"} answers 200, anything else 503
     * @param metrics   the body of {@code /metrics} in Prometheus text, e.g. {@code registry::scrape}
     * @param routes    extra routes by path
     */
    public static StatusServer start(String host, int port, Supplier<Map<String, Object>> health,
                                     Supplier<String> metrics, Map<String, Route> routes) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(host, port), 16);
        } catch (BindException e) {
            throw new IllegalStateException("port " + port + " (status endpoint) is already in use on " + host
                    + "; stop what uses it or choose another port", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot open the status endpoint on " + host + ":" + port, e);
        }
        server.createContext("/healthz", handler((method, body) -> {
            Map<String, Object> status = health.get();
            return Response.json("ok".equals(status.get("status")) ? 200 : 503, status);
        }));
        server.createContext("/metrics", handler((method, body) ->
                new Response(200, "text/plain; version=0.0.4; charset=utf-8",
                        metrics.get().getBytes(StandardCharsets.UTF_8))));
        routes.forEach((path, route) -> server.createContext(path, handler(route)));
        // One thread: scrapes and health checks are rare and cheap; no pool to pay for in an agent.
        ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "dams-status-http");
            t.setDaemon(true);
            return t;
        });
        server.setExecutor(executor);
        server.start();
        return new StatusServer(server, executor);
    }

    public int port() {
        return server.getAddress().getPort();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }

    private static HttpHandler handler(Route route) {
        return exchange -> {
            try (exchange) {
                byte[] body;
                try (InputStream in = exchange.getRequestBody()) {
                    body = in.readNBytes(MAX_BODY_BYTES + 1);
                }
                if (body.length > MAX_BODY_BYTES) {
                    send(exchange, Response.json(413, Map.of("error", "request body larger than " + MAX_BODY_BYTES
                            + " bytes; send it in smaller parts")));
                    return;
                }
                Response response;
                try {
                    response = route.handle(exchange.getRequestMethod(), body);
                } catch (RuntimeException e) {
                    LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
                    response = Response.json(500, Map.of("error", String.valueOf(e.getMessage())));
                }
                send(exchange, response);
            }
        };
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        exchange.getResponseHeaders().set("Content-Type", response.contentType());
        exchange.sendResponseHeaders(response.status(), response.body().length == 0 ? -1 : response.body().length);
        if (response.body().length > 0) {
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(response.body());
            }
        }
    }
}
