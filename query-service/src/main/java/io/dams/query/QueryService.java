package io.dams.query;

import io.dams.query.fleet.FleetStore;
import io.dams.query.fleet.InteractiveQueryFleetStore;
import io.dams.runtime.lifecycle.StartedParts;
import io.javalin.Javalin;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running query service: REST API v2 over the ingest job's interactive queries, {@code /healthz} and
 * {@code /metrics}. Close it to stop.
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

    /** Starts serving on {@code config.listen()} over the configured interactive-query endpoints of the ingest job. */
    public static QueryService start(QueryConfig config) {
        config.validate();
        QueryConfig.InteractiveQuerySettings iq = config.interactiveQueries();
        InteractiveQueryFleetStore store = new InteractiveQueryFleetStore(iq.endpoints(), iq.timeout(),
                iq.listingTimeout(), UNREACHABLE_RETRY_AFTER);
        return start(config, store, store);
    }

    /** Starts serving on {@code config.listen()} over {@code store}; on failure, whatever started is stopped again. */
    public static QueryService start(QueryConfig config, FleetStore store) {
        return start(config, store, () -> {
        });
    }

    /** The same, with {@code storeClose} run when the service stops (after the server, so no request still uses it). */
    private static QueryService start(QueryConfig config, FleetStore store, AutoCloseable storeClose) {
        config.validate();
        StartedParts parts = new StartedParts();
        try {
            parts.add(storeClose);
            ExecutorService fetcher = Executors.newSingleThreadExecutor(r -> {
                Thread t = new Thread(r, "dams-query-listing");
                t.setDaemon(true);
                return t;
            });
            parts.add(fetcher::shutdownNow);
            PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
            parts.add(registry::close);
            Javalin app = QueryApp.create(config, store, fetcher, registry);
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

    /** The port the API listens on (the chosen one when the configuration said 0). */
    public int port() {
        return app.port();
    }

    @Override
    public void close() {
        parts.close();
    }
}
