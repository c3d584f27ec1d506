package io.dams.embedded;

import io.dams.embedded.bootstrap.SchemaBootstrap;
import io.dams.embedded.bootstrap.TopicBootstrap;
import io.dams.embedded.kafka.KafkaBroker;
import io.dams.embedded.postgres.PostgresServer;
import io.dams.embedded.registry.RegistryDistribution;
import io.dams.embedded.registry.SchemaRegistryServer;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.schemas.topics.Topics;
import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;

/**
 * The embedded default on one machine: an in-process Kafka broker (KRaft), the schema registry as a child process and
 * PostgreSQL, with the catalogue's topics and schemas in place. Everything it stores lives in one data directory and
 * survives a restart.
 */
public final class EmbeddedPlatform implements AutoCloseable {

    private static final Duration REGISTRY_START_TIMEOUT = Duration.ofSeconds(120);

    private final DataDirectory dataDirectory;
    private final StartedParts parts;
    private final Endpoints endpoints;

    private EmbeddedPlatform(DataDirectory dataDirectory, StartedParts parts, Endpoints endpoints) {
        this.dataDirectory = dataDirectory;
        this.parts = parts;
        this.endpoints = endpoints;
    }

    /**
     * Starts every part, in parallel where they do not depend on each other, and reports each step to
     * {@code progress} as one line. On failure everything started so far is stopped again and the cause is thrown as
     * a {@link PlatformException}; nothing in the data directory is deleted.
     */
    public static EmbeddedPlatform start(PlatformSettings settings, Consumer<String> progress) {
        DataDirectory dir = DataDirectory.open(settings.dataDir());
        StartedParts started = new StartedParts();
        ExecutorService pool = Executors.newFixedThreadPool(3, r -> {
            Thread t = new Thread(r, "dams-platform-start");
            t.setDaemon(true);
            return t;
        });
        List<CompletableFuture<?>> starting = new ArrayList<>();
        try {
            requireFreePorts(settings);
            CompletableFuture<SchemaRegistryServer> registry = timed(pool, progress, "schema registry", () -> {
                var dist = RegistryDistribution.locate(settings.registryDistribution())
                        .unpack(settings.cacheDir());
                return started.add(SchemaRegistryServer.start(dist, dir.registry(), settings.registryPort(),
                        REGISTRY_START_TIMEOUT));
            }, s -> "listening on " + s.url());
            CompletableFuture<KafkaBroker> kafka = timed(pool, progress, "kafka", () -> started.add(
                    KafkaBroker.start(dir.root(), settings.kafkaPort(), settings.controllerPort(), "127.0.0.1")),
                    k -> "listening on " + k.bootstrapServers() + " (cluster " + k.clusterId() + ")");
            CompletableFuture<PostgresServer> postgres = timed(pool, progress, "postgresql", () -> started.add(
                    PostgresServer.start(dir.postgres(), settings.cacheDir().resolve("postgres"),
                            settings.postgresPort())),
                    p -> "listening on " + p.jdbcUrl());
            starting.addAll(List.of(registry, kafka, postgres));

            KafkaBroker broker = join(kafka);
            createTopics(broker.bootstrapServers(), settings.fixTopics(), progress);
            SchemaRegistryServer registryServer = join(registry);
            new SchemaBootstrap(registryServer.ccompatUrl()).apply(Topics.ALL);
            progress.accept("schema registry: " + Topics.ALL.size() + " value schemas registered, BACKWARD"
                    + " compatibility");
            PostgresServer db = join(postgres);

            Endpoints endpoints = new Endpoints(broker.bootstrapServers(), registryServer.url(), db.jdbcUrl(),
                    PostgresServer.USER, ProcessHandle.current().pid());
            endpoints.writeTo(dir.endpointsFile());
            return new EmbeddedPlatform(dir, started, endpoints);
        } catch (RuntimeException e) {
            // Let the parts still starting finish, so that they are stopped too rather than left behind.
            starting.forEach(f -> f.handle((value, error) -> null).join());
            started.close();
            dir.close();
            throw e instanceof PlatformException ? e : new PlatformException(e.getMessage(), e);
        } finally {
            pool.shutdownNow();
        }
    }

    public Endpoints endpoints() {
        return endpoints;
    }

    public DataDirectory dataDirectory() {
        return dataDirectory;
    }

    /** Stops every part, newest first, and releases the data directory. Safe to call more than once. */
    @Override
    public synchronized void close() {
        try {
            Files.deleteIfExists(dataDirectory.endpointsFile());
        } catch (IOException ignored) {
            // A stale endpoints file names a pid that is gone; readers ignore it.
        }
        parts.close();
        dataDirectory.close();
    }

    private static void createTopics(String bootstrapServers, boolean fix, Consumer<String> progress) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers))) {
            TopicBootstrap bootstrap = new TopicBootstrap(admin, (short) 1);
            TopicBootstrap.Report report = bootstrap.apply(Topics.ALL);
            List<TopicBootstrap.Difference> refused = report.differences();
            if (fix && !refused.isEmpty()) {
                TopicBootstrap.Fixes fixes = bootstrap.fix(Topics.ALL);
                fixes.fixed().forEach(d -> progress.accept("topics: fixed " + d));
                refused = fixes.left();
            }
            if (!refused.isEmpty()) {
                boolean configOnly = refused.stream().allMatch(TopicBootstrap.Difference::isConfig);
                throw new PlatformException(refused.stream().map(Object::toString).collect(Collectors.joining("; "))
                        + ". DAMS changes no existing topic by itself: "
                        + (configOnly ? "start again with --fix-topics to alter the configuration (it deletes nothing)"
                                : "recreate the topic if moving its keys to other partitions is acceptable")
                        + ", or use another --data-dir");
            }
            progress.accept("topics: " + Topics.ALL.size() + " in the catalogue, " + report.created().size()
                    + " created");
        }
    }

    /** Checks every fixed port before anything starts, so that a taken port costs no start-up work. */
    private static void requireFreePorts(PlatformSettings s) {
        String host = "127.0.0.1";
        PortGuard.requireFree(host, s.kafkaPort(), "Kafka broker", "--kafka-port");
        PortGuard.requireFree(host, s.controllerPort(), "Kafka controller", "--controller-port");
        PortGuard.requireFree(host, s.registryPort(), "schema registry", "--registry-port");
        PortGuard.requireFree(host, s.postgresPort(), "PostgreSQL", "--postgres-port");
    }


    private static <T> CompletableFuture<T> timed(ExecutorService pool, Consumer<String> progress, String name,
                                                  Supplier<T> start, java.util.function.Function<T, String> describe) {
        return CompletableFuture.supplyAsync(() -> {
            long t0 = System.nanoTime();
            T part = start.get();
            progress.accept(String.format("%s: %s (%.1f s)", name, describe.apply(part),
                    (System.nanoTime() - t0) / 1e9));
            return part;
        }, pool);
    }

    private static <T> T join(CompletableFuture<T> future) {
        try {
            return future.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw e;
        }
    }

}
