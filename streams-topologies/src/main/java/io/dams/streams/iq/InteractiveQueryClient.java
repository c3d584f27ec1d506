package io.dams.streams.iq;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the ingest or the alerting job's stores through any one of its instances ({@link InteractiveQueries}), over HTTP/1.1
 * connections kept open between requests. Thread-safe; share one per instance address, and close it when done.
 */
public final class InteractiveQueryClient implements AutoCloseable {

    /** Marks a request one instance passed to another, which must answer from its own stores. */
    static final String FORWARDED_HEADER = "X-Dams-Forwarded";
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    private static final TypeReference<List<AssetView>> ASSET_LIST = new TypeReference<>() {
    };
    private static final TypeReference<AssetDetail> ASSET_DETAIL = new TypeReference<>() {
    };
    private static final TypeReference<List<AlertView>> ALERT_LIST = new TypeReference<>() {
    };
    private static final TypeReference<AlertView> ALERT = new TypeReference<>() {
    };
    private static final Map<String, String> FORWARDED = Map.of(FORWARDED_HEADER, "1");

    private final URI base;
    private final String basePath;
    private final InstanceConnections connections;
    private final Duration timeout;
    private final Duration listingTimeout;

    /** @param base an instance's address, e.g. {@code http://10.0.0.5:7070} */
    public InteractiveQueryClient(URI base) {
        this(base, Duration.ofSeconds(2), Duration.ofSeconds(10));
    }

    /**
     * @param connectTimeout how long opening a connection may take
     * @param timeout        how long one request may take, connecting included
     */
    public InteractiveQueryClient(URI base, Duration connectTimeout, Duration timeout) {
        this(base, connectTimeout, timeout, timeout);
    }

    /** @param listingTimeout how long a listing ({@link #assets()}, {@link #localAssets()}) may take */
    public InteractiveQueryClient(URI base, Duration connectTimeout, Duration timeout, Duration listingTimeout) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.basePath = this.base.getRawPath() == null ? "" : this.base.getRawPath();
        this.connections = new InstanceConnections(this.base, Objects.requireNonNull(connectTimeout, "connectTimeout"));
        this.timeout = Objects.requireNonNull(timeout, "timeout");
        this.listingTimeout = Objects.requireNonNull(listingTimeout, "listingTimeout");
    }

    public URI base() {
        return base;
    }

    /** Every asset of every instance, sorted by id. */
    public List<AssetView> assets() {
        return assets("all", false);
    }

    /** The assets of the asked instance only. */
    public List<AssetView> localAssets() {
        return assets("local", false);
    }

    /** One asset with the latest value of each series; empty when no instance knows it. */
    public Optional<AssetDetail> asset(String assetId) {
        return asset(assetId, false);
    }

    /** Every alert of every alerting-job instance (active, and resolved within the retention), sorted by id. */
    public List<AlertView> alerts() {
        return alerts("all", false);
    }

    /** One alert; empty when no alerting-job instance knows it. */
    public Optional<AlertView> alert(String alertId) {
        return alert(alertId, false);
    }

    /** Closes the connections kept open. */
    @Override
    public void close() {
        connections.close();
    }

    List<AssetView> assets(String scope, boolean forwarded) {
        return listing(InteractiveQueries.ASSETS, scope, forwarded, ASSET_LIST);
    }

    Optional<AssetDetail> asset(String assetId, boolean forwarded) {
        return one(InteractiveQueries.ASSET.replace("{asset_id}", encode(assetId)), forwarded, ASSET_DETAIL);
    }

    List<AlertView> alerts(String scope, boolean forwarded) {
        return listing(InteractiveQueries.ALERTS, scope, forwarded, ALERT_LIST);
    }

    Optional<AlertView> alert(String alertId, boolean forwarded) {
        return one(InteractiveQueries.ALERT.replace("{alert_id}", encode(alertId)), forwarded, ALERT);
    }

    private <T> T listing(String path, String scope, boolean forwarded, TypeReference<T> type) {
        InstanceConnections.Answer response = get(path + "?" + InteractiveQueries.SCOPE + "=" + scope, forwarded,
                listingTimeout);
        expectOk(response);
        return read(response, type);
    }

    /** One item; empty on 404. */
    private <T> Optional<T> one(String path, boolean forwarded, TypeReference<T> type) {
        InstanceConnections.Answer response = get(path, forwarded, timeout);
        if (response.status() == 404) {
            return Optional.empty();
        }
        expectOk(response);
        return Optional.of(read(response, type));
    }

    private InstanceConnections.Answer get(String pathAndQuery, boolean forwarded, Duration timeout) {
        try {
            return connections.get(basePath + pathAndQuery, forwarded ? FORWARDED : Map.of(), timeout);
        } catch (IOException e) {
            throw new InteractiveQueryException("cannot reach " + base + ": " + message(e), e);
        }
    }

    private static String message(IOException e) {
        // A refused connection has no message of its own.
        return e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
    }

    private void expectOk(InstanceConnections.Answer response) {
        if (response.status() == 503) {
            Duration retryAfter = Optional.ofNullable(response.headers().get("retry-after"))
                    .flatMap(InteractiveQueryClient::seconds).orElse(DEFAULT_RETRY_AFTER);
            throw new StoresUnavailableException(base + ": " + error(response), retryAfter);
        }
        if (response.status() != 200) {
            throw new InteractiveQueryException(base + " answered " + response.status() + ": " + error(response));
        }
    }

    private <T> T read(InstanceConnections.Answer response, TypeReference<T> type) {
        try {
            return InteractiveQueries.JSON.readValue(response.body(), type);
        } catch (IOException e) {
            throw new InteractiveQueryException(base + " answered something that is not the contract: "
                    + e.getMessage(), e);
        }
    }

    private static String error(InstanceConnections.Answer response) {
        try {
            JsonNode body = InteractiveQueries.JSON.readTree(response.body());
            if (body != null && body.hasNonNull("error")) {
                return body.get("error").asText();
            }
        } catch (IOException ignored) {
            // Not JSON: show it as it is.
        }
        return new String(response.body(), StandardCharsets.UTF_8);
    }

    private static Optional<Duration> seconds(String value) {
        try {
            return Optional.of(Duration.ofSeconds(Math.max(0, Long.parseLong(value.strip()))));
        } catch (NumberFormatException e) {
            return Optional.empty();
        }
    }

    static String encode(String pathSegment) {
        return URLEncoder.encode(pathSegment, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
