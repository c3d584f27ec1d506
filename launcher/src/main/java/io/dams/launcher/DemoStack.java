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
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.tls.CertificateAuthority;
import io.dams.runtime.tls.SpiffeId;
import io.dams.runtime.tls.TlsFiles;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What {@code dams demo} runs on top of the embedded platform: a CA, one edge bridge per demo region, a real agent
 * for this host and a simulated fleet. Everything keeps its state under the platform's data directory.
 */
final class DemoStack implements AutoCloseable {

    static final String TRUST_DOMAIN = "dams.local";
    /** The demo's regions; the first is this host's. */
    static final List<String> REGIONS = List.of("eu-west-1", "us-east-1", "ap-southeast-1");

    private final StartedParts parts;
    private final Map<String, String> bridges;
    private final int agentHealthPort;
    private final Path certs;

    private DemoStack(StartedParts parts, Map<String, String> bridges, int agentHealthPort, Path certs) {
        this.parts = parts;
        this.bridges = bridges;
        this.agentHealthPort = agentHealthPort;
        this.certs = certs;
    }

    /**
     * @param firstBridgePort the first region's bridge port, the next regions' the ports after it; 0 for free ports
     * @param agentHealthPort the local agent's health port; 0 for a free port
     */
    static DemoStack start(EmbeddedPlatform platform, int firstBridgePort, int agentHealthPort, int simulatedAssets,
                           Consumer<String> progress) {
        Path dataDir = platform.dataDirectory().root();
        Endpoints endpoints = platform.endpoints();
        StartedParts parts = new StartedParts();
        try {
            Path certs = dataDir.resolve("certs");
            Clock clock = Clock.systemUTC();
            CertificateAuthority ca = Files.exists(certs.resolve("ca.pem"))
                    ? CertificateAuthority.load(certs, clock)
                    : CertificateAuthority.init(certs, TRUST_DOMAIN, Duration.ofDays(3650), clock);

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
            return new DemoStack(parts, bridges, agent.healthPort(), certs);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
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
