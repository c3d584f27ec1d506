package io.dams.streams.rules;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.OffsetDateTime;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * Prometheus and Alertmanager as child processes on free loopback ports, with one local HTTP server that is both
 * Prometheus' scrape target (one series whose value the test sets) and Alertmanager's webhook receiver.
 *
 * <p>Fastest practical settings: scrape and evaluation every second, {@code group_wait: 0s}, {@code group_interval: 1s};
 * no Alertmanager gossip ({@code --cluster.listen-address=}).
 */
final class LocalPrometheus implements AutoCloseable {

    /** The binaries as the Debian packages install them ({@code prometheus}, {@code prometheus-alertmanager}). */
    record Binaries(Path prometheus, Path alertmanager) {

        /** Both binaries from the PATH, or the reason they cannot be used. */
        static Binaries find() {
            return new Binaries(onPath("prometheus").orElse(null),
                    onPath("prometheus-alertmanager").or(() -> onPath("alertmanager")).orElse(null));
        }

        boolean present() {
            return prometheus != null && alertmanager != null;
        }

        String missing() {
            List<String> missing = new ArrayList<>();
            if (prometheus == null) {
                missing.add("prometheus not installed: no `prometheus` on the PATH (apt-get install prometheus)");
            }
            if (alertmanager == null) {
                missing.add("prometheus-alertmanager not installed: no `prometheus-alertmanager` or `alertmanager`"
                        + " on the PATH (apt-get install prometheus-alertmanager)");
            }
            return String.join("; ", missing);
        }

