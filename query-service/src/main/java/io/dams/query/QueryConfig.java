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
import java.util.regex.Pattern;

/**
 * The query service's whole configuration ({@code query.yaml}); {@link #defaults()} is the one place defaults live.
 * Every key can be overridden by {@code DAMS_QUERY_<KEY_PATH>}, e.g. {@code DAMS_QUERY_LISTEN_PORT}; the lists
 * too: {@code DAMS_QUERY_INTERACTIVE_QUERIES_ENDPOINTS=http://a:7071,http://b:7071},
 * {@code DAMS_QUERY_RULES_EXTRA_CHANNELS=teams,opsgenie} and
 * {@code DAMS_QUERY_TOKENS='[{name: ops, role: operator, sha256: ...}]'}.
 *
 * @param tokens       the API tokens, stored as hashes; with none, every authenticated route answers 401
 * @param alertQueries the alerting job's interactive-query endpoints ({@code /api/v2/alerts})
 * @param kafka        the cluster and registry holding the silences, the rules and the alert transitions
 * @param rules        how rules written through the API are checked
 * @param liveFeed     the server-sent event stream of alert transitions
 */
public record QueryConfig(
        Listen listen,
        InteractiveQuerySettings interactiveQueries,
        @JsonDeserialize(using = ListFromText.class) List<TokenEntry> tokens,
        Limits limits,
        AlertQuerySettings alertQueries,
        KafkaSettings kafka,
        RuleSettings rules,
        LiveFeedSettings liveFeed) implements Validated {

    /** The environment-variable prefix of every key. */
    public static final String ENV_PREFIX = "DAMS_QUERY";

    /** The configuration of the asset routes only, with the defaults for everything the alert routes need. */
    public QueryConfig(Listen listen, InteractiveQuerySettings interactiveQueries, List<TokenEntry> tokens,
                       Limits limits) {
        this(listen, interactiveQueries, tokens, limits, DEFAULT_ALERT_QUERIES, DEFAULT_KAFKA, DEFAULT_RULES,
                DEFAULT_LIVE_FEED);
    }

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
     * @param listingTimeout how long fetching the fleet listing from an endpoint may take: the whole fleet (10,000
     *                       assets are about 3 MB) takes longer than one asset, and a fetch cut off is all wasted
     */
    public record InteractiveQuerySettings(
            @JsonDeserialize(using = ListFromText.class) List<URI> endpoints,
            Duration timeout,
            Duration listingRefresh,
            Duration listingMaxAge,
            Duration listingTimeout) {

        /** The same with the default listing timeout. */
        public InteractiveQuerySettings(List<URI> endpoints, Duration timeout, Duration listingRefresh,
                                        Duration listingMaxAge) {
            this(endpoints, timeout, listingRefresh, listingMaxAge, DEFAULT_LISTING_TIMEOUT);
        }
    }

    private static final Duration DEFAULT_LISTING_TIMEOUT = Duration.ofSeconds(10);

    /**
     * The alerting job's interactive-query endpoints ({@code http://host:port}, each instance's
     * {@code application.server}); any one answers for every alert. Requests to them take
     * {@code interactiveQueries.timeout}, listings {@code interactiveQueries.listingTimeout}.
     */
    public record AlertQuerySettings(@JsonDeserialize(using = ListFromText.class) List<URI> endpoints) {
    }

    /**
     * The Kafka cluster and schema registry: the service tails {@code dams.silences} and {@code dams.rules} into
     * memory, writes both, and follows {@code dams.alerts.transitions} for the live feed.
     *
     * @param bootstrapServers {@code host:port[,host:port...]}
     * @param registryUrl      the schema registry's base URL
     * @param writeTimeout     how long a write (a silence, a rule) may take to be acknowledged and visible in the
     *                         service's own view of the topic; past it the request fails with 503
     */
    public record KafkaSettings(String bootstrapServers, String registryUrl, Duration writeTimeout) {
    }

    /**
     * @param extraChannels channel names rules may use besides the standard ones (email, pagerduty, slack, webhook),
     *                      e.g. the named webhooks of the notifier's configuration
     */
    public record RuleSettings(@JsonDeserialize(using = ListFromText.class) List<String> extraChannels) {
    }

    /**
     * @param heartbeat  how often an idle stream gets a comment line, so that proxies and load balancers do not close
     *                   it and a client that went away is noticed
     * @param maxClients streams open at once; more are refused with 503
     * @param maxBacklog events waiting for one slow client; a client that falls further behind is disconnected (it
     *                   reconnects and reads the current alerts)
     */
    public record LiveFeedSettings(Duration heartbeat, int maxClients, int maxBacklog) {
    }

    private static final AlertQuerySettings DEFAULT_ALERT_QUERIES =
            new AlertQuerySettings(List.of(URI.create("http://127.0.0.1:7071")));
    private static final KafkaSettings DEFAULT_KAFKA =
            new KafkaSettings("127.0.0.1:9092", "http://127.0.0.1:8081", Duration.ofSeconds(10));
    private static final RuleSettings DEFAULT_RULES = new RuleSettings(List.of());
    private static final LiveFeedSettings DEFAULT_LIVE_FEED = new LiveFeedSettings(Duration.ofSeconds(15), 200, 1000);
    private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

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
                        Duration.ofSeconds(1), Duration.ofSeconds(30), DEFAULT_LISTING_TIMEOUT),
                List.of(),
                new Limits(100, 1000, new ByteSize(8 << 10), new ByteSize(1 << 20)),
                DEFAULT_ALERT_QUERIES, DEFAULT_KAFKA, DEFAULT_RULES, DEFAULT_LIVE_FEED);
    }

    /** The same configuration listening on {@code host:port} (port 0 picks a free one). */
    public QueryConfig withListen(String host, int port) {
        return new QueryConfig(new Listen(host, port), interactiveQueries, tokens, limits, alertQueries, kafka, rules,
                liveFeed);
    }

    /** The same configuration with these tokens. */
    public QueryConfig withTokens(List<TokenEntry> tokens) {
        return new QueryConfig(listen, interactiveQueries, tokens, limits, alertQueries, kafka, rules, liveFeed);
    }

    /** The same configuration on this Kafka cluster and registry. */
    public QueryConfig withKafka(String bootstrapServers, String registryUrl) {
        return new QueryConfig(listen, interactiveQueries, tokens, limits, alertQueries,
                new KafkaSettings(bootstrapServers, registryUrl, kafka.writeTimeout()), rules, liveFeed);
    }

    /** The same configuration reading alerts from these alerting-job endpoints. */
    public QueryConfig withAlertQueries(List<URI> endpoints) {
        return new QueryConfig(listen, interactiveQueries, tokens, limits, new AlertQuerySettings(endpoints), kafka,
                rules, liveFeed);
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
        endpoints(iq.endpoints(), "interactiveQueries.endpoints");
        positive(iq.timeout(), "interactiveQueries.timeout");
        positive(iq.listingTimeout(), "interactiveQueries.listingTimeout");
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

        ConfigException.require(alertQueries != null, "alertQueries", "required");
        ConfigException.require(alertQueries.endpoints() != null && !alertQueries.endpoints().isEmpty(),
                "alertQueries.endpoints", "required: at least one http://host:port of the alerting job");
        endpoints(alertQueries.endpoints(), "alertQueries.endpoints");

        ConfigException.require(kafka != null, "kafka", "required");
        ConfigException.require(kafka.bootstrapServers() != null
                        && kafka.bootstrapServers().matches("[^\\s,]+:\\d{1,5}(,[^\\s,]+:\\d{1,5})*"),
                "kafka.bootstrapServers", "must be host:port[,host:port...], not '" + kafka.bootstrapServers() + "'");
        URI registry = kafka.registryUrl() == null ? null : parse(kafka.registryUrl());
        ConfigException.require(registry != null && ("http".equals(registry.getScheme())
                        || "https".equals(registry.getScheme())) && registry.getHost() != null,
                "kafka.registryUrl", "must be http://host:port, not '" + kafka.registryUrl() + "'");
        positive(kafka.writeTimeout(), "kafka.writeTimeout");

        ConfigException.require(rules != null, "rules", "required");
        ConfigException.require(rules.extraChannels() != null, "rules.extraChannels", "must be a list (may be empty)");
        Set<String> channels = new HashSet<>();
        for (int i = 0; i < rules.extraChannels().size(); i++) {
            String channel = rules.extraChannels().get(i);
            String key = "rules.extraChannels[" + i + "]";
            ConfigException.require(channel != null && CHANNEL.matcher(channel).matches(), key,
                    "must be a channel name (letters, digits, _ . -), not '" + channel + "'");
            ConfigException.require(channels.add(channel), key, "'" + channel + "' is listed twice");
        }

        ConfigException.require(liveFeed != null, "liveFeed", "required");
        positive(liveFeed.heartbeat(), "liveFeed.heartbeat");
        ConfigException.require(liveFeed.maxClients() >= 1, "liveFeed.maxClients", "must be at least 1");
        ConfigException.require(liveFeed.maxBacklog() >= 1, "liveFeed.maxBacklog", "must be at least 1");
    }

    private static void endpoints(List<URI> endpoints, String key) {
        for (int i = 0; i < endpoints.size(); i++) {
            URI uri = endpoints.get(i);
            ConfigException.require(uri != null && ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
                    && uri.getHost() != null, key + "[" + i + "]", "must be http://host:port, not '" + uri + "'");
        }
    }

    private static URI parse(String uri) {
        try {
            return URI.create(uri);
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    private static void positive(Duration d, String key) {
        ConfigException.require(d != null && !d.isNegative() && !d.isZero(), key, "must be positive");
    }
}
