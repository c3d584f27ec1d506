package io.dams.query;

import io.dams.query.admin.TokensController;
import io.dams.query.alerts.AlertService;
import io.dams.query.alerts.AlertsController;
import io.dams.query.assets.AssetListing;
import io.dams.query.assets.AssetListingCache;
import io.dams.query.assets.AssetService;
import io.dams.query.assets.AssetsController;
import io.dams.query.auth.BearerAuth;
import io.dams.query.auth.Role;
import io.dams.query.auth.TokenAuthenticator;
import io.dams.query.fleet.FleetStore;
import io.dams.query.fleet.MeteredFleetStore;
import io.dams.query.http.ApiErrors;
import io.dams.query.http.HealthController;
import io.dams.query.http.RequestMetrics;
import io.dams.query.metrics.LatestValueService;
import io.dams.query.metrics.LatestValuesController;
import io.dams.query.rules.RuleService;
import io.dams.query.rules.RulesController;
import io.dams.query.silences.SilenceService;
import io.dams.query.silences.SilencesController;
import io.dams.query.stream.AlertStreamController;
import io.dams.query.tables.Table;
import io.dams.rules.check.RuleChecker;
import io.javalin.Javalin;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.time.Clock;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/** Builds the query service's Javalin app, routes and all, without starting it. */
public final class QueryApp {

    /** The API's OpenAPI 3 document, served as it is in the jar. */
    public static final String OPENAPI = "/api/v2/openapi.yaml";
    public static final String METRICS = "/metrics";

    private QueryApp() {
    }

    /**
     * @param store    the ingest job's stores
     * @param backends the alerting job's stores, the silences and rules tables, the live feed
     * @param fetcher  runs the background fetches of the fleet listing
     */
    public static Javalin create(QueryConfig config, FleetStore store, AlertBackends backends, Executor fetcher,
                                 PrometheusMeterRegistry registry) {
        FleetStore metered = new MeteredFleetStore(store, registry);
        AssetListingCache listings = new AssetListingCache(metered, config.interactiveQueries().listingRefresh(),
                config.interactiveQueries().listingMaxAge(), fetcher, System::nanoTime);
        Gauge.builder("dams.query.listing.assets", listings, l -> l.peek() == null ? Double.NaN : l.peek().size())
                .description("Assets in the fleet listing the API serves from")
                .register(registry);
        Gauge.builder("dams.query.listing.age", listings, l -> age(l.peek()))
                .description("Age of the fleet listing the API serves from")
                .baseUnit("seconds")
                .register(registry);
        TokenAuthenticator tokens = new TokenAuthenticator(config.tokens());
        AssetsController assets = new AssetsController(new AssetService(listings, metered), config.limits());
        LatestValuesController latest = new LatestValuesController(new LatestValueService(metered));
        TokensController admin = new TokensController(tokens);
        Map<String, Table<?>> tables = new LinkedHashMap<>();
        tables.put("silences", backends.silences());
        tables.put("rules", backends.rules());
        HealthController health = new HealthController(store, backends.alerts(), tables, listings, System::nanoTime);
        AlertsController alerts = new AlertsController(new AlertService(backends.alerts()), config.limits());
        SilencesController silences = new SilencesController(
                new SilenceService(backends.silences(), backends.alerts(), Clock.systemUTC()));
        Set<String> channels = new TreeSet<>(RuleChecker.STANDARD_CHANNELS);
        channels.addAll(config.rules().extraChannels());
        RulesController rules = new RulesController(
                new RuleService(backends.rules(), new RuleChecker(channels), Clock.systemUTC()));
        AlertStreamController stream = new AlertStreamController(backends.transitions(), config.liveFeed());
        Gauge.builder("dams.query.live.feed.clients", stream, AlertStreamController::clients)
                .description("Clients of the live alert feed (server-sent events) connected now")
                .register(registry);
        BearerAuth auth = new BearerAuth(tokens, registry, Set.of(AlertStreamController.PATH));
        byte[] openApi = resource("/openapi.yaml");

        return Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.jetty.host = config.listen().host();
            cfg.jetty.port = config.listen().port();
            cfg.jetty.modifyHttpConfiguration(http -> {
                http.setRequestHeaderSize((int) config.limits().maxHeaderBytes().bytes());
                http.setSendServerVersion(false);
            });
            cfg.http.maxRequestSize = config.limits().maxRequestBytes().bytes();
            cfg.requestLogger.http(new RequestMetrics(registry));
            cfg.events.serverStarted(listings::prefetch);
            // Streams last as long as their clients: end them, or stopping would wait for every one of them.
            cfg.events.serverStopping(stream::disconnectAll);

            cfg.routes.beforeMatched(auth);
            cfg.routes.get(AssetsController.LIST, assets::list, Role.VIEWER);
            cfg.routes.get(AssetsController.ONE, assets::detail, Role.VIEWER);
            cfg.routes.get(LatestValuesController.PATH, latest::latest, Role.VIEWER);
            cfg.routes.get(AlertsController.LIST, alerts::list, Role.VIEWER);
            cfg.routes.get(AlertsController.ONE, alerts::detail, Role.VIEWER);
            cfg.routes.post(SilencesController.SILENCE_ALERT, silences::silenceAlert, Role.OPERATOR);
            cfg.routes.get(SilencesController.LIST, silences::list, Role.VIEWER);
            cfg.routes.post(SilencesController.LIST, silences::create, Role.OPERATOR);
            cfg.routes.get(SilencesController.ONE, silences::detail, Role.VIEWER);
            cfg.routes.delete(SilencesController.ONE, silences::delete, Role.OPERATOR);
            cfg.routes.get(RulesController.LIST, rules::list, Role.VIEWER);
            cfg.routes.get(RulesController.ONE, rules::detail, Role.VIEWER);
            cfg.routes.put(RulesController.ONE, rules::put, Role.OPERATOR);
            cfg.routes.delete(RulesController.ONE, rules::delete, Role.OPERATOR);
            cfg.routes.get(AlertStreamController.PATH, stream::stream, Role.VIEWER);
            cfg.routes.get(TokensController.PATH, admin::list, Role.ADMIN);
            cfg.routes.get(OPENAPI, ctx -> ctx.contentType("application/yaml").result(openApi));
            cfg.routes.get(HealthController.PATH, health::health);
            cfg.routes.get(METRICS, ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(registry.scrape()));
            ApiErrors.install(cfg.routes);
        });
    }

    private static double age(AssetListing listing) {
        return listing == null ? Double.NaN
                : (System.nanoTime() - listing.takenAtNanos()) / (double) TimeUnit.SECONDS.toNanos(1);
    }

    private static byte[] resource(String name) {
        try (InputStream in = QueryApp.class.getResourceAsStream(name)) {
            if (in == null) {
                throw new IllegalStateException(name + " is missing from the query service's jar");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
