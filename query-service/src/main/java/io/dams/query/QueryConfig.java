package io.dams.query;

import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import io.dams.query.auth.TokenEntry;
import io.dams.runtime.config.ByteSize;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Validated;
import java.net.URI;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The query service's whole configuration ({@code query.yaml}); {@link #defaults()} is the one place defaults live.
 * Every key can be overridden by {@code DAMS_QUERY_<KEY_PATH>}, e.g. {@code DAMS_QUERY_LISTEN_PORT}; the two lists
 * too: {@code DAMS_QUERY_INTERACTIVE_QUERIES_ENDPOINTS=http://a:7071,http://b:7071} and
 * {@code DAMS_QUERY_TOKENS='[{name: ops, role: operator, sha256: ...}]'}.
 *
 * @param tokens the API tokens, stored as hashes; with none, every authenticated route answers 401
 */
public record QueryConfig(
        Listen listen,
        InteractiveQuerySettings interactiveQueries,
        @JsonDeserialize(using = ListFromText.class) List<TokenEntry> tokens,
        Limits limits) implements Validated {

    /** The environment-variable prefix of every key. */
    public static final String ENV_PREFIX = "DAMS_QUERY";

    /** Where the API listens. */
    public record Listen(String host, int port) {
    }

    /**
     * The ingest job's interactive-query endpoints ({@code http://host:port}, each instance's
     * {@code application.server}); any one answers for the whole fleet, the others are for when it does not.
     *
     * @param timeout        how long one request to an endpoint may take
     * @param listingRefresh how long a fetched fleet listing is served before the next request fetches a new one in
     *                       the background; 0 fetches on every listing request
     * @param listingMaxAge  the oldest listing ever served; past it, requests wait for a fetch (and fail with 503 when
     *                       the stores cannot answer)
     */
    public record InteractiveQuerySettings(
            @JsonDeserialize(using = ListFromText.class) List<URI> endpoints,
            Duration timeout,
            Duration listingRefresh,
            Duration listingMaxAge) {
    }

    /**
     * Request limits.
     *
     * @param defaultPageSize the listing's {@code limit} when a request gives none
     * @param maxPageSize     the largest {@code limit} accepted (larger is a 400)
     * @param maxHeaderBytes  the request line and headers together (a longer URL is refused with 414/431)
     * @param maxRequestBytes the largest request body
     */
    public record Limits(int defaultPageSize, int maxPageSize, ByteSize maxHeaderBytes, ByteSize maxRequestBytes) {
    }

    public static QueryConfig defaults() {
        return new QueryConfig(
                new Listen("0.0.0.0", 8080),
                new InteractiveQuerySettings(List.of(URI.create("http://127.0.0.1:7070")), Duration.ofSeconds(2),
                        Duration.ofSeconds(1), Duration.ofSeconds(30)),
                List.of(),
                new Limits(100, 1000, new ByteSize(8 << 10), new ByteSize(1 << 20)));
    }

    /** The same configuration listening on {@code host:port} (port 0 picks a free one). */
    public QueryConfig withListen(String host, int port) {
        return new QueryConfig(new Listen(host, port), interactiveQueries, tokens, limits);
    }

    /** The same configuration with these tokens. */
    public QueryConfig withTokens(List<TokenEntry> tokens) {
        return new QueryConfig(listen, interactiveQueries, tokens, limits);
    }

    @Override
    public void validate() {
        ConfigException.require(listen != null, "listen", "required");
        ConfigException.require(listen.host() != null && !listen.host().isBlank(), "listen.host", "required");
        ConfigException.require(listen.port() >= 0 && listen.port() <= 65535, "listen.port", "must be 0-65535");

        InteractiveQuerySettings iq = interactiveQueries;
        ConfigException.require(iq != null, "interactiveQueries", "required");
        ConfigException.require(iq.endpoints() != null && !iq.endpoints().isEmpty(), "interactiveQueries.endpoints",
                "required: at least one http://host:port of the ingest job");
        for (int i = 0; i < iq.endpoints().size(); i++) {
            URI uri = iq.endpoints().get(i);
            String key = "interactiveQueries.endpoints[" + i + "]";
            ConfigException.require(uri != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null, key, "must be http://host:port, not '" + uri + "'");
        }
        positive(iq.timeout(), "interactiveQueries.timeout");
        ConfigException.require(iq.listingRefresh() != null && !iq.listingRefresh().isNegative(),
                "interactiveQueries.listingRefresh", "must be 0 or more");
        positive(iq.listingMaxAge(), "interactiveQueries.listingMaxAge");
        ConfigException.require(iq.listingMaxAge().compareTo(iq.listingRefresh()) >= 0,
                "interactiveQueries.listingMaxAge", "must be at least interactiveQueries.listingRefresh");

        ConfigException.require(tokens != null, "tokens", "must be a list (may be empty)");
        Set<String> names = new HashSet<>();
        for (int i = 0; i < tokens.size(); i++) {
            TokenEntry token = tokens.get(i);
            ConfigException.require(token != null, "tokens[" + i + "]", "must not be empty");
            token.validate("tokens[" + i + "]");
            ConfigException.require(names.add(token.name()), "tokens[" + i + "].name",
                    "'" + token.name() + "' is used by another token");
        }

        ConfigException.require(limits != null, "limits", "required");
        ConfigException.require(limits.maxPageSize() >= 1, "limits.maxPageSize", "must be at least 1");
        ConfigException.require(limits.defaultPageSize() >= 1 && limits.defaultPageSize() <= limits.maxPageSize(),
                "limits.defaultPageSize", "must be between 1 and limits.maxPageSize");
        ConfigException.require(limits.maxHeaderBytes() != null && limits.maxHeaderBytes().bytes() >= 1024
                        && limits.maxHeaderBytes().bytes() <= (1 << 20),
                "limits.maxHeaderBytes", "must be between 1KiB and 1MiB");
        ConfigException.require(limits.maxRequestBytes() != null && limits.maxRequestBytes().bytes() >= 1,
                "limits.maxRequestBytes", "must be positive");
    }

    private static void positive(Duration d, String key) {
        ConfigException.require(d != null && !d.isNegative() && !d.isZero(), key, "must be positive");
    }
}
