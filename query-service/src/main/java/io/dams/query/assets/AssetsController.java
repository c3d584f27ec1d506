package io.dams.query.assets;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.dams.query.QueryConfig;
import io.dams.query.http.ApiErrors;
import io.dams.query.http.QueryParams;
import io.dams.streams.iq.AssetDetail;
import io.dams.streams.iq.SeriesValue;
import io.javalin.http.Context;
import io.javalin.http.NotFoundResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** {@code GET /api/v2/assets} and {@code GET /api/v2/assets/{asset_id}}: request parsing and JSON only. */
public final class AssetsController {

    public static final String LIST = "/api/v2/assets";
    public static final String ONE = "/api/v2/assets/{asset_id}";

    private static final Set<String> LIST_PARAMS = Set.of("region", "status", "tag", "limit", "cursor");
    private static final byte[] PAGE_START = "{\"assets\":[".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NEXT_CURSOR = "],\"next_cursor\":".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] NULL_END = "null}".getBytes(StandardCharsets.US_ASCII);

    private final AssetService service;
    private final QueryConfig.Limits limits;

    public AssetsController(AssetService service, QueryConfig.Limits limits) {
        this.service = service;
        this.limits = limits;
    }

    public void list(Context ctx) {
        AssetPage page = service.page(query(ctx));
        ctx.contentType("application/json").result(body(page));
    }

    /**
     * The page's JSON. Each asset's JSON was written when the snapshot was taken, so the body is those bytes copied
     * once into an array of the exact size, and sent in one piece with its length.
     */
    static byte[] body(AssetPage page) {
        byte[] end = page.nextCursor() == null ? NULL_END
                // URL-safe base64: nothing to escape.
                : ("\"" + page.nextCursor() + "\"}").getBytes(StandardCharsets.US_ASCII);
        int size = PAGE_START.length + Math.max(0, page.size() - 1) + NEXT_CURSOR.length + end.length;
        for (int i = 0; i < page.size(); i++) {
            size += page.listing().json(page.indexes()[i]).length;
        }
        byte[] body = new byte[size];
        int at = put(body, 0, PAGE_START);
        for (int i = 0; i < page.size(); i++) {
            if (i > 0) {
                body[at++] = ',';
            }
            at = put(body, at, page.listing().json(page.indexes()[i]));
        }
        at = put(body, at, NEXT_CURSOR);
        put(body, at, end);
        return body;
    }

    private static int put(byte[] target, int at, byte[] bytes) {
        System.arraycopy(bytes, 0, target, at, bytes.length);
        return at + bytes.length;
    }

    public void detail(Context ctx) throws IOException {
        QueryParams.onlyKnown(ctx, Set.of());
        String assetId = ctx.pathParam("asset_id");
        AssetDetail detail = service.detail(assetId)
                .orElseThrow(() -> new NotFoundResponse("no asset " + ApiErrors.quote(assetId)));
        List<SeriesValue> series = detail.series() == null ? List.of() : detail.series();
        // Rendered whole first, so that it goes out in one piece with its length rather than in chunks.
        ByteArrayBuilder body = new ByteArrayBuilder(1024 + 128 * series.size());
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(body)) {
            gen.writeStartObject();
            gen.writeFieldName("asset");
            AssetJson.writeAsset(gen, detail.asset(), AssetStatus.of(detail.asset()));
            gen.writeFieldName("series");
            AssetJson.writeSeries(gen, series);
            gen.writeEndObject();
        }
        ctx.contentType("application/json").result(body.toByteArray());
    }

    AssetQuery query(Context ctx) {
        QueryParams.onlyKnown(ctx, LIST_PARAMS);
        Set<String> regions = new LinkedHashSet<>();
        for (String region : ctx.queryParams("region")) {
            if (region.isBlank()) {
                throw ApiErrors.badParameter("region", "region must not be empty");
            }
            regions.add(region);
        }
        Set<AssetStatus> statuses = EnumSet.noneOf(AssetStatus.class);
        for (String name : ctx.queryParams("status")) {
            AssetStatus status = AssetStatus.parse(name);
            if (status == null) {
                throw ApiErrors.badParameter("status",
                        ApiErrors.quote(name) + " is not a status; one of ok, warning, critical, down");
            }
            statuses.add(status);
        }
        List<AssetQuery.Tag> tags = new ArrayList<>();
        for (String text : ctx.queryParams("tag")) {
            try {
                tags.add(AssetQuery.Tag.parse(text));
            } catch (IllegalArgumentException e) {
                throw ApiErrors.badParameter("tag", e.getMessage());
            }
        }
        String after = null;
        String cursor = single(ctx, "cursor");
        if (cursor != null) {
            try {
                after = Cursor.assetId(cursor);
            } catch (IllegalArgumentException e) {
                throw ApiErrors.badParameter("cursor", e.getMessage());
            }
        }
        return new AssetQuery(regions, statuses, tags, limit(ctx), after);
    }

    private int limit(Context ctx) {
        String text = single(ctx, "limit");
        if (text == null) {
            return limits.defaultPageSize();
        }
        int limit;
        try {
            limit = Integer.parseInt(text);
        } catch (NumberFormatException e) {
            limit = -1;
        }
        if (limit < 1 || limit > limits.maxPageSize()) {
            throw ApiErrors.badParameter("limit", "limit must be a whole number from 1 to " + limits.maxPageSize()
                    + ", not " + ApiErrors.quote(text));
        }
        return limit;
    }

    private static String single(Context ctx, String name) {
        List<String> values = ctx.queryParams(name);
        if (values.size() > 1) {
            throw ApiErrors.badParameter(name, name + " may be given once");
        }
        return values.isEmpty() ? null : values.get(0);
    }
}
