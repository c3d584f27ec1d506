package io.dams.launcher;

import io.dams.agent.Agent;
import io.dams.agent.config.AgentConfig;
import io.dams.agent.simulate.BridgeTargets;
import io.dams.agent.simulate.Fleet;
import io.dams.bridge.BridgeConfig;
import io.dams.bridge.EdgeBridge;
import io.dams.bridge.forward.ForwarderSettings;
import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PortGuard;
import io.dams.notifier.Notifier;
import io.dams.notifier.NotifierConfig;
import io.dams.notifier.Secret;
import io.dams.query.QueryConfig;
import io.dams.query.QueryService;
import io.dams.query.auth.Role;
import io.dams.query.auth.TokenEntry;
import io.dams.query.auth.Tokens;
import io.dams.rules.catalog.RuleCatalog;
import io.dams.rules.catalog.RuleDiff;
import io.dams.rules.check.RuleChecker;
import io.dams.rules.check.RuleFile;
import io.dams.rules.check.RuleFiles;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.schemas.avro.Rule;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import io.dams.streams.Job;
import io.dams.streams.JobConfig;
import io.dams.streams.StreamsJob;
import io.dams.streams.alerting.AlertingSettings;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What {@code dams demo} runs on top of the embedded platform: the Streams jobs, a CA, one edge bridge per demo region,
 * the query service, a real agent for this host and a simulated fleet. Everything keeps its state under the
 * platform's data directory; the API's admin token is {@code admin.token} there.
 */
final class DemoStack implements AutoCloseable {

    static final String TRUST_DOMAIN = "dams.local";
    /** The demo's regions; the first is this host's. */
    static final List<String> REGIONS = List.of("eu-west-1", "us-east-1", "ap-southeast-1");

    private final StartedParts parts;
    private final Map<String, String> bridges;
    private final int agentHealthPort;
    private final Path certs;
    private final String api;
    private final String adminToken;
    private final Path adminTokenFile;

    private DemoStack(StartedParts parts, Map<String, String> bridges, int agentHealthPort, Path certs, String api,
                      String adminToken, Path adminTokenFile) {
        this.parts = parts;
        this.bridges = bridges;
        this.agentHealthPort = agentHealthPort;
        this.certs = certs;
        this.api = api;
        this.adminToken = adminToken;
        this.adminTokenFile = adminTokenFile;
    }

