package io.dams.launcher;

import io.dams.agent.config.AgentConfig;
import io.dams.bridge.BridgeConfig;
import io.dams.bridge.forward.ForwarderSettings;
import io.dams.embedded.Endpoints;
import io.dams.runtime.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

/** Configurations for tests: loopback, free ports, temporary folders, a 1 s send interval. */
final class TestConfigs {

    private TestConfigs() {
    }

    static AgentConfig agent(String asset, String region, String bridgeAddress, TlsFiles tls, Path dataDir) {
        AgentConfig d = AgentConfig.defaults();
        return new AgentConfig(asset, region, "test-site", 48.85, 2.35, Map.of("env", "test"), "server",
                new AgentConfig.Bridge(bridgeAddress, Duration.ofSeconds(1), Duration.ofSeconds(5), tls.cert(), tls.key(),
                        tls.ca()),
                new AgentConfig.Buffer(dataDir, d.buffer().capacity()),
                new AgentConfig.Backoff(Duration.ofMillis(200), Duration.ofSeconds(2), 0.2),
                new AgentConfig.Health("127.0.0.1", 0, d.health().pushCapacity()),
                d.plugins());
    }

    static BridgeConfig bridge(Endpoints platform, Path dataDir, TlsFiles tls, String region, String trustDomain, int port) {
        BridgeConfig d = BridgeConfig.defaults();
        return new BridgeConfig(region, trustDomain, new BridgeConfig.Listen("127.0.0.1", port),
                new BridgeConfig.Tls(tls.cert(), tls.key(), tls.ca(), Duration.ofSeconds(1)),
                new BridgeConfig.Status("127.0.0.1", 0), dataDir,
                new ForwarderSettings(platform.bootstrapServers(), platform.registryUrl(), d.kafka().linger(),
                        d.kafka().spoolAfter(), dataDir.resolve("spool"), d.kafka().spoolCapacity(), d.kafka().compression()),
                d.validation());
    }
}
