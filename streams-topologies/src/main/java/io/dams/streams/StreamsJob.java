package io.dams.streams;

import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.status.StatusServer;
import io.dams.schemas.topics.Topic;
import io.dams.schemas.topics.Topics;
import io.dams.streams.alerting.AlertingTopology;
import io.dams.streams.ingest.IngestTopology;
import io.dams.streams.iq.InteractiveQueryServer;
import io.dams.streams.rollup.RollupTopology;
import io.dams.streams.rules.RulesTopology;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one Streams job ({@link Job}) from its {@link JobConfig}: the topology under exactly-once, its status endpoint
 * ({@code /healthz}, {@code /metrics}) and, for the ingest job, the interactive-query server on its
 * {@code application.server} address. {@link #close()} stops it all and leaves the consumer group, so that other
 * instances take its tasks over at once.
 *
 * <pre>{@code
 * JobConfig config = JobConfig.load(Path.of("job-ingest.yaml"), System.getenv());
 * try (StreamsJob job = StreamsJob.start(config)) {
 *     job.awaitTermination();
 * }
 * }</pre>
 */
public final class StreamsJob implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(StreamsJob.class);
    private static final Duration CLOSE_TIMEOUT = Duration.ofSeconds(30);
    private static final Duration ADMIN_TIMEOUT = Duration.ofSeconds(30);
    static final int PRODUCER_BATCH_BYTES = 256 * 1024;
    static final long MAX_POLL_MS = 100;

    private final JobConfig config;
    private final KafkaStreams streams;
    private final StatusServer status;
    private final InteractiveQueryServer queries;
    private final PrometheusMeterRegistry registry;
    private final StartedParts parts;
    private final CountDownLatch stopped;

    private StreamsJob(JobConfig config, KafkaStreams streams, StatusServer status, InteractiveQueryServer queries,
                       PrometheusMeterRegistry registry, StartedParts parts, CountDownLatch stopped) {
        this.config = config;
        this.streams = streams;
        this.status = status;
        this.queries = queries;
        this.registry = registry;
        this.parts = parts;
        this.stopped = stopped;
    }

    /**
     * Starts the job named by {@code config.job()} and returns once Kafka Streams has started (not yet RUNNING:
     * {@link #state()} tells). On failure, whatever was started is stopped again and the cause thrown.
     */
    public static StreamsJob start(JobConfig config) {
        config.validate();
        Job job = config.kind();
        String applicationId = config.effectiveApplicationId();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        registry.config().commonTags("job", job.jobName());
        StartedParts parts = new StartedParts();
        try {
            Files.createDirectories(config.stateDir());
            TopicSerdes serdes = TopicSerdes.registry(config.registryUrl());
            Properties properties = properties(config, applicationId, registry);
            InteractiveQueryServer queries = null;
            Topology topology;
            switch (job) {
                case INGEST -> {
                    requireCoPartitioned(config.bootstrapServers(), Topics.METRICS_RAW, Topics.ASSETS);
                    queries = parts.add(config.ingest().queryAddress().start());
                    topology = IngestTopology.build(config.ingest(), serdes, registry);
                }
                case ROLLUP -> topology = RollupTopology.build(config.rollup(), serdes, registry);
                case RULES -> topology = RulesTopology.build(config.rules(), serdes, registry);
                case ALERTING -> {
                    queries = parts.add(config.alerting().queryAddress().start());
                    topology = AlertingTopology.build(config.alerting(), serdes, registry);
                }
                default -> throw new IllegalStateException("no topology for job " + job);
            }
            if (queries != null) {
                properties.put(StreamsConfig.APPLICATION_SERVER_CONFIG, queries.applicationServer());
            }
            LOG.info("{} topology:\n{}", applicationId, topology.describe());

            KafkaStreams streams = new KafkaStreams(topology, properties);
            CountDownLatch stopped = new CountDownLatch(1);
            streams.setStateListener((now, before) -> {
                LOG.info("{}: {} -> {}", applicationId, before, now);
                if (now == KafkaStreams.State.NOT_RUNNING || now == KafkaStreams.State.ERROR) {
                    stopped.countDown();
                }
            });
            streams.setUncaughtExceptionHandler(e -> {
                LOG.error("{}: a stream thread failed; stopping this instance so that it can be restarted", applicationId, e);
                return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
            });
            KafkaStreamsMetrics streamsMetrics = new KafkaStreamsMetrics(streams);
            streamsMetrics.bindTo(registry);
            parts.add(streamsMetrics);
            if (queries != null) {
                queries.serve(streams);
            }
            streams.start();
            parts.add(() -> streams.close(new KafkaStreams.CloseOptions().timeout(CLOSE_TIMEOUT).leaveGroup(true)));

            StatusServer status = parts.add(StatusServer.start(config.status().host(), config.status().port(),
                    () -> health(streams, applicationId), registry::scrape, Map.of()));
            LOG.info("{} started: job {}, {} thread(s), state in {}, status on {}:{}{}", applicationId, job.jobName(),
                    config.threads(), config.stateDir(), config.status().host(), status.port(),
                    queries == null ? "" : ", interactive queries on " + queries.applicationServer());
            return new StreamsJob(config, streams, status, queries, registry, parts, stopped);
        } catch (IOException e) {
            parts.close();
            throw new UncheckedIOException("cannot start job " + job.jobName() + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * The Kafka Streams settings of a job: exactly-once, the configured commit interval, producer batches sized for
     * these records, named state.
     */
    static Properties properties(JobConfig config, String applicationId, PrometheusMeterRegistry registry) {
        Properties p = new Properties();
        p.put(StreamsConfig.APPLICATION_ID_CONFIG, applicationId);
        p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, config.bootstrapServers());
        p.put(StreamsConfig.STATE_DIR_CONFIG, config.stateDir().toAbsolutePath().toString());
        p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, config.threads());
        p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
        p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, config.commitInterval().toMillis());
        // A stream thread with nothing to read waits in poll for up to poll.ms (default 100 ms) before it looks at the
        // commit interval again, so an idle job committed a batch up to poll.ms late: about 110 ms per hop on the
        // alert path whatever the commit interval (bench/RESULTS.md, "Alert latency").
        p.put(StreamsConfig.POLL_MS_CONFIG, Math.min(MAX_POLL_MS, config.commitInterval().toMillis()));
        // A batch of samples and each per-asset store value are 5-7 KiB: the default 16 KiB producer batch holds two
        // of them, and the per-batch work in the producer and the broker cost more CPU than the jobs' own processing
        // (bench/RESULTS.md, "Streams jobs throughput"). Exactly-once flushes at every commit, so larger batches
        // delay nothing that a consumer could see.
        p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), PRODUCER_BATCH_BYTES);
        p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, config.replicationFactor());
        p.put(StreamsConfig.DESERIALIZATION_EXCEPTION_HANDLER_CLASS_CONFIG, DeserializationErrors.class);
        p.put(DeserializationErrors.METER_REGISTRY_CONFIG, registry);
        // Kafka Streams keeps a closing member in the group (for static membership), and CloseOptions.leaveGroup does
        // not make a dynamic member leave in 4.1 (KAFKA-16514): its partitions would stand still until the session
        // times out (45 s). A dynamic member that leaves lets the others take over at once.
        p.put(StreamsConfig.mainConsumerPrefix("internal.leave.group.on.close"), true);
        return p;
    }

    /**
     * Per-asset state needs an asset's batches and its table entry in the same task: both topics keyed by asset_id
     * with equal partition counts. Kafka Streams would not notice otherwise and silently join the wrong partitions.
     */
    private static void requireCoPartitioned(String bootstrapServers, Topic<?, ?> a, Topic<?, ?> b) {
        try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, (int) ADMIN_TIMEOUT.toMillis()))) {
            Map<String, TopicDescription> topics = admin.describeTopics(List.of(a.name(), b.name())).allTopicNames()
                    .get(ADMIN_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
            int pa = topics.get(a.name()).partitions().size();
            int pb = topics.get(b.name()).partitions().size();
            if (pa != pb) {
                throw new IllegalStateException(a.name() + " has " + pa + " partitions and " + b.name() + " " + pb
                        + ": they must be equal (co-partitioned by asset_id); see the topic catalogue");
            }
        } catch (ExecutionException e) {
            throw new IllegalStateException("cannot describe " + a.name() + " and " + b.name() + " at "
                    + bootstrapServers + ": " + e.getCause().getMessage(), e.getCause());
        } catch (TimeoutException e) {
            throw new IllegalStateException("Kafka at " + bootstrapServers + " did not answer within "
                    + ADMIN_TIMEOUT.toSeconds() + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while checking the input topics", e);
        }
    }

    private static Map<String, Object> health(KafkaStreams streams, String applicationId) {
        KafkaStreams.State state = streams.state();
        Map<String, Object> health = new LinkedHashMap<>();
        // REBALANCING is a normal, passing phase; only a job that stopped or failed is unhealthy.
        health.put("status", state.isRunningOrRebalancing() || state == KafkaStreams.State.CREATED ? "ok" : "failed");
        health.put("application_id", applicationId);
        health.put("state", state.name());
        return health;
    }

    public JobConfig config() {
        return config;
    }

    public KafkaStreams.State state() {
        return streams.state();
    }

    /** The running Kafka Streams client, e.g. to ask which instance owns a key. */
    public KafkaStreams streams() {
        return streams;
    }

    /** The port of {@code /healthz} and {@code /metrics}. */
    public int statusPort() {
        return status.port();
    }

    /** The interactive-query address ({@code host:port}) of an ingest job; empty for other jobs. */
    public Optional<String> applicationServer() {
        return Optional.ofNullable(queries).map(InteractiveQueryServer::applicationServer);
    }

    public PrometheusMeterRegistry meterRegistry() {
        return registry;
    }

    /** Blocks until Kafka Streams stopped (closed, or failed); returns its last state. */
    public KafkaStreams.State awaitTermination() throws InterruptedException {
        stopped.await();
        return streams.state();
    }

    @Override
    public void close() {
        parts.close();
    }
}