    /**
     * @param firstBridgePort the first region's bridge port, the next regions' the ports after it; 0 for free ports
     * @param agentHealthPort the local agent's health port; 0 for a free port
     * @param apiPort         the REST API's port; 0 for a free port
     */
    static DemoStack start(EmbeddedPlatform platform, int firstBridgePort, int agentHealthPort, int apiPort,
                           int simulatedAssets, Consumer<String> progress) {
        Path dataDir = platform.dataDirectory().root();
        Endpoints endpoints = platform.endpoints();
        StartedParts parts = new StartedParts();
        try {
            Path certs = dataDir.resolve("certs");
            Clock clock = Clock.systemUTC();
            CertificateAuthority ca = Files.exists(certs.resolve("ca.pem"))
                    ? CertificateAuthority.load(certs, clock)
                    : CertificateAuthority.init(certs, TRUST_DOMAIN, Duration.ofDays(3650), clock);

            String interactiveQueries = null;
            String alertQueries = null;
            JobConfig jobDefaults = JobConfig.defaults();
            for (Job kind : Job.values()) {
                StreamsJob job = parts.add(StreamsJob.start(new JobConfig(kind.jobName(), endpoints.bootstrapServers(),
                        endpoints.registryUrl(), "", dataDir.resolve("streams").resolve(kind.jobName()), 1,
                        kind.recommendedCommitInterval(), -1, new JobConfig.Status("127.0.0.1", 0),
                        jobDefaults.ingest().withApplicationServer("127.0.0.1:0"), jobDefaults.rollup(),
                        jobDefaults.rules(), DEMO_ALERTING.withApplicationServer("127.0.0.1:0"))));
                if (kind == Job.INGEST) {
                    interactiveQueries = "http://" + job.applicationServer().orElseThrow();
                } else if (kind == Job.ALERTING) {
                    alertQueries = "http://" + job.applicationServer().orElseThrow();
                }
                progress.accept("job " + kind.jobName() + ": started (status http://127.0.0.1:" + job.statusPort()
                        + "/healthz)");
            }

            DemoInbox inbox = parts.add(DemoInbox.start(line -> progress.accept(line)));
            Notifier notifier = parts.add(Notifier.start(notifierConfig(endpoints, inbox)));
            progress.accept("notifier: channels " + notifier.channels() + " deliver to the demo inbox "
                    + inbox.url("") + " (email is off: the demo has no SMTP server)");
            publishShippedRules(endpoints, progress);

            PortGuard.requireFree("127.0.0.1", apiPort, "query service", "--api-port");
            Path adminTokenFile = dataDir.resolve("admin.token");
            String adminToken = adminToken(adminTokenFile);
            QueryConfig queryDefaults = QueryConfig.defaults();
            QueryService query = parts.add(QueryService.start(new QueryConfig(
                    new QueryConfig.Listen("127.0.0.1", apiPort),
                    new QueryConfig.InteractiveQuerySettings(List.of(URI.create(interactiveQueries)),
                            queryDefaults.interactiveQueries().timeout(),
                            queryDefaults.interactiveQueries().listingRefresh(),
                            queryDefaults.interactiveQueries().listingMaxAge()),
                    List.of(new TokenEntry("admin", Role.ADMIN, Tokens.sha256Hex(adminToken))),
                    queryDefaults.limits())
                    .withKafka(endpoints.bootstrapServers(), endpoints.registryUrl())
                    .withAlertQueries(List.of(URI.create(alertQueries)))));
            String api = "http://127.0.0.1:" + query.port();
            progress.accept("query service: " + api + "/api/v2 (admin token in " + adminTokenFile + ")");

            Map<String, String> bridges = new LinkedHashMap<>();
            int homeBridgePort = 0;
            for (int i = 0; i < REGIONS.size(); i++) {
                String region = REGIONS.get(i);
                int port = firstBridgePort == 0 ? 0 : firstBridgePort + i;
                PortGuard.requireFree("127.0.0.1", port, "edge bridge " + region, "--bridge-port");
                TlsFiles tls = freshCertificate(ca, CertificateAuthority.Request.bridge(
                        SpiffeId.bridge(TRUST_DOMAIN, region, "demo-" + region), Duration.ofDays(30),
                        List.of("localhost"), List.of("127.0.0.1")), certs.resolve("issued").resolve("bridge-" + region));
                Path bridgeData = dataDir.resolve("bridges").resolve(region);
                BridgeConfig d = BridgeConfig.defaults();
                ForwarderSettings k = d.kafka();
                EdgeBridge bridge = parts.add(EdgeBridge.start(new BridgeConfig(region, TRUST_DOMAIN,
                        new BridgeConfig.Listen("127.0.0.1", port),
                        new BridgeConfig.Tls(tls.cert(), tls.key(), tls.ca(), Duration.ofSeconds(30)),
                        new BridgeConfig.Status("127.0.0.1", 0), bridgeData,
                        new ForwarderSettings(endpoints.bootstrapServers(), endpoints.registryUrl(), k.linger(),
                                k.spoolAfter(), bridgeData.resolve("spool"), k.spoolCapacity(), k.compression()),
                        d.validation()), clock));
                bridges.put(region, "127.0.0.1:" + bridge.port());
                if (i == 0) {
                    homeBridgePort = bridge.port();
                }
                progress.accept("bridge " + region + ": listening on 127.0.0.1:" + bridge.port()
                        + " (status http://127.0.0.1:" + bridge.statusPort() + "/metrics)");
            }

            AgentConfig defaults = AgentConfig.defaults();
            String region = REGIONS.get(0);
            TlsFiles agentTls = freshCertificate(ca, CertificateAuthority.Request.agent(
                    SpiffeId.asset(TRUST_DOMAIN, region, defaults.assetId()), Duration.ofDays(1)),
                    certs.resolve("issued").resolve(defaults.assetId()));
            AgentConfig agentConfig = new AgentConfig(defaults.assetId(), region, "this-host", null, null,
                    Map.of("demo", "true"), "server",
                    new AgentConfig.Bridge("localhost:" + homeBridgePort,
                            defaults.bridge().sendInterval(), defaults.bridge().connectTimeout(), agentTls.cert(),
                            agentTls.key(), agentTls.ca()),
                    new AgentConfig.Buffer(dataDir.resolve("agent"), defaults.buffer().capacity()),
                    defaults.backoff(), new AgentConfig.Health("127.0.0.1", agentHealthPort, defaults.health().pushCapacity()),
                    defaults.plugins());
            Agent agent = parts.add(Agent.start(agentConfig, clock));
            progress.accept("agent " + agentConfig.assetId() + ": sending to bridge " + region + " every "
                    + io.dams.runtime.config.Durations.format(agentConfig.bridge().sendInterval()) + " (health http://127.0.0.1:"
                    + agent.healthPort() + "/healthz)");
            if (simulatedAssets > 0) {
                List<String> targets = new ArrayList<>();
                bridges.forEach((r, address) -> targets.add(r + "=" + address));
                Fleet fleet = parts.add(Fleet.start(new Fleet.Settings(simulatedAssets, REGIONS, BridgeTargets.parse(targets),
                        certs, dataDir.resolve("fleet"), Duration.ofSeconds(10), 1L, "localhost"), clock));
                progress.accept("fleet: " + simulatedAssets + " simulated assets over " + fleet.assetsPerRegion().size()
                        + " regions, each with its own certificate; incidents begin within minutes");
            }
            return new DemoStack(parts, bridges, agent.healthPort(), certs, api, adminToken, adminTokenFile);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * The alerting job's grouping timers in the demo: Alertmanager's defaults (30s, 5m, 4h) would keep a visitor
     * waiting; these show a notification seconds after an alert fires.
     */
    static final AlertingSettings DEMO_ALERTING = AlertingSettings.defaults()
            .withTimers(Duration.ofSeconds(5), Duration.ofSeconds(30), Duration.ofHours(1));

    /** The notifier of the demo: Slack, PagerDuty and a webhook, all delivered to the local demo inbox. */
    static NotifierConfig notifierConfig(Endpoints endpoints, DemoInbox inbox) {
        NotifierConfig d = NotifierConfig.defaults();
        return new NotifierConfig(
                new NotifierConfig.Kafka(endpoints.bootstrapServers(), endpoints.registryUrl(), "dams-notifier"),
                new NotifierConfig.Status("127.0.0.1", 0),
                d.notifier(),
                new NotifierConfig.Alerting("", Secret.of(inbox.url(DemoInbox.SLACK)), Secret.of("demo-routing-key"),
                        inbox.url(DemoInbox.PAGERDUTY), d.alerting().email(),
                        List.of(new NotifierConfig.Webhook("demo", inbox.url(DemoInbox.WEBHOOK)))));
    }

    /**
     * Publishes the shipped {@code policies.yaml} to {@code dams.rules} on the first start (when the topic holds no
     * rule), so the demo alerts out of the box; later starts keep whatever the rules became since.
     */
    private static void publishShippedRules(Endpoints endpoints, Consumer<String> progress) {
        RuleFile shipped = RuleFiles.shipped(RuleChecker.STANDARD_CHANNELS);
        if (!shipped.problems().isEmpty()) {
            throw new IllegalStateException("the shipped policies.yaml has problems:\n" + shipped.report());
        }
        RuleCatalog catalog = new RuleCatalog(endpoints.bootstrapServers(), endpoints.registryUrl());
        Map<String, Rule> current = catalog.read();
        if (!current.isEmpty()) {
            progress.accept("rules: " + current.size() + " in dams.rules (kept from the last run)");
            return;
        }
        RuleCatalog.Applied applied = catalog.apply(RuleDiff.between(current, shipped.rules()), "dams-demo");
        progress.accept("rules: published " + applied.published().size() + " from the shipped policies.yaml "
                + applied.published());
    }

    /** Bridge address by region. */
    Map<String, String> bridges() {
        return bridges;
    }

    int agentHealthPort() {
        return agentHealthPort;
    }

    Path certs() {
        return certs;
    }

    /** The REST API's base URL, {@code http://host:port}. */
    String api() {
        return api;
    }

    String adminToken() {
        return adminToken;
    }

    Path adminTokenFile() {
        return adminTokenFile;
    }

    /** The admin token kept in {@code file} (readable by its owner only), created on the first run. */
    private static String adminToken(Path file) {
        try {
            if (Files.exists(file)) {
                String secret = Files.readString(file).strip();
                if (!secret.isEmpty()) {
                    return secret;
                }
            }
            String secret = Tokens.generate().secret();
            Files.writeString(file, secret + "\n");
            try {
                Files.setPosixFilePermissions(file, PosixFilePermissions.fromString("rw-------"));
            } catch (UnsupportedOperationException e) {
                // Not a POSIX file system: the data directory's own permissions apply.
            }
            return secret;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read or write the admin token " + file + ": " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        parts.close();
    }

    /** The certificate in {@code dir}, issued anew when missing or valid for less than a quarter of its lifetime. */
    private static TlsFiles freshCertificate(CertificateAuthority ca, CertificateAuthority.Request request, Path dir) {
        TlsFiles files = TlsFiles.in(dir);
        try {
            if (Files.exists(files.cert()) && Files.exists(files.key())) {
                Instant notAfter = CertificateAuthority.readCertificates(files.cert()).get(0).getNotAfter().toInstant();
                if (notAfter.isAfter(Instant.now().plus(request.ttl().dividedBy(4)))) {
                    return files;
                }
            }
        } catch (java.io.IOException e) {
            // Unreadable: issue a new one below.
        }
        return ca.issue(request, dir);
    }


}
