package io.dams.streams.iq;

import static io.dams.streams.alerting.AlertFixtures.firing;
import static io.dams.streams.alerting.AlertFixtures.matcher;
import static io.dams.streams.alerting.AlertFixtures.resolved;
import static io.dams.streams.alerting.AlertFixtures.silenceMatching;
import static io.dams.streams.alerting.AlertFixtures.silenceOf;
import static io.dams.streams.alerting.AlertFixtures.transition;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.MatchOp;
import io.dams.schemas.avro.Silence;
import io.dams.schemas.topics.Topics;
import io.dams.streams.PlainAvroSerdes;
import io.dams.streams.TestDrivers;
import io.dams.streams.alerting.AlertQueries;
import io.dams.streams.alerting.AlertingSettings;
import io.dams.streams.alerting.AlertingTopology;
import io.dams.streams.ingest.AssetQueries;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.apache.kafka.common.serialization.StringSerializer;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyQueryMetadata;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.apache.kafka.streams.state.HostInfo;
import org.apache.kafka.streams.state.ReadOnlyKeyValueStore;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The interactive-query server over real HTTP: before its job is running every store query is a 503 with Retry-After,
 * which the client turns into {@link StoresUnavailableException}; the alert routes answer from an alerting job's
 * stores (here a test driver's), forwarding a key to the instance that owns it and merging listings. The asset
 * routes of running ingest jobs are covered by the integration tests.
 */
class InteractiveQueryServerTest {

    static final Instant START = Instant.parse("2025-03-01T12:00:00Z");
    static final long T = START.toEpochMilli();

    @TempDir
    Path tmp;

    InteractiveQueryServer server;
    InteractiveQueryClient client;
    final List<AutoCloseable> closing = new ArrayList<>();

    @BeforeEach
    void start() {
        server = InteractiveQueryServer.start("127.0.0.1", "127.0.0.1", 0);
        client = new InteractiveQueryClient(URI.create("http://" + server.applicationServer()));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        for (AutoCloseable c : closing) {
            c.close();
        }
    }

    @Test
    void shouldResolveAFreePortIntoItsApplicationServer() {
        assertThat(server.port()).isPositive();
        assertThat(server.applicationServer()).isEqualTo("127.0.0.1:" + server.port());
    }

    @Test
    void shouldAnswer503WithRetryAfterWhileTheStoresAreNotQueryable() throws Exception {
        assertThatThrownBy(() -> client.assets())
                .isInstanceOfSatisfying(StoresUnavailableException.class,
                        e -> assertThat(e.retryAfter()).isEqualTo(Duration.ofSeconds(1)))
                .hasMessageContaining("not queryable");
        assertThatThrownBy(() -> client.asset("node-1")).isInstanceOf(StoresUnavailableException.class);

        HttpResponse<String> health = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + server.applicationServer() + InteractiveQueries.HEALTH)).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(health.statusCode()).isEqualTo(503);
        assertThat(health.headers().firstValue("Retry-After")).contains("1");
        assertThat(InteractiveQueries.JSON.readTree(health.body()).get("error").asText()).contains("STARTING");
    }

    @Test
    void shouldRoundTripTheContractRecordsInSnakeCase() throws Exception {
        AssetView view = new AssetView("node-1", "eu-west-1", "dub-1", 53.3, -6.2, "node-1.example", "server",
                Map.of("rack", "r7"), "UP", 1_700_000_000_000L, 10_000, Map.of(), true);
        AssetDetail detail = new AssetDetail(view, List.of(new SeriesValue("cpu_percent", Map.of("core", "0"),
                1_700_000_000_000L, 12.5)));

        String json = InteractiveQueries.JSON.writeValueAsString(detail);

        assertThat(json).contains("\"asset_id\":\"node-1\"", "\"last_seen\":1700000000000",
                "\"expected_interval_ms\":10000", "\"timestamp_ms\":1700000000000", "\"firing_alerts\":{}");
        assertThat(InteractiveQueries.JSON.readValue(json, AssetDetail.class)).isEqualTo(detail);
    }

    @Test
    void shouldEncodeAssetIdsAsOnePathSegment() {
        assertThat(InteractiveQueryClient.encode("rack 7/node+1")).isEqualTo("rack%207%2Fnode%2B1");
    }

    @Test
    void shouldServeAnAlertingJobsAlertsSortedByIdWithTheSilencesThatMuteThemNow() {
        TopologyTestDriver driver = alertingJob("one");
        send(driver, firing("b2", "web-2", T));
        send(driver, firing("a1", "web-1", T));
        send(driver, resolved("a1", "web-1", T + 60_000));
        send(driver, transition("c3", "db-1", AlertState.INACTIVE, AlertState.PENDING, T));
        TestInputTopic<String, Silence> silences = silences(driver);
        silences.pipeInput("s-by-id", silenceOf("s-by-id", "b2", T - 1, T + 3_600_000));
        silences.pipeInput("s-by-labels", silenceMatching("s-by-labels", T - 1, T + 3_600_000,
                matcher("asset_id", MatchOp.RE, "web-.*")));
        silences.pipeInput("s-later", silenceOf("s-later", "b2", T + 60_000, T + 3_600_000));
        HostInfo self = new HostInfo("127.0.0.1", server.port());
        server.serve(job(driver, T + 1_000, List.of(self), key -> self));

        List<AlertView> all = client.alerts();

        assertThat(all).extracting(AlertView::alertId).containsExactly("a1", "b2", "c3");
        assertThat(all).extracting(AlertView::state).containsExactly("resolved", "firing", "pending");
        AlertView b2 = client.alert("b2").orElseThrow();
        assertThat(b2.silencedBy()).as("active now, sorted; s-later has not started")
                .containsExactly("s-by-id", "s-by-labels");
        assertThat(b2.severity()).isEqualTo("warning");
        assertThat(b2.ruleName()).isEqualTo("high-cpu");
        assertThat(b2.groupLabels()).isEqualTo(Map.of("asset_id", "web-2"));
        assertThat(b2.assetId()).isEqualTo("web-2");
        assertThat(b2.region()).isEqualTo("eu-west-1");
        assertThat(b2.firingSince()).isEqualTo(T);
        assertThat(b2.activeSince()).isEqualTo(T - 60_000);
        assertThat(b2.value()).isEqualTo(93.5);
        assertThat(b2.threshold()).isEqualTo(90.0);
        assertThat(b2.channels()).containsExactly("slack", "email");
        assertThat(b2.updatedAt()).isEqualTo(T);
        AlertView a1 = client.alert("a1").orElseThrow();
        assertThat(a1.resolvedAt()).isEqualTo(T + 60_000);
        assertThat(a1.silencedBy()).containsExactly("s-by-labels");
        assertThat(client.alert("c3").orElseThrow().silencedBy()).isEmpty();
        assertThat(client.alert("nobody")).isEmpty();
        assertThat(client.alerts("local", false)).isEqualTo(all);
    }

    @Test
    void shouldWriteAlertViewsInSnakeCaseWithLowerCaseStates() throws Exception {
        TopologyTestDriver driver = alertingJob("json");
        send(driver, firing("a1", "web-1", T));
        HostInfo self = new HostInfo("127.0.0.1", server.port());
        server.serve(job(driver, T, List.of(self), key -> self));

        HttpResponse<String> one = get(InteractiveQueries.ALERT.replace("{alert_id}", "a1"));

        assertThat(one.statusCode()).isEqualTo(200);
        assertThat(one.body()).contains("\"alert_id\":\"a1\"", "\"state\":\"firing\"", "\"severity\":\"warning\"",
                "\"silenced_by\":[]", "\"firing_since\":" + T, "\"resolved_at\":null");
        assertThat(get(InteractiveQueries.ALERTS + "?scope=everywhere").statusCode()).isEqualTo(400);
        assertThat(get(InteractiveQueries.ALERT.replace("{alert_id}", "nobody")).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldAnswer404ForTheRoutesOfStoresTheJobDoesNotHave() throws Exception {
        TopologyTestDriver driver = alertingJob("routes");
        HostInfo self = new HostInfo("127.0.0.1", server.port());
        server.serve(job(driver, T, List.of(self), key -> self));

        assertThat(get(InteractiveQueries.ASSETS).statusCode()).as("an alerting job has no assets").isEqualTo(404);
        assertThat(get(InteractiveQueries.ASSET.replace("{asset_id}", "node-1")).statusCode()).isEqualTo(404);
        assertThat(get(InteractiveQueries.ALERTS).statusCode()).isEqualTo(200);

        server.serve(new TestJob(driver, T, List.of(self), key -> self, Set.of()));
        assertThat(get(InteractiveQueries.ALERTS).statusCode()).as("a job without the alert stores").isEqualTo(404);
        assertThat(get(InteractiveQueries.ALERT.replace("{alert_id}", "a1")).statusCode()).isEqualTo(404);
    }

    @Test
    void shouldAskTheOwnerOfAnAlertAndMergeTheAlertsOfEveryInstance() {
        InteractiveQueryServer other = InteractiveQueryServer.start("127.0.0.1", "127.0.0.1", 0);
        closing.add(other);
        HostInfo self = new HostInfo("127.0.0.1", server.port());
        HostInfo peer = new HostInfo("127.0.0.1", other.port());
        // Alerts whose id starts with "a" live on this instance, the others on the peer.
        Function<String, HostInfo> owner = key -> key.startsWith("a") ? self : peer;
        TopologyTestDriver mine = alertingJob("mine");
        TopologyTestDriver theirs = alertingJob("theirs");
        send(mine, firing("a1", "web-1", T));
        send(theirs, firing("b1", "web-2", T));
        silences(theirs).pipeInput("s1", silenceOf("s1", "b1", T - 1, T + 60_000));
        server.serve(job(mine, T, List.of(self, peer), owner));
        other.serve(job(theirs, T, List.of(self, peer), owner));

        assertThat(client.alert("b1").orElseThrow().silencedBy()).as("answered by the owner").containsExactly("s1");
        assertThat(client.alert("a1")).isPresent();
        assertThat(client.alert("b9")).isEmpty();
        assertThat(client.alerts()).extracting(AlertView::alertId).containsExactly("a1", "b1");
        assertThat(client.alerts("local", false)).extracting(AlertView::alertId).containsExactly("a1");
        // A forwarded request for a key this instance does not own is not passed on again.
        assertThatThrownBy(() -> client.alert("b1", true)).isInstanceOf(StoresUnavailableException.class)
                .hasMessageContaining("moving");
    }

    private TopologyTestDriver alertingJob(String name) {
        SimpleMeterRegistry meters = new SimpleMeterRegistry();
        TopologyTestDriver driver = new TopologyTestDriver(AlertingTopology.build(AlertingSettings.defaults(),
                new PlainAvroSerdes(), meters), TestDrivers.properties("dams-alerting-iq-" + name, tmp.resolve(name),
                meters), START);
        closing.add(driver::close);
        return driver;
    }

    private static void send(TopologyTestDriver driver, AlertTransition t) {
        driver.createInputTopic(Topics.ALERTS_TRANSITIONS.name(), new StringSerializer(),
                new PlainAvroSerdes().valueSerde(Topics.ALERTS_TRANSITIONS).serializer())
                .pipeInput(t.getAlertId(), t, t.getAt());
    }

    private static TestInputTopic<String, Silence> silences(TopologyTestDriver driver) {
        return driver.createInputTopic(Topics.SILENCES.name(), new StringSerializer(),
                new PlainAvroSerdes().valueSerde(Topics.SILENCES).serializer());
    }

    private static ServedJob job(TopologyTestDriver driver, long now, List<HostInfo> instances,
                                 Function<String, HostInfo> owner) {
        return new TestJob(driver, now, instances, owner, Set.of(AlertingTopology.ACTIVE_STORE,
                AlertingTopology.SILENCES_STORE, AlertingTopology.GROUPS_STORE));
    }

    /** A running alerting job as the server sees it, over a test driver's stores and a fixed wall clock. */
    private record TestJob(TopologyTestDriver driver, long now, List<HostInfo> instances,
                           Function<String, HostInfo> ownerOf, Set<String> stores) implements ServedJob {

        @Override
        public KafkaStreams.State state() {
            return KafkaStreams.State.RUNNING;
        }

        @Override
        public boolean hasStore(String store) {
            return stores.contains(store);
        }

        @Override
        public KeyQueryMetadata owner(String store, String key) {
            return new KeyQueryMetadata(ownerOf.apply(key), Set.of(), 0);
        }

        @Override
        public AssetQueries assets() {
            throw new AssertionError("an alerting job has no asset stores");
        }

        @Override
        public AlertQueries alerts() {
            return new AlertQueries(new LocalStores() {
                @Override
                public <V> ReadOnlyKeyValueStore<String, V> store(String name) {
                    return driver.getKeyValueStore(name);
                }
            }, () -> now);
        }
    }

    private HttpResponse<String> get(String path) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                URI.create("http://" + server.applicationServer() + path)).build(),
                HttpResponse.BodyHandlers.ofString());
    }
}
