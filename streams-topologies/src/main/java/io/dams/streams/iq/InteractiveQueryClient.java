package io.dams.streams.iq;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * Reads the ingest job's stores through any one of its instances ({@link InteractiveQueries}). Thread-safe; share
 * one per instance address.
 */
public final class InteractiveQueryClient {

    /** Marks a request one instance passed to another, which must answer from its own stores. */
    static final String FORWARDED_HEADER = "X-Dams-Forwarded";
    static final Duration DEFAULT_RETRY_AFTER = Duration.ofSeconds(1);

    private static final TypeReference<List<AssetView>> ASSET_LIST = new TypeReference<>() {
    };

    private final URI base;
    private final HttpClient http;
    private final Duration timeout;

    /** @param base an instance's address, e.g. {@code http://10.0.0.5:7070} */
    public InteractiveQueryClient(URI base) {
        this(base, HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(), Duration.ofSeconds(10));
    }

    public InteractiveQueryClient(URI base, HttpClient http, Duration timeout) {
        String s = base.toString();
        this.base = URI.create(s.endsWith("/") ? s.substring(0, s.length() - 1) : s);
        this.http = Objects.requireNonNull(http, "http");
        this.timeout = Objects.requireNonNull(timeout, "timeout");
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

    List<AssetView> assets(String scope, boolean forwarded) {
        HttpResponse<byte[]> response = get(InteractiveQueries.ASSETS + "?" + InteractiveQueries.SCOPE + "=" + scope,
                forwarded);
        expectOk(response);
        return read(response, ASSET_LIST);
    }

    Optional<AssetDetail> asset(String assetId, boolean forwarded) {
        HttpResponse<byte[]> response = get(InteractiveQueries.ASSET.replace("{asset_id}", encode(assetId)),
                forwarded);
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        expectOk(response);
        return Optional.of(read(response, new TypeReference<AssetDetail>() {
        }));
    }

    private HttpResponse<byte[]> get(String pathAndQuery, boolean forwarded) {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(base + pathAndQuery))
                .timeout(timeout)
                .header("Accept", "application/json")
                .GET();
        if (forwarded) {
            request.header(FORWARDED_HEADER, "1");
        }
        try {
            return http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        } catch (IOException e) {
            throw new InteractiveQueryException("cannot reach " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InteractiveQueryException("interrupted while asking " + base, e);
        }
    }

    private void expectOk(HttpResponse<byte[]> response) {
        if (response.statusCode() == 503) {
            Duration retryAfter = response.headers().firstValue("Retry-After")
                    .flatMap(InteractiveQueryClient::seconds).orElse(DEFAULT_RETRY_AFTER);
            throw new StoresUnavailableException(base + ": " + error(response), retryAfter);
        }
        if (response.statusCode() != 200) {
            throw new InteractiveQueryException(base + " answered " + response.statusCode() + ": " + error(response));
        }
    }

    private <T> T read(HttpResponse<byte[]> response, TypeReference<T> type) {
        try {
            return InteractiveQueries.JSON.readValue(response.body(), type);
        } catch (IOException e) {
            throw new InteractiveQueryException(base + " answered something that is not the contract: "
                    + e.getMessage(), e);
        }
    }

    private static String error(HttpResponse<byte[]> response) {
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
