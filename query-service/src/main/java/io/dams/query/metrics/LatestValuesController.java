package io.dams.query.metrics;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.dams.query.assets.AssetJson;
import io.dams.query.http.ApiErrors;
import io.dams.query.http.QueryParams;
import io.dams.schemas.names.PrometheusNames;
import io.dams.streams.iq.SeriesValue;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code GET /api/v2/metrics/{asset_id}}: the latest value of every series of an asset, {@code ?metric=} filters. */
public final class LatestValuesController {

    public static final String PATH = "/api/v2/metrics/{asset_id}";

    private final LatestValueService service;

    public LatestValuesController(LatestValueService service) {
        this.service = service;
    }

    public void latest(Context ctx) throws IOException {
        QueryParams.onlyKnown(ctx, Set.of("metric"));
        Set<String> metrics = new LinkedHashSet<>();
        for (String name : ctx.queryParams("metric")) {
            if (!PrometheusNames.isMetricName(name)) {
                throw ApiErrors.badParameter("metric",
                        ApiErrors.quote(name) + " is not a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*)");
            }
            metrics.add(name);
        }
        String assetId = ctx.pathParam("asset_id");
        List<SeriesValue> series = service.latest(assetId, metrics)
                .orElseThrow(() -> new NotFoundResponse("no asset " + ApiErrors.quote(assetId)));
        // Rendered whole first, so that it goes out in one piece with its length rather than in chunks.
        ByteArrayBuilder body = new ByteArrayBuilder(256 + 128 * series.size());
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(body)) {
            gen.writeStartObject();
            gen.writeStringField("asset_id", assetId);
            gen.writeFieldName("series");
            AssetJson.writeSeries(gen, series);
            gen.writeEndObject();
        }
        ctx.contentType("application/json").result(body.toByteArray());
    }
}