        private static Optional<Path> onPath(String name) {
            String path = System.getenv().getOrDefault("PATH", "");
            for (String dir : path.split(File.pathSeparator)) {
                Path candidate = Path.of(dir.isEmpty() ? "." : dir, name);
                if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
                    return Optional.of(candidate);
                }
            }
            return Optional.empty();
        }
    }

    /** A POST received by the webhook receiver, with the wall-clock time it arrived. */
    record Webhook(long receivedAtMs, JsonNode body) {
    }

    /** One stored sample of Prometheus' TSDB. */
    record StoredSample(long timestampMs, double value) {
    }

    static final Duration INTERVAL = Duration.ofSeconds(1);
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path dir;
    private final String series;
    private final HttpServer server;
    private final List<Process> processes = new ArrayList<>();
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final List<Long> scrapes = new CopyOnWriteArrayList<>();
    private final List<Webhook> webhooks = new CopyOnWriteArrayList<>();
    private volatile String exposition;
    private int prometheusPort;
    private int alertmanagerPort;

    private LocalPrometheus(Path dir, String series, double initialValue) throws IOException {
        this.dir = dir;
        this.series = series;
        set(initialValue);
        this.server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/metrics", this::serveMetrics);
        server.createContext("/webhook", this::receiveWebhook);
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "local-prometheus-http");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    /**
     * Starts Prometheus (scraping {@code series} from the local exporter, one alerting rule) and Alertmanager (one
     * route to the local webhook, grouping by alertname) and waits until both are ready.
     *
     * @param series  the exposed series, e.g. {@code cpu_percent{asset_id="a1"}}
     * @param alert   the alerting rule's name
     * @param expr    its PromQL expression
     * @param holdFor its {@code for:} (zero: none)
     */
    static LocalPrometheus start(Binaries binaries, Path dir, String series, double initialValue, String alert,
                                 String expr, Duration holdFor) throws IOException {
        LocalPrometheus stack = new LocalPrometheus(dir, series, initialValue);
        try {
            stack.launch(binaries, alert, expr, holdFor);
            return stack;
        } catch (IOException | RuntimeException e) {
            stack.close();
            throw e;
        }
    }

    private void launch(Binaries binaries, String alert, String expr, Duration holdFor) throws IOException {
        int exporterPort = server.getAddress().getPort();
        alertmanagerPort = freePort();
        prometheusPort = freePort();
        String interval = INTERVAL.toSeconds() + "s";
        Files.writeString(dir.resolve("alertmanager.yml"), String.join("\n",
                "route:",
                "  receiver: test",
                "  group_by: [alertname]",
                "  group_wait: 0s",
                "  group_interval: 1s",
                "  repeat_interval: 1h",
                "receivers:",
                "  - name: test",
                "    webhook_configs:",
                "      - url: http://127.0.0.1:" + exporterPort + "/webhook",
                "        send_resolved: true",
                ""));
        Files.writeString(dir.resolve("rules.yml"), String.join("\n",
                "groups:",
                "  - name: semantics",
                "    interval: " + interval,
                "    rules:",
                "      - alert: " + alert,
                "        expr: '" + expr.replace("'", "''") + "'",
                holdFor.isZero() ? "" : "        for: " + holdFor.toMillis() + "ms",
                ""));
        Files.writeString(dir.resolve("prometheus.yml"), String.join("\n",
                "global:",
                "  scrape_interval: " + interval,
                "  evaluation_interval: " + interval,
                "rule_files: [" + dir.resolve("rules.yml") + "]",
                "alerting:",
                "  alertmanagers:",
                "    - static_configs: [{targets: ['127.0.0.1:" + alertmanagerPort + "']}]",
                "scrape_configs:",
                "  - job_name: source",
                "    static_configs: [{targets: ['127.0.0.1:" + exporterPort + "']}]",
                ""));
        processes.add(launch("alertmanager", binaries.alertmanager().toString(),
                "--config.file=" + dir.resolve("alertmanager.yml"),
                "--storage.path=" + dir.resolve("alertmanager-data"),
                "--web.listen-address=127.0.0.1:" + alertmanagerPort,
                "--cluster.listen-address="));
        processes.add(launch("prometheus", binaries.prometheus().toString(),
                "--config.file=" + dir.resolve("prometheus.yml"),
                "--storage.tsdb.path=" + dir.resolve("prometheus-data"),
                "--web.listen-address=127.0.0.1:" + prometheusPort));
        awaitReady("alertmanager", alertmanagerPort);
        awaitReady("prometheus", prometheusPort);
    }

    private Process launch(String name, String... command) throws IOException {
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(dir.resolve(name + ".log").toFile())
                .start();
        // @AfterAll stops it; this covers a test JVM that ends without running it.
        Runtime.getRuntime().addShutdownHook(new Thread(process::destroyForcibly, name + "-reaper"));
        return process;
    }

    private void awaitReady(String name, int port) throws IOException {
        long deadline = System.nanoTime() + READY_WITHIN.toNanos();
        URI ready = URI.create("http://127.0.0.1:" + port + "/-/ready");
        while (System.nanoTime() < deadline) {
            for (Process p : processes) {
                if (!p.isAlive()) {
                    throw new IllegalStateException(p.info().command().orElse("a child process")
                            + " exited with " + p.exitValue() + "; see the logs in " + dir);
                }
            }
            try {
                if (http.send(HttpRequest.newBuilder(ready).timeout(Duration.ofSeconds(2)).build(),
                        HttpResponse.BodyHandlers.discarding()).statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
        }
        throw new IllegalStateException(name + " not ready on port " + port + " within " + READY_WITHIN
                + "; see " + dir.resolve(name + ".log"));
    }

    /** The value the exporter serves from now on. */
    void set(double value) {
        exposition = "# TYPE " + series.replaceAll("\\{.*", "") + " gauge\n" + series + " " + value + "\n";
    }

    /** Wall-clock times (ms) at which Prometheus' scrapes reached the exporter. */
    List<Long> scrapes() {
        return List.copyOf(scrapes);
    }

    /** Every webhook Alertmanager delivered so far. */
    List<Webhook> webhooks() {
        return List.copyOf(webhooks);
    }

    /** {@code /api/v1/alerts}: Prometheus' pending and firing alerts now. */
    JsonNode alerts() throws IOException, InterruptedException {
        return get(prometheusPort, "/api/v1/alerts").path("data").path("alerts");
    }

    /** The raw samples Prometheus stored for a selector over the last {@code range}. */
    List<StoredSample> stored(String selector, Duration range) throws IOException, InterruptedException {
        String query = selector + "[" + range.toSeconds() + "s]";
        JsonNode result = get(prometheusPort, "/api/v1/query?query=" + URLEncoder.encode(query, StandardCharsets.UTF_8))
                .path("data").path("result");
        List<StoredSample> samples = new ArrayList<>();
        for (JsonNode s : result) {
            for (JsonNode v : s.path("values")) {
                samples.add(new StoredSample(Math.round(v.get(0).asDouble() * 1000), Double.parseDouble(v.get(1).asText())));
            }
        }
        return samples;
    }

    /** The directory holding the configurations and the processes' logs. */
    Path dir() {
        return dir;
    }

    /** An RFC 3339 time of Prometheus or Alertmanager as epoch milliseconds. */
    static long epochMs(JsonNode time) {
        return OffsetDateTime.parse(time.asText()).toInstant().toEpochMilli();
    }

    private JsonNode get(int port, String path) throws IOException, InterruptedException {
        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
                .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
        if (response.statusCode() != 200) {
            throw new IOException("GET " + path + ": " + response.statusCode() + " " + response.body());
        }
        return JSON.readTree(response.body());
    }

    private void serveMetrics(HttpExchange exchange) throws IOException {
        scrapes.add(System.currentTimeMillis());
        byte[] body = exposition.getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4");
        exchange.sendResponseHeaders(200, body.length);
        try (var out = exchange.getResponseBody()) {
            out.write(body);
        }
    }

    private void receiveWebhook(HttpExchange exchange) throws IOException {
        long receivedAt = System.currentTimeMillis();
        try (var in = exchange.getRequestBody()) {
            webhooks.add(new Webhook(receivedAt, JSON.readTree(in)));
        }
        exchange.sendResponseHeaders(200, -1);
        exchange.close();
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 0, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /** Stops both processes (SIGTERM, then SIGKILL after 5 s) and the local server. */
    @Override
    public void close() {
        for (Process p : processes) {
            p.destroy();
        }
        for (Process p : processes) {
            try {
                if (!p.waitFor(5, TimeUnit.SECONDS)) {
                    p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                p.destroyForcibly();
                Thread.currentThread().interrupt();
            }
        }
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
