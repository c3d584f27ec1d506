package io.dams.query.alerts;

import io.dams.query.QueryConfig;
import io.dams.query.assets.Cursor;
import io.dams.query.http.ApiErrors;
import io.dams.query.http.JsonResponse;
import io.dams.query.http.QueryParams;
import io.dams.streams.iq.AlertView;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.util.Locale;
import java.util.Set;

/** {@code GET /api/v2/alerts} and {@code GET /api/v2/alerts/{alert_id}}: request parsing and JSON only. */
public final class AlertsController {

    public static final String LIST = "/api/v2/alerts";
    public static final String ONE = "/api/v2/alerts/{alert_id}";

    private static final Set<String> LIST_PARAMS = Set.of("state", "region", "severity", "asset", "limit", "cursor");

    private final AlertService service;
    private final QueryConfig.Limits limits;

    public AlertsController(AlertService service, QueryConfig.Limits limits) {
        this.service = service;
        this.limits = limits;
    }

    public void list(Context ctx) {
        AlertPage page = service.page(query(ctx));
        JsonResponse.send(ctx, 200, gen -> {
            gen.writeStartObject();
            gen.writeArrayFieldStart("alerts");
            for (AlertView alert : page.alerts()) {
                AlertJson.write(gen, alert);
            }
            gen.writeEndArray();
            gen.writeStringField("next_cursor", page.nextCursor());
            gen.writeEndObject();
        });
    }

    public void detail(Context ctx) {
        QueryParams.onlyKnown(ctx, Set.of());
        String alertId = ctx.pathParam("alert_id");
        AlertView alert = service.alert(alertId)
                .orElseThrow(() -> new NotFoundResponse("no alert " + ApiErrors.quote(alertId)));
        JsonResponse.send(ctx, 200, gen -> AlertJson.write(gen, alert));
    }

    AlertQuery query(Context ctx) {
        QueryParams.onlyKnown(ctx, LIST_PARAMS);
        Set<String> states = QueryParams.each(ctx, "state", s -> known(s, AlertQuery.STATES),
                "one of pending, firing, resolved");
        Set<String> severities = QueryParams.each(ctx, "severity", s -> known(s, AlertQuery.SEVERITIES),
                "one of info, warning, critical");
        Set<String> regions = QueryParams.each(ctx, "region", s -> s, "a region name");
        Set<String> assets = QueryParams.each(ctx, "asset", s -> s, "an asset id");
        String after = null;
        String cursor = QueryParams.single(ctx, "cursor");
        if (cursor != null) {
            try {
                after = Cursor.id(AlertService.CURSOR_KIND, cursor);
            } catch (IllegalArgumentException e) {
                throw ApiErrors.badParameter("cursor", e.getMessage());
            }
        }
        int limit = QueryParams.limit(ctx, limits.defaultPageSize(), limits.maxPageSize());
        return new AlertQuery(states, regions, severities, assets, limit, after);
    }

    private static String known(String value, Set<String> names) {
        String v = value.strip().toLowerCase(Locale.ROOT);
        return names.contains(v) ? v : null;
    }
}
