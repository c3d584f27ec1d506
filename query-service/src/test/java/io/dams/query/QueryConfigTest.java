package io.dams.query;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.query.auth.Role;
import io.dams.query.auth.TokenEntry;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.ConfigLoader;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class QueryConfigTest {

    private static final String HASH = "a".repeat(64);
    private final ConfigLoader<QueryConfig> loader =
            new ConfigLoader<>(QueryConfig.class, QueryConfig.defaults(), QueryConfig.ENV_PREFIX);

    @TempDir
    Path dir;

    @Test
    void shouldLoadTheDocumentedExampleAsTheDefaults() {
        Path example = Path.of("..", "deploy", "query.yaml");

        QueryConfig config = loader.load(example, Map.of());

        assertThat(config).isEqualTo(QueryConfig.defaults());
    }

    @Test
    void shouldReadEveryKeyFromYaml() throws Exception {
        Path file = dir.resolve("query.yaml");
        Files.writeString(file, """
                listen: {host: 127.0.0.1, port: 9000}
                interactiveQueries:
                  endpoints: [http://ingest-0:7071, http://ingest-1:7071]
                  timeout: 500ms
                  listingRefresh: 2s
                  listingMaxAge: 1m
                  listingTimeout: 20s
                tokens:
                  - {name: ops, role: operator, sha256: %s}
                limits: {defaultPageSize: 50, maxPageSize: 500, maxHeaderBytes: 16KiB, maxRequestBytes: 64KiB}
                alertQueries: {endpoints: [http://alerting-0:7071]}
                kafka: {bootstrapServers: "kafka-0:9092,kafka-1:9092", registryUrl: "http://registry:8081", writeTimeout: 3s}
                rules: {extraChannels: [ops-webhook, teams]}
                liveFeed: {heartbeat: 5s, maxClients: 10, maxBacklog: 50}
                """.formatted(HASH));

        QueryConfig config = loader.load(file, Map.of());

        assertThat(config.listen()).isEqualTo(new QueryConfig.Listen("127.0.0.1", 9000));
        assertThat(config.interactiveQueries().endpoints())
                .containsExactly(URI.create("http://ingest-0:7071"), URI.create("http://ingest-1:7071"));
        assertThat(config.interactiveQueries().timeout()).isEqualTo(Duration.ofMillis(500));
        assertThat(config.interactiveQueries().listingMaxAge()).isEqualTo(Duration.ofMinutes(1));
        assertThat(config.interactiveQueries().listingTimeout()).isEqualTo(Duration.ofSeconds(20));
        assertThat(config.tokens()).containsExactly(new TokenEntry("ops", Role.OPERATOR, HASH));
        assertThat(config.limits().maxHeaderBytes().bytes()).isEqualTo(16 << 10);
        assertThat(config.limits().defaultPageSize()).isEqualTo(50);
        assertThat(config.alertQueries().endpoints()).containsExactly(URI.create("http://alerting-0:7071"));
        assertThat(config.kafka()).isEqualTo(new QueryConfig.KafkaSettings("kafka-0:9092,kafka-1:9092",
                "http://registry:8081", Duration.ofSeconds(3)));
        assertThat(config.rules().extraChannels()).containsExactly("ops-webhook", "teams");
        assertThat(config.liveFeed()).isEqualTo(new QueryConfig.LiveFeedSettings(Duration.ofSeconds(5), 10, 50));
    }

    @Test
    void shouldTakeTheAlertKeysFromTheEnvironment() {
        QueryConfig config = loader.load(null, Map.of(
                "DAMS_QUERY_ALERT_QUERIES_ENDPOINTS", "http://a:7071,http://b:7071",
                "DAMS_QUERY_KAFKA_BOOTSTRAP_SERVERS", "kafka:9093",
                "DAMS_QUERY_KAFKA_REGISTRY_URL", "http://registry:8081",
                "DAMS_QUERY_RULES_EXTRA_CHANNELS", "teams, ops-webhook",
                "DAMS_QUERY_LIVE_FEED_HEARTBEAT", "30s"));

        assertThat(config.alertQueries().endpoints())
                .containsExactly(URI.create("http://a:7071"), URI.create("http://b:7071"));
        assertThat(config.kafka().bootstrapServers()).isEqualTo("kafka:9093");
        assertThat(config.kafka().registryUrl()).isEqualTo("http://registry:8081");
        assertThat(config.rules().extraChannels()).containsExactly("teams", "ops-webhook");
        assertThat(config.liveFeed().heartbeat()).isEqualTo(Duration.ofSeconds(30));
    }

    @Test
    void shouldKeepTheAssetOnlyConstructorWithTheDefaultsForTheRest() {
        QueryConfig d = QueryConfig.defaults();

        QueryConfig config = new QueryConfig(d.listen(), d.interactiveQueries(), d.tokens(), d.limits());

        assertThat(config).isEqualTo(d);
        assertThat(config.alertQueries().endpoints()).containsExactly(URI.create("http://127.0.0.1:7071"));
    }

    @Test
    void shouldTakeListsAndScalarsFromTheEnvironment() {
        QueryConfig config = loader.load(null, Map.of(
                "DAMS_QUERY_LISTEN_PORT", "8181",
                "DAMS_QUERY_INTERACTIVE_QUERIES_ENDPOINTS", "http://a:7071, http://b:7072",
                "DAMS_QUERY_TOKENS", "[{name: ops, role: viewer, sha256: " + HASH + "}, {name: boss, role: admin, sha256: "
                        + "b".repeat(64) + "}]",
                "DAMS_QUERY_LIMITS_MAX_PAGE_SIZE", "200"));

        assertThat(config.listen().port()).isEqualTo(8181);
        assertThat(config.interactiveQueries().endpoints())
                .containsExactly(URI.create("http://a:7071"), URI.create("http://b:7072"));
        assertThat(config.tokens()).extracting(TokenEntry::name, TokenEntry::role)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("ops", Role.VIEWER),
                        org.assertj.core.groups.Tuple.tuple("boss", Role.ADMIN));
        assertThat(config.limits().maxPageSize()).isEqualTo(200);
    }

    @Test
    void shouldNameTheKeyOfEachMistake() {
        assertRefused(Map.of("DAMS_QUERY_LISTEN_PORT", "70000"), "listen.port");
        assertRefused(Map.of("DAMS_QUERY_INTERACTIVE_QUERIES_ENDPOINTS", "ftp://x:1"), "interactiveQueries.endpoints[0]");
        assertRefused(Map.of("DAMS_QUERY_INTERACTIVE_QUERIES_ENDPOINTS", ""), "interactiveQueries.endpoints");
        assertRefused(Map.of("DAMS_QUERY_LIMITS_DEFAULT_PAGE_SIZE", "2000"), "limits.defaultPageSize");
        assertRefused(Map.of("DAMS_QUERY_INTERACTIVE_QUERIES_LISTING_MAX_AGE", "500ms"), "interactiveQueries.listingMaxAge");
        assertRefused(Map.of("DAMS_QUERY_INTERACTIVE_QUERIES_LISTING_TIMEOUT", "0s"), "interactiveQueries.listingTimeout");
        assertRefused(Map.of("DAMS_QUERY_TOKENS", "[{name: ops, role: viewer, sha256: abc}]"), "tokens[0].sha256");
        assertRefused(Map.of("DAMS_QUERY_ALERT_QUERIES_ENDPOINTS", ""), "alertQueries.endpoints");
        assertRefused(Map.of("DAMS_QUERY_ALERT_QUERIES_ENDPOINTS", "alerting:7071"), "alertQueries.endpoints[0]");
        assertRefused(Map.of("DAMS_QUERY_KAFKA_BOOTSTRAP_SERVERS", "kafka"), "kafka.bootstrapServers");
        assertRefused(Map.of("DAMS_QUERY_KAFKA_REGISTRY_URL", "registry:8081"), "kafka.registryUrl");
        assertRefused(Map.of("DAMS_QUERY_KAFKA_WRITE_TIMEOUT", "0s"), "kafka.writeTimeout");
        assertRefused(Map.of("DAMS_QUERY_RULES_EXTRA_CHANNELS", "teams,teams"), "rules.extraChannels[1]");
        assertRefused(Map.of("DAMS_QUERY_RULES_EXTRA_CHANNELS", "a b"), "rules.extraChannels[0]");
        assertRefused(Map.of("DAMS_QUERY_LIVE_FEED_MAX_CLIENTS", "0"), "liveFeed.maxClients");
        assertRefused(Map.of("DAMS_QUERY_LIVE_FEED_HEARTBEAT", "0s"), "liveFeed.heartbeat");
        assertRefused(Map.of("DAMS_QUERY_TOKENS", "[{name: ops, role: root, sha256: " + HASH + "}]"), "tokens[0].role");
        assertRefused(Map.of("DAMS_QUERY_TOKENS", "[{name: ops, role: viewer, sha256: " + HASH + "},"
                + " {name: ops, role: admin, sha256: " + HASH + "}]"), "tokens[1].name");
    }

    @Test
    void shouldRefuseAnUnknownKey() throws Exception {
        Path file = dir.resolve("query.yaml");
        Files.writeString(file, "listen: {host: 0.0.0.0, prot: 8080}\n");

        assertThatThrownBy(() -> loader.load(file, Map.of())).isInstanceOf(ConfigException.class)
                .hasMessageContaining("prot");
    }

    @Test
    void shouldPrintAConfigurationThatLoadsBackTheSame() throws Exception {
        QueryConfig config = QueryConfig.defaults().withTokens(List.of(new TokenEntry("ops", Role.OPERATOR, HASH)));
        Path file = dir.resolve("printed.yaml");
        Files.writeString(file, loader.toYaml(config));

        assertThat(loader.load(file, Map.of())).isEqualTo(config);
    }

    private void assertRefused(Map<String, String> env, String key) {
        assertThatThrownBy(() -> loader.load(null, env)).as(env.toString()).isInstanceOf(ConfigException.class)
                .hasMessageStartingWith(key);
    }
}
