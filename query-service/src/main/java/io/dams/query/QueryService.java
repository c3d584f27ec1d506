package io.dams.query;

import io.dams.query.alerts.InteractiveQueryAlertStore;
import io.dams.query.fleet.FleetStore;
import io.dams.query.fleet.InteractiveQueryFleetStore;
import io.dams.query.stream.KafkaTransitionFeed;
import io.dams.query.tables.KafkaTable;
import io.dams.query.tables.TableWriter;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.Silence;
import io.dams.schemas.topics.Topics;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running query service: REST API v2 over the ingest and alerting jobs' interactive queries and the silences and
 * rules tables, the live alert feed, {@code /healthz} and {@code /metrics}. Close it to stop.
 */
public final class QueryService implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(QueryService.class);

    private final Javalin app;
    private final StartedParts parts;

    private QueryService(Javalin app, StartedParts parts) {
        this.app = app;
        this.parts = parts;
    }

    /** When no interactive-query endpoint can be reached at all, clients are told to retry after this long. */
    static final Duration UNREACHABLE_RETRY_AFTER = Duration.ofSeconds(5);

    /** Starts serving on {@code config.listen()} over the configured jobs' endpoints and Kafka cluster. */
    public static QueryService start(QueryConfig config) {
        config.validate();
        QueryConfig.InteractiveQuerySettings iq = config.interactiveQueries();
        StartedParts parts = new StartedParts();
        try {
            InteractiveQueryFleetStore store = parts.add(new InteractiveQueryFleetStore(iq.endpoints(), iq.timeout(),
                    iq.listingTimeout(), UNREACHABLE_RETRY_AFTER));
            return start(config, store, connect(config, parts), parts);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /**
     * Starts serving on {@code config.listen()} over {@code store}, with the alert routes over the configured alerting
     * job and Kafka cluster; on failure, whatever started is stopped again.
     */
    public static QueryService start(QueryConfig config, FleetStore store) {
        config.validate();
        StartedParts parts = new StartedParts();
        try {
            return start(config, store, connect(config, parts), parts);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /** Starts serving on {@code config.listen()} over {@code store} and {@code backends}, which the caller stops. */
    public static QueryService start(QueryConfig config, FleetStore store, AlertBackends backends) {
        config.validate();
        return start(config, store, backends, new StartedParts());
    }

    /**
     * The alerting job's interactive queries, the silences and rules tables and the live feed, as configured; each
     * added to {@code parts}.
     */
    static AlertBackends connect(QueryConfig config, StartedParts parts) {
        QueryConfig.InteractiveQuerySettings iq = config.interactiveQueries();
        QueryConfig.KafkaSettings kafka = config.kafka();
        InteractiveQueryAlertStore alerts = parts.add(new InteractiveQueryAlertStore(config.alertQueries().endpoints(),
                iq.timeout(), iq.listingTimeout(), UNREACHABLE_RETRY_AFTER));
        TableWriter writer = parts.add(new TableWriter(kafka.bootstrapServers(), kafka.registryUrl(),
                kafka.writeTimeout()));
        KafkaTable<Silence> silences = parts.add(new KafkaTable<>(Topics.SILENCES, "silences",
                kafka.bootstrapServers(), kafka.registryUrl(), writer, kafka.writeTimeout()));
        KafkaTable<Rule> rules = parts.add(new KafkaTable<>(Topics.RULES, "rules", kafka.bootstrapServers(),
                kafka.registryUrl(), writer, kafka.writeTimeout()));
        KafkaTransitionFeed transitions = parts.add(new KafkaTransitionFeed(kafka.bootstrapServers(),
                kafka.registryUrl()));
        LOG.info("alert routes over the alerting job at {} and Kafka at {} (registry {})",
                config.alertQueries().endpoints(), kafka.bootstrapServers(), kafka.registryUrl());
        return new AlertBackends(alerts, silences, rules, transitions);
    }

    private static QueryService start(QueryConfig config, FleetStore store, AlertBackends backends,
                                      StartedParts parts) {
        try {
            ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dams-query-listing");
                t.setDaemon(true);
                return t;
            });
            parts.add(fetcher::shutdownNow);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            parts.add(registry::close);
            tableGauges(backends, registry);
            Javalin app = QueryApp.create(config, store, backends, fetcher, registry);
            app.start();
            parts.add(app::stop);
            if (config.tokens().isEmpty()) {
                LOG.warn("no API tokens configured: every /api/v2 request will be refused (401)");
            }
            LOG.info("query service listening on {}:{} over {}", config.listen().host(), app.port(),
                    config.interactiveQueries().endpoints());
            return new QueryService(app, parts);
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    private static void tableGauges(AlertBackends backends, MeterRegistry registry) {
        if (backends.silences() instanceof KafkaTable<?> silences) {
            tableGauges(silences, "silences", registry);
        }
        if (backends.rules() instanceof KafkaTable<?> rules) {
            tableGauges(rules, "rules", registry);
        }
    }

    private static void tableGauges(KafkaTable<?> table, String name, MeterRegistry registry) {
        Gauge.builder("dams.query.table.entries", table, KafkaTable::size)
                .description("Entries in the service's view of a compacted topic")
                .tag("table", name)
                .register(registry);
        Gauge.builder("dams.query.table.loaded", table, t -> t.loaded() ? 1 : 0)
                .description("1 once the view has read its topic up to where it ended at start")
                .tag("table", name)
                .register(registry);
    }

    /** The port the API listens on (the chosen one when the configuration said 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        parts.close();
    }
}
