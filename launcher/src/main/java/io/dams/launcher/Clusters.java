package io.dams.launcher;

import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options that say which Kafka cluster and schema registry a command talks to: given directly, or a running demo's. */
final class Clusters {

    static final Path DEFAULT_DATA_DIR = Path.of(System.getProperty("user.home"), ".dams", "demo");

    @Option(names = "--bootstrap", paramLabel = "HOST:PORT", description = "Kafka bootstrap servers.")
    String bootstrap;

    @Option(names = "--registry", paramLabel = "URL",
            description = "Schema registry base URL (default with --bootstrap: http://localhost:8081).")
    String registry;

    @Option(names = "--data-dir", paramLabel = "DIR",
            description = "Data directory of a running `dams demo` to attach to (default: ${DEFAULT-VALUE}).")
    Path dataDir = DEFAULT_DATA_DIR;

    /** Where to connect; fails with one line when nothing says where a cluster runs. */
    Target resolve() {
        if (bootstrap != null) {
            return new Target(bootstrap, registry != null ? registry : "http://localhost:8081");
        }
        Endpoints endpoints = Endpoints.readRunning(dataDir).orElseThrow(() -> new PlatformException(
                "no DAMS is running on data directory " + dataDir + "; start one with `./dams demo --data-dir "
                        + dataDir + "` or name a cluster with --bootstrap HOST:PORT"));
        return new Target(endpoints.bootstrapServers(), registry != null ? registry : endpoints.registryUrl());
    }

    record Target(String bootstrapServers, String registryUrl) {
    }
}
