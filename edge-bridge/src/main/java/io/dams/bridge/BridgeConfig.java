package io.dams.bridge;

import io.dams.bridge.forward.ForwarderSettings;
import io.dams.bridge.validation.ValidationLimits;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.Validated;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The edge bridge's whole configuration ({@code bridge.yaml}); {@link #defaults()} is the one place defaults live.
 * Every key can be overridden by {@code DAMS_BRIDGE_<KEY_PATH>}, e.g. {@code DAMS_BRIDGE_LISTEN_PORT}.
 *
 * @param region      the region this hub serves; agents of other regions are refused
 * @param trustDomain the SPIFFE trust domain of agent certificates
 */
public record BridgeConfig(
        String region,
        String trustDomain,
        Listen listen,
        Tls tls,
        Status status,
        Path dataDir,
        ForwarderSettings kafka,
        ValidationLimits validation) implements Validated {

    /** Where agents connect. */
    public record Listen(String host, int port) {
    }

    /** The bridge's certificate, key and the CA agents' certificates must chain to; re-read every {@code refresh}. */
    public record Tls(Path certFile, Path keyFile, Path caFile, Duration refresh) {
    }

    /** The HTTP endpoint with {@code /healthz} and {@code /metrics}. */
    public record Status(String host, int port) {
    }

    public static BridgeConfig defaults() {
        return new BridgeConfig("", "dams.local", new Listen("0.0.0.0", 7443),
                new Tls(Path.of("/etc/dams/bridge/cert.pem"), Path.of("/etc/dams/bridge/key.pem"),
                        Path.of("/etc/dams/bridge/ca.pem"), Duration.ofSeconds(30)),
                new Status("127.0.0.1", 9095), Path.of("/var/lib/dams-bridge"), ForwarderSettings.defaults(),
                ValidationLimits.defaults());
    }

    @Override
    public void validate() {
        ConfigException.require(region != null && !region.isBlank(), "region", "required: the region this bridge serves");
        ConfigException.require(trustDomain != null && !trustDomain.isBlank(), "trustDomain", "required");
        ConfigException.require(listen.port() >= 0 && listen.port() <= 65535, "listen.port", "must be 0-65535");
        ConfigException.require(status.port() >= 0 && status.port() <= 65535, "status.port", "must be 0-65535");
        ConfigException.require(!tls.refresh().isNegative() && !tls.refresh().isZero(), "tls.refresh", "must be positive");
        kafka.validate("kafka");
        validation.validate();
    }
}
