package io.dams.bridge;

import io.dams.bridge.forward.ForwarderSettings;
import io.dams.embedded.Endpoints;
import io.dams.runtime.tls.TlsFiles;
import java.nio.file.Path;
import java.time.Duration;

/** A bridge configuration for tests: loopback, free ports, a temporary data folder, fast certificate refresh. */
final class BridgeTestConfig {

    private BridgeTestConfig() {
    }

    static BridgeConfig config(Endpoints platform, Path dataDir, TlsFiles tls, String region, String trustDomain) {
        BridgeConfig d = BridgeConfig.defaults();
        ForwarderSettings k = d.kafka();
        return new BridgeConfig(region, trustDomain, new BridgeConfig.Listen("127.0.0.1", 0),
                new BridgeConfig.Tls(tls.cert(), tls.key(), tls.ca(), Duration.ofSeconds(1)),
                new BridgeConfig.Status("127.0.0.1", 0), dataDir,
                new ForwarderSettings(platform.bootstrapServers(), platform.registryUrl(), k.linger(), k.spoolAfter(),
                        dataDir.resolve("spool"), k.spoolCapacity(), k.compression()),
                d.validation());
    }
}
