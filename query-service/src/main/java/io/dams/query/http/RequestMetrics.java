package io.dams.query.http;

import io.javalin.http.Context;
import io.javalin.http.RequestLogger;
import io.javalin.router.Endpoint;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.TimeUnit;

/**
 * {@code dams_query_http_requests_seconds{route, method, status}}: count, sum and histogram of every request's latency,
 * by route template ({@code /api/v2/assets/{asset_id}}) rather than raw path, so that asset ids do not become series.
 * Requests that match no route are counted under {@code route="unmatched"}.
 */
public final class RequestMetrics implements RequestLogger {

    private record Key(String route, String method, int status) {
    }

    private final MeterRegistry registry;
    private final ConcurrentMap<Key, Timer> timers = new ConcurrentHashMap<>();

    public RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    @Override
    public void handle(Context ctx, Float executionTimeMs) {
        Endpoint endpoint = ctx.endpoints().matchedHttpEndpoint();
        Key key = new Key(endpoint == null ? "unmatched" : endpoint.path, method(ctx), ctx.statusCode());
        timers.computeIfAbsent(key, this::timer).record((long) (executionTimeMs * 1_000_000.0), TimeUnit.NANOSECONDS);
    }

    /** The method, with made-up ones under {@code other} so that a scanner cannot create series at will. */
    private static String method(Context ctx) {
        String method = ctx.method().name();
        return switch (method) {
            case "GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS" -> method;
            default -> "other";
        };
    }

    private Timer timer(Key key) {
        return Timer.builder("dams.query.http.requests")
                .description("Requests to the query service's HTTP API, by route template, method and status")
                .tag("route", key.route())
                .tag("method", key.method())
                .tag("status", Integer.toString(key.status()))
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry);
    }
}
