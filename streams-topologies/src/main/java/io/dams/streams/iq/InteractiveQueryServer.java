package io.dams.streams.iq;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.dams.streams.alerting.AlertingTopology;
import io.dams.streams.ingest.IngestTopology;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.errors.InvalidStateStoreException;
import org.apache.kafka.streams.state.HostInfo;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves {@link InteractiveQueries} on an ingest or alerting instance's {@code application.server} address: the asset
 * routes when the job has the ingest stores, the alert routes when it has the alerting stores, 404 for the others. A
 * key whose owner is another instance is forwarded there ({@link KafkaStreams#queryMetadataForKey}); {@code scope=all}
 * asks every instance for its local part and merges. While the stores cannot be queried it answers 503 with
 * {@code Retry-After}. Started before Kafka Streams (so that port 0 can be resolved into the
 * {@code application.server} Kafka Streams advertises), it answers 503 until {@link #serve} hands it the job.
 */
public final class InteractiveQueryServer implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(InteractiveQueryServer.class);
    /**
     * The JDK server's switch for TCP_NODELAY, read once, when the JVM's first {@link HttpServer} is made. Without it
     * every kept-alive answer waits about 40 ms: the server writes the headers and the body in two writes, Nagle holds
     * the body back until the headers are acknowledged, and the client delays that acknowledgement. The query service
     * keeps its connections to an instance open, so that would be the latency of every request it passes on. An
     * explicit {@code -Dsun.net.httpserver.nodelay} wins.
     */
    static final String NODELAY_PROPERTY = "sun.net.httpserver.nodelay";

    static {
        if (System.getProperty(NODELAY_PROPERTY) == null) {
            System.setProperty(NODELAY_PROPERTY, "true");
        }
    }

    private static final Duration PEER_CONNECT_TIMEOUT = Duration.ofSeconds(2);
    private static final Duration PEER_TIMEOUT = Duration.ofSeconds(5);
    /** A peer's part of the fleet listing is thousands of assets, not one. */
    private static final Duration PEER_LISTING_TIMEOUT = Duration.ofSeconds(8);
    private static final long RETRY_AFTER_SECONDS = InteractiveQueryClient.DEFAULT_RETRY_AFTER.toSeconds();

    private record Response(int status, Object body) {
    }

    private final HttpServer server;
    private final ExecutorService executor;
    private final HostInfo self;
    private final Map<HostInfo, InteractiveQueryClient> peers = new ConcurrentHashMap<>();
    private volatile ServedJob job;

    private InteractiveQueryServer(HttpServer server, ExecutorService executor, HostInfo self) {
        this.server = server;
        this.executor = executor;
        this.self = self;
    }

    /**
     * Listens on {@code bindHost:port} (0: a free port) and advertises itself as {@code advertisedHost} with the
     * port it got.
     */
    public static InteractiveQueryServer start(String bindHost, String advertisedHost, int port) {
        HttpServer server;
        try {
            server = HttpServer.create(new InetSocketAddress(bindHost, port), 64);
        } catch (BindException e) {
            throw new IllegalStateException("port " + port + " (interactive queries) is already in use on " + bindHost
                    + "; stop what uses it or choose another applicationServer port (ingest or alerting section)", e);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen for interactive queries on " + bindHost + ":" + port, e);
        }
        // Several threads: an instance answering a fan-out may itself be waiting on another instance.
        ExecutorService executor = Executors.newFixedThreadPool(4, r -> {
            Thread t = new Thread(r, "dams-iq-http");
            t.setDaemon(true);
            return t;
        });
        InteractiveQueryServer iq = new InteractiveQueryServer(server, executor,
                new HostInfo(advertisedHost, server.getAddress().getPort()));
        server.createContext("/iq/v1/", iq::handle);
        server.setExecutor(executor);
        server.start();
        return iq;
    }

    /** Starts answering from this job's stores. */
    public void serve(KafkaStreams streams) {
        serve(ServedJob.of(streams));
    }

    /** Starts answering from {@code job}: a running job's stores, or a test's. */
    void serve(ServedJob job) {
        this.job = job;
    }

    /** The {@code host:port} other instances reach this one at: Kafka Streams' {@code application.server}. */
    public String applicationServer() {
        return self.host() + ":" + self.port();
    }

    public int port() {
        return self.port();
    }

    @Override
    public void close() {
        server.stop(0);
        executor.shutdownNow();
        peers.values().forEach(InteractiveQueryClient::close);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange) {
            Response response;
            try {
                response = route(exchange);
            } catch (InvalidStateStoreException e) {
                response = unavailable("stores not queryable: " + e.getMessage());
            } catch (StoresUnavailableException e) {
                response = unavailable(e.getMessage());
            } catch (InteractiveQueryException e) {
                // An instance that went away is usually one whose tasks are about to move.
                response = unavailable(e.getMessage());
            } catch (RuntimeException e) {
                LOG.warn("{} {} failed: {}", exchange.getRequestMethod(), exchange.getRequestURI(), e.toString());
                response = new Response(500, Map.of("error", String.valueOf(e.getMessage())));
            }
            send(exchange, response);
        }
    }

    private Response route(HttpExchange exchange) {
        if (!"GET".equals(exchange.getRequestMethod())) {
            return new Response(405, Map.of("error", "only GET is served here"));
        }
        String path = exchange.getRequestURI().getRawPath();
        boolean forwarded = exchange.getRequestHeaders().containsKey(InteractiveQueryClient.FORWARDED_HEADER);
        if (path.equals(InteractiveQueries.HEALTH)) {
            return health();
        }
        ServedJob served = job;
        if (served == null || served.state() != KafkaStreams.State.RUNNING) {
            return unavailable("stores not queryable: the job is " + (served == null ? "STARTING" : served.state()));
        }
        Optional<String> assetId = key(path, InteractiveQueries.ASSETS);
        if ((path.equals(InteractiveQueries.ASSETS) || assetId.isPresent())
                && served.hasStore(IngestTopology.HEALTH_STORE)) {
            if (assetId.isPresent()) {
                return one(served, IngestTopology.HEALTH_STORE, assetId.get(), "asset", forwarded,
                        partition -> served.assets().asset(assetId.get(), partition),
                        peer -> peer.asset(assetId.get(), true));
            }
            return listing(exchange, served, () -> served.assets().assets(), peer -> peer.assets("local", true),
                    AssetView::assetId);
        }
        Optional<String> alertId = key(path, InteractiveQueries.ALERTS);
        if ((path.equals(InteractiveQueries.ALERTS) || alertId.isPresent())
                && served.hasStore(AlertingTopology.ACTIVE_STORE)) {
            if (alertId.isPresent()) {
                return one(served, AlertingTopology.ACTIVE_STORE, alertId.get(), "alert", forwarded,
                        partition -> served.alerts().alert(alertId.get(), partition),
                        peer -> peer.alert(alertId.get(), true));
            }
            return listing(exchange, served, () -> served.alerts().alerts(), peer -> peer.alerts("local", true),
                    AlertView::alertId);
        }
        return new Response(404, Map.of("error", "no such resource: " + path));
    }

    /** The id in {@code <collection>/<id>}, decoded; empty for any other path. */
    private static Optional<String> key(String path, String collection) {
        String prefix = collection + "/";
        if (path.startsWith(prefix) && path.length() > prefix.length() && path.indexOf('/', prefix.length()) < 0) {
            return Optional.of(URLDecoder.decode(path.substring(prefix.length()), StandardCharsets.UTF_8));
        }
        return Optional.empty();
    }

    private Response health() {
        ServedJob served = job;
        String state = served == null ? "STARTING" : served.state().name();
        if (served != null && served.state() == KafkaStreams.State.RUNNING) {
            return new Response(200, Map.of("status", "ok", "state", state, "application_server", applicationServer()));
        }
        return unavailable("the job is " + state);
    }

    /** A listing: this instance's part, or with {@code scope=all} every instance's merged by id. */
    private <T> Response listing(HttpExchange exchange, ServedJob served, Supplier<List<T>> local,
                                 Function<InteractiveQueryClient, List<T>> remote, Function<T, String> id) {
        Optional<String> scope = scope(exchange.getRequestURI());
        if (scope.isEmpty()) {
            return new Response(400, Map.of("error", "scope must be 'all' or 'local'", "field",
                    InteractiveQueries.SCOPE));
        }
        if (scope.get().equals("local")) {
            return new Response(200, local.get());
        }
        TreeMap<String, T> merged = new TreeMap<>();
        for (HostInfo instance : served.instances()) {
            List<T> part = instance.equals(self) ? local.get() : remote.apply(peer(instance));
            for (T item : part) {
                merged.putIfAbsent(id.apply(item), item);
            }
        }
        return new Response(200, new ArrayList<>(merged.values()));
    }

    /** One key: answered from this instance's store when it owns the key, else by the owner. */
    private <T> Response one(ServedJob served, String store, String key, String what, boolean forwarded,
                             Function<Integer, Optional<T>> local,
                             Function<InteractiveQueryClient, Optional<T>> remote) {
        KeyQueryMetadata owner = served.owner(store, key);
        if (owner == null || owner == KeyQueryMetadata.NOT_AVAILABLE || owner.activeHost() == null) {
            return unavailable("no instance owns " + what + " " + key + " right now");
        }
        Optional<T> found;
        if (owner.activeHost().equals(self)) {
            found = local.apply(owner.partition());
        } else if (forwarded) {
            // Two instances disagree on the owner while tasks move: answer later rather than pass it around.
            return unavailable(what + " " + key + " is moving to " + owner.activeHost());
        } else {
            found = remote.apply(peer(owner.activeHost()));
        }
        return found.<Response>map(d -> new Response(200, d))
                .orElseGet(() -> new Response(404, Map.of("error", "unknown " + what + " " + key)));
    }

    private InteractiveQueryClient peer(HostInfo host) {
        return peers.computeIfAbsent(host, h -> new InteractiveQueryClient(
                URI.create("http://" + h.host() + ":" + h.port()), PEER_CONNECT_TIMEOUT, PEER_TIMEOUT,
                PEER_LISTING_TIMEOUT));
    }

    private static Optional<String> scope(URI uri) {
        String query = uri.getRawQuery();
        if (query == null || query.isEmpty()) {
            return Optional.of("all");
        }
        String scope = "all";
        for (String pair : query.split("&")) {
            int eq = pair.indexOf('=');
            String name = eq < 0 ? pair : pair.substring(0, eq);
            if (name.equals(InteractiveQueries.SCOPE)) {
                scope = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            }
        }
        return scope.equals("all") || scope.equals("local") ? Optional.of(scope) : Optional.empty();
    }

    private static Response unavailable(String why) {
        return new Response(503, Map.of("error", why));
    }

    private static void send(HttpExchange exchange, Response response) throws IOException {
        byte[] body;
        try {
            body = InteractiveQueries.JSON.writeValueAsBytes(response.body());
        } catch (JsonProcessingException e) {
            body = ("{\"error\":\"cannot render the answer\"}").getBytes(StandardCharsets.UTF_8);
        }
        exchange.getResponseHeaders().set("Content-Type", "application/json");
        if (response.status() == 503) {
            exchange.getResponseHeaders().set("Retry-After", Long.toString(RETRY_AFTER_SECONDS));
        }
        exchange.sendResponseHeaders(response.status(), body.length);
        try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
        }
    }
}
