package io.dams.launcher;

import io.dams.embedded.EmbeddedPlatform;
import io.dams.embedded.Endpoints;
import io.dams.embedded.PlatformSettings;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.apache.logging.log4j.Level;
import org.apache.logging.log4j.core.config.Configurator;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code dams demo}: the whole system on the embedded default, on one machine. */
@Command(name = "demo",
        mixinStandardHelpOptions = true,
        description = {
            "Runs DAMS on the embedded default: an in-process Kafka broker, the schema registry and PostgreSQL,"
                + " with every topic and schema in place.",
            "Prints where each part listens, then a line beginning with 'DAMS ready'. Ctrl-C stops every part"
                + " cleanly; starting again on the same data directory keeps the data."})
final class DemoCommand implements Callable<Integer> {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--data-dir", paramLabel = "DIR", description = "Where all data lives (default: ${DEFAULT-VALUE}).")
    Path dataDir = Clusters.DEFAULT_DATA_DIR;

    @Option(names = "--kafka-port", paramLabel = "PORT", description = "Kafka broker port, 0 for any free one (default: ${DEFAULT-VALUE}).")
    int kafkaPort = PlatformSettings.DEFAULT_KAFKA_PORT;

    @Option(names = "--controller-port", paramLabel = "PORT", description = "Kafka KRaft controller port (default: ${DEFAULT-VALUE}).")
    int controllerPort = PlatformSettings.DEFAULT_CONTROLLER_PORT;

    @Option(names = "--registry-port", paramLabel = "PORT", description = "Schema registry port (default: ${DEFAULT-VALUE}).")
    int registryPort = PlatformSettings.DEFAULT_REGISTRY_PORT;

    @Option(names = "--postgres-port", paramLabel = "PORT", description = "PostgreSQL port (default: ${DEFAULT-VALUE}).")
    int postgresPort = PlatformSettings.DEFAULT_POSTGRES_PORT;

    @Option(names = "--registry-dist", paramLabel = "ZIP",
            description = "The Apicurio Registry server distribution (apicurio-registry-app-*-all.zip); found automatically after a build.")
    Path registryDist;

    @Option(names = "--bridge-port", paramLabel = "PORT",
            description = "Port of the first region's edge bridge; the other regions' follow it, 0 for free ports"
                + " (default: ${DEFAULT-VALUE}).")
    int bridgePort = 7443;

    @Option(names = "--agent-port", paramLabel = "PORT",
            description = "Health port of this host's agent (/healthz, /metrics, /push), 0 for a free one"
                + " (default: ${DEFAULT-VALUE}).")
    int agentPort = 9091;

    @Option(names = "--api-port", paramLabel = "PORT",
            description = "Port of the REST API (/api/v2), 0 for a free one (default: ${DEFAULT-VALUE}).")
    int apiPort = 8080;

    @Option(names = "--assets", paramLabel = "N",
            description = "Simulated assets, spread over the demo's regions, 0 for none (default: ${DEFAULT-VALUE}).")
    int assets = 50;

    @Option(names = "--fix-topics",
            description = "Align the configuration of existing topics (cleanup.policy, retention.ms) with the catalogue"
                + " instead of refusing to start. Deletes nothing.")
    boolean fixTopics;

    @Override
    public Integer call() throws InterruptedException {
        PrintWriter out = spec.commandLine().getOut();
        if (System.getenv("DAMS_LOG_LEVEL") == null) {
            // The demo prints a progress line per part; the parts' own start and stop lines are for their own commands.
            Configurator.setLevel("io.dams.bridge", Level.WARN);
            Configurator.setLevel("io.dams.agent", Level.WARN);
            Configurator.setLevel("io.dams.streams", Level.WARN);
            Configurator.setLevel("io.dams.query", Level.WARN);
        }
        PlatformSettings settings = new PlatformSettings(dataDir, kafkaPort, controllerPort, registryPort,
                postgresPort, Optional.ofNullable(registryDist), PlatformSettings.defaultCacheDir(), fixTopics);
        long t0 = System.nanoTime();
        out.println("DAMS demo: data in " + dataDir.toAbsolutePath().normalize());
        out.flush();
        EmbeddedPlatform platform = EmbeddedPlatform.start(settings, line -> {
            out.println("  " + line);
            out.flush();
        });
        DemoStack stack;
        try {
            stack = DemoStack.start(platform, bridgePort, agentPort, apiPort, assets, line -> {
                out.println("  " + line);
                out.flush();
            });
        } catch (RuntimeException e) {
            platform.close();
            throw e;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            out.println("DAMS stopping");
            out.flush();
            stack.close();
            platform.close();
            out.println("DAMS stopped; data kept in " + platform.dataDirectory().root());
            out.flush();
            stopped.countDown();
        }, "dams-shutdown"));

        Endpoints e = platform.endpoints();
        out.println();
        out.println("  Kafka bootstrap servers  " + e.bootstrapServers());
        out.println("  Schema registry          " + e.registryUrl() + "  (Confluent API: " + e.ccompatUrl() + ")");
        out.println("  PostgreSQL               " + e.jdbcUrl());
        stack.bridges().forEach((region, address) ->
                out.println("  Bridge " + String.format("%-16s", region) + address + "  (certificates in " + stack.certs() + ")"));
        out.println("  Agent (this host)        http://127.0.0.1:" + stack.agentHealthPort() + "/healthz");
        out.println("  REST API                 " + stack.api() + "/api/v2/assets  (OpenAPI: " + stack.api()
                + "/api/v2/openapi.yaml)");
        out.println("  Alerts                   " + stack.api() + "/api/v2/alerts  (live: " + stack.api()
                + "/api/v2/stream/alerts; rules: " + stack.api() + "/api/v2/rules)");
        out.println("  Notifications            printed below as the demo inbox receives them (Slack, PagerDuty,"
                + " webhook)");
        out.println("  Admin token              " + stack.adminToken() + "  (in " + stack.adminTokenFile() + ")");
        out.println("  Try                      curl -H \"Authorization: Bearer $(cat " + stack.adminTokenFile() + ")\" "
                + stack.api() + "/api/v2/assets");
        out.println("  Inspect topics with      ./dams topics list --data-dir " + dataDir);
        out.println("  Watch metrics arrive     ./dams topics tail dams.metrics.raw --data-dir " + dataDir);
        out.println();
        out.printf("DAMS ready in %.1f s. Press Ctrl-C to stop.%n", (System.nanoTime() - t0) / 1e9);
        out.flush();
        stopped.await();
        return 0;
    }
}
