package io.dams.launcher;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * The demo's stand-in for Slack, PagerDuty and a webhook receiver: a local HTTP server the demo's notifier delivers to
 * (the real channels, only with local URLs), printing one line per notification so that the console shows alerts as
 * they fire and resolve. It answers as the real services do (Slack 200 {@code ok}, PagerDuty 202, webhook 200).
 */
final class DemoInbox implements AutoCloseable {

    static final String SLACK = "/slack";
    static final String PAGERDUTY = "/pagerduty";
    static final String WEBHOOK = "/webhook";

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpServer server;
    private final ExecutorService executor;
    private final Consumer<String> console;
    private final Map<String, AtomicInteger> received = new ConcurrentHashMap<>();
    private final List<JsonNode> webhookPayloads = new CopyOnWriteArrayList<>();

    private DemoInbox(HttpServer server, ExecutorService executor, Consumer<String> console) {
        this.server = server;
        this.executor = executor;
        this.console = console;
    }

    static DemoInbox start(Consumer<String> console) {
        try {
            HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 16);
            ExecutorService executor = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dams-demo-inbox");
                t.setDaemon(true);
                return t;
            });
            DemoInbox inbox = new DemoInbox(server, executor, console);
            server.createContext(SLACK, e -> inbox.receive(e, "slack", 200, "ok"));
            server.createContext(PAGERDUTY, e -> inbox.receive(e, "pagerduty", 202,
                    "{\"status\":\"success\",\"message\":\"Event processed\"}"));
            server.createContext(WEBHOOK, e -> inbox.receive(e, "webhook", 200, ""));
            server.setExecutor(executor);
            server.start();
            return inbox;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot start the demo inbox: " + e.getMessage(), e);
        }
    }

    /** {@code http://127.0.0.1:<port><path>}. */
    String url(String path) {
        return "http://127.0.0.1:" + server.getAddress().getPort() + path;
    }

    /** Notifications received on a channel ({@code slack}, {@code pagerduty}, {@code webhook}). */
    int received(String channel) {
        AtomicInteger n = received.get(channel);
        return n == null ? 0 : n.get();
    }

    /** Every Alertmanager-v4 payload the webhook received, oldest first. */
    List<JsonNode> webhookPayloads() {
        return List.copyOf(webhookPayloads);
    }

    private void receive(HttpExchange exchange, String channel, int status, String answer) throws IOException {
        try (exchange) {
            if (!"POST".equals(exchange.getRequestMethod())) {
                exchange.sendResponseHeaders(405, -1);
                return;
            }
            JsonNode body;
            try (InputStream in = exchange.getRequestBody()) {
                body = JSON.readTree(in);
            } catch (IOException e) {
                exchange.sendResponseHeaders(400, -1);
                return;
            }
            received.computeIfAbsent(channel, c -> new AtomicInteger()).incrementAndGet();
            if ("webhook".equals(channel)) {
                webhookPayloads.add(body);
            }
            console.accept("notification to " + channel + ": " + summary(channel, body));
            byte[] bytes = answer.getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, bytes.length == 0 ? -1 : bytes.length);
            if (bytes.length > 0) {
                try (OutputStream out = exchange.getResponseBody()) {
                    out.write(bytes);
                }
            }
        }
    }

    /** One line: what a person would read first in that channel. */
    static String summary(String channel, JsonNode body) {
        return switch (channel) {
            case "slack" -> body.path("text").asText("(no text)").lines().findFirst().orElse("");
            case "pagerduty" -> body.path("event_action").asText("?") + " " + body.path("payload").path("summary")
                    .asText(body.path("dedup_key").asText(""));
            default -> {
                JsonNode alerts = body.path("alerts");
                yield body.path("status").asText("?").toUpperCase(java.util.Locale.ROOT) + " "
                        + body.path("groupLabels").toString() + " (" + alerts.size() + " alert"
                        + (alerts.size() == 1 ? "" : "s") + ")";
            }
        };
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
    }
}
