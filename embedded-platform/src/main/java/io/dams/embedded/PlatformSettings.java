package io.dams.embedded;

import java.nio.file.Path;
import java.util.Objects;
import java.util.Optional;

/**
 * How to run the embedded platform: where its data lives and on which loopback ports its parts listen (0 picks a
 * free port).
 *
 * @param registryDistribution the Apicurio Registry server zip; empty to look in the usual places
 * @param cacheDir where unpacked distributions and binaries are kept between runs
 * @param fixTopics align the configuration of existing topics with the catalogue instead of refusing to start
 */
public record PlatformSettings(
        Path dataDir,
        int kafkaPort,
        int controllerPort,
        int registryPort,
        int postgresPort,
        Optional<Path> registryDistribution,
        Path cacheDir,
        boolean fixTopics) {

    public static final int DEFAULT_KAFKA_PORT = 9092;
    public static final int DEFAULT_CONTROLLER_PORT = 9093;
    public static final int DEFAULT_REGISTRY_PORT = 8081;
    public static final int DEFAULT_POSTGRES_PORT = 5432;

    public PlatformSettings {
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(registryDistribution, "registryDistribution");
        Objects.requireNonNull(cacheDir, "cacheDir");
    }

    /** The well-known ports, so that clients of a demo find it where they expect. */
    public static PlatformSettings defaults(Path dataDir) {
        return new PlatformSettings(dataDir, DEFAULT_KAFKA_PORT, DEFAULT_CONTROLLER_PORT, DEFAULT_REGISTRY_PORT,
                DEFAULT_POSTGRES_PORT, Optional.empty(), defaultCacheDir(), false);
    }

    /** Free ports chosen at start, for tests that run beside other things. */
    public static PlatformSettings randomPorts(Path dataDir) {
        return new PlatformSettings(dataDir, 0, 0, 0, 0, Optional.empty(), defaultCacheDir(), false);
    }

    public PlatformSettings withKafkaPort(int port) {
        return new PlatformSettings(dataDir, port, controllerPort, registryPort, postgresPort, registryDistribution,
                cacheDir, fixTopics);
    }

    public PlatformSettings withRegistryDistribution(Path zip) {
        return new PlatformSettings(dataDir, kafkaPort, controllerPort, registryPort, postgresPort, Optional.of(zip),
                cacheDir, fixTopics);
    }

    public PlatformSettings withFixTopics(boolean fix) {
        return new PlatformSettings(dataDir, kafkaPort, controllerPort, registryPort, postgresPort, registryDistribution,
                cacheDir, fix);
    }

    /** {@code $XDG_CACHE_HOME/dams}, else {@code ~/.cache/dams}. */
    public static Path defaultCacheDir() {
        String xdg = System.getenv("XDG_CACHE_HOME");
        Path base = xdg != null && !xdg.isBlank() ? Path.of(xdg) : Path.of(System.getProperty("user.home"), ".cache");
        return base.resolve("dams");
    }
}
