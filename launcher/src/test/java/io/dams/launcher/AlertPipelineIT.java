package io.dams.launcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.agent.Agent;
import io.dams.agent.config.AgentConfig;
import io.dams.bridge.BridgeConfig;
import io.dams.bridge.EdgeBridge;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PortGuard;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.notifier.Notifier;
import io.dams.query.QueryConfig;
import io.dams.query.QueryService;
import io.dams.query.auth.Role;
import io.dams.query.auth.TokenEntry;
import io.dams.query.auth.Tokens;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.streams.Job;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.dams.streams.alerting.AlertingSettings;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Alerting end to end on real parts: an incident on an asset (its agent reports a load above the rule's threshold)
 * → agent → mutual-TLS gRPC → bridge → ingest → rules → alerting → notifier → the webhook receives FIRING; the
 * operator silences the alert through the API → no further notification (the group would be re-sent every 3 s
 * otherwise) → the incident ends → the alert is resolved in the API, and the silenced resolve is not sent either
 * (as Alertmanager mutes it).
 */
@ExtendWith(EmbeddedPlatformExtension.class)
class AlertPipelineIT {

    static final String DOMAIN = "dams.test";
    static final String REGION = "eu-west-1";
    static final ObjectMapper JSON = new ObjectMapper();
    static final HttpClient HTTP = HttpClient.newHttpClient();

    @TempDir
    Path tmp;

    @Test
    void shouldNotifyAFiringAlertOnceSilenceItThroughTheApiAndResolveIt(Endpoints platform) throws Exception {
        String asset = "node-" + UUID.randomUUID().toString().substring(0, 8);
        String rule = "e2e-load-" + asset;
        String token = Tokens.generate().secret();
        AtomicReference<Double> load = new AtomicReference<>(12.0);
        ScheduledExecutorService pusher = Executors.newSingleThreadScheduledExecutor();
        try (StartedParts parts = new StartedParts()) {
            String alertQueries = null;
            String ingestQueries = null;
            JobConfig d = JobConfig.defaults();
            for (Job kind : List.of(Job.INGEST, Job.RULES, Job.ALERTING)) {
                StreamsJob job = parts.add(StreamsJob.start(new JobConfig(kind.jobName(), platform.bootstrapServers(),
                        platform.registryUrl(), "e2e-" + kind.jobName(), tmp.resolve("streams").resolve(kind.jobName()),
                        1, d.commitInterval(), 1, new JobConfig.Status("127.0.0.1", 0),
                        d.ingest().withApplicationServer("127.0.0.1:0"), d.rollup(), d.rules(),
                        AlertingSettings.defaults().withApplicationServer("127.0.0.1:0")
                                .withTimers(Duration.ZERO, Duration.ofSeconds(1), Duration.ofSeconds(3)))));
                if (kind == Job.ALERTING) {
                    alertQueries = "http://" + job.applicationServer().orElseThrow();
                } else if (kind == Job.INGEST) {
                    ingestQueries = "http://" + job.applicationServer().orElseThrow();
                }
            }
            DemoInbox inbox = parts.add(DemoInbox.start(line -> System.out.println("[inbox] " + line)));
            Notifier notifier = parts.add(Notifier.start(DemoStack.notifierConfig(platform, inbox)));
            assertThat(notifier.channels()).contains("demo");

            QueryConfig q = QueryConfig.defaults();
            QueryService api = parts.add(QueryService.start(new QueryConfig(new QueryConfig.Listen("127.0.0.1", 0),
                    new QueryConfig.InteractiveQuerySettings(List.of(URI.create(ingestQueries)),
                            q.interactiveQueries().timeout(), Duration.ZERO, q.interactiveQueries().listingMaxAge()),
                    List.of(new TokenEntry("ops", Role.OPERATOR, Tokens.sha256Hex(token))),
                    q.limits())
                    .withKafka(platform.bootstrapServers(), platform.registryUrl())
                    .withAlertQueries(List.of(URI.create(alertQueries)))));
            String base = "http://127.0.0.1:" + api.port() + "/api/v2";

            // The operator adds the rule through the API (checked as `dams rules validate` checks it).
            HttpResponse<String> put = send("PUT", base + "/rules/" + rule, token, """
                    {"condition": "e2e_load{source=\\"incident\\"} > 90", "severity": "critical",
                     "channels": ["webhook"], "annotations": {"summary": "load above 90"}}""");
            assertThat(put.statusCode()).as(put.body()).isEqualTo(201);

            CertificateAuthority ca = CertificateAuthority.init(tmp.resolve("ca"), DOMAIN, Duration.ofDays(1),
                    Clock.systemUTC());
            TlsFiles bridgeTls = ca.issue(CertificateAuthority.Request.bridge(SpiffeId.bridge(DOMAIN, REGION, "hub"),
                    Duration.ofDays(1), List.of("localhost"), List.of("127.0.0.1")), tmp.resolve("bridge"));
            TlsFiles agentTls = ca.issue(CertificateAuthority.Request.agent(SpiffeId.asset(DOMAIN, REGION, asset),
                    Duration.ofDays(1)), tmp.resolve("agent"));
            int bridgePort = PortGuard.freePort("127.0.0.1");
            BridgeConfig bridgeConfig = TestConfigs.bridge(platform, tmp.resolve("bridge-data"), bridgeTls, REGION,
                    DOMAIN, bridgePort);
            parts.add(EdgeBridge.start(bridgeConfig, Clock.systemUTC()));
            AgentConfig agentConfig = TestConfigs.agent(asset, REGION, "localhost:" + bridgePort, agentTls,
                    tmp.resolve("agent-data"));
            Agent agent = parts.add(Agent.start(agentConfig, Clock.systemUTC()));
            URI push = URI.create("http://127.0.0.1:" + agent.healthPort() + "/push");
            // What a local exporter would report, every 500 ms; the agent sends a batch every second.
            pusher.scheduleAtFixedRate(() -> {
                try {
                    HTTP.send(HttpRequest.newBuilder(push).POST(HttpRequest.BodyPublishers.ofString(
                            "e2e_load{source=\"incident\"} " + load.get() + "\n")).build(),
                            HttpResponse.BodyHandlers.discarding());
                } catch (Exception e) {
                    System.out.println("push failed: " + e);
                }
            }, 0, 500, TimeUnit.MILLISECONDS);

            // The incident begins.
            load.set(97.0);
            await().atMost(Duration.ofSeconds(90)).pollInterval(Duration.ofMillis(200))
                    .until(() -> payloadsFor(inbox, asset).size() >= 1);
            JsonNode firing = payloadsFor(inbox, asset).get(0);
            assertThat(firing.path("status").asText()).isEqualTo("firing");
            assertThat(firing.path("alerts").get(0).path("labels").path("alertname").asText()).isEqualTo(rule);
            assertThat(firing.path("alerts").get(0).path("annotations").path("summary").asText())
                    .isEqualTo("load above 90");

            JsonNode alert = JSON.readTree(send("GET", base + "/alerts?asset=" + asset, token, null).body())
                    .path("alerts").get(0);
            assertThat(alert.path("state").asText()).isEqualTo("firing");
            assertThat(alert.path("rule_name").asText()).isEqualTo(rule);
            String alertId = alert.path("alert_id").asText();
            // The asset's status follows its firing alerts.
            await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(
                    send("GET", base + "/assets/" + asset, token, null).body()).path("asset").path("status").asText()
                    .equals("critical"));

            // Silenced through the API, exactly as the seed asks.
            HttpResponse<String> silence = send("POST", base + "/alerts/silence", token,
                    "{\"alert_id\":\"" + alertId + "\",\"duration\":\"2h\"}");
            assertThat(silence.statusCode()).as(silence.body()).isEqualTo(201);
            await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(
                    send("GET", base + "/alerts/" + alertId, token, null).body()).path("silenced").asBoolean());
            int notified = payloadsFor(inbox, asset).size();
            // Unsilenced, the firing group is re-sent every 3 s (repeatInterval); silenced, nothing more arrives.
            await().during(Duration.ofSeconds(8)).atMost(Duration.ofSeconds(10))
                    .until(() -> payloadsFor(inbox, asset).size() == notified);

            // The incident ends: resolved in the API; the silenced resolve is not sent.
            load.set(10.0);
            await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(200)).until(() -> JSON.readTree(
                    send("GET", base + "/alerts/" + alertId, token, null).body()).path("state").asText()
                    .equals("resolved"));
            await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(5))
                    .until(() -> payloadsFor(inbox, asset).size() == notified);
            await().atMost(Duration.ofSeconds(30)).until(() -> JSON.readTree(
                    send("GET", base + "/assets/" + asset, token, null).body()).path("asset").path("status").asText().equals("ok"));
        } finally {
            pusher.shutdownNow();
        }
    }

    /** The webhook payloads about {@code asset}. */
    private static List<JsonNode> payloadsFor(DemoInbox inbox, String asset) {
        return inbox.webhookPayloads().stream()
                .filter(p -> p.path("alerts").toString().contains(asset))
                .toList();
    }

    private static HttpResponse<String> send(String method, String url, String token, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(url))
                .header("Authorization", "Bearer " + token)
                .method(method, body == null ? HttpRequest.BodyPublishers.noBody()
                        : HttpRequest.BodyPublishers.ofString(body));
        if (body != null) {
            request.header("Content-Type", "application/json");
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }
}
