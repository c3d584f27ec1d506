package io.dams.query.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.alerts.AlertStore;
import io.dams.query.assets.AssetJson;
import io.dams.query.assets.AssetListing;
import io.dams.query.assets.AssetListingCache;
import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.FleetStore;
import io.dams.query.tables.Table;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code GET /healthz}, public: {@code unavailable} (503) when no endpoint of the ingest job's interactive queries
 * answers (the fleet cannot be read); {@code degraded} (200) when some of them do not, or an endpoint of the alerting
 * job does not, or the silences or rules are still being read; else {@code ok}. With each endpoint's answer, each
 * table's state and the listing's age.
 */
public final class HealthController {

    public static final String PATH = "/healthz";

    private final FleetStore store;
    private final AlertStore alerts;
    private final Map<String, Table<?>> tables;
    private final AssetListingCache listings;
    private final LongSupplier nanoTime;

    /** @param tables the tables the API reads, by name ({@code silences}, {@code rules}) */
    public HealthController(FleetStore store, AlertStore alerts, Map<String, Table<?>> tables,
                            AssetListingCache listings, LongSupplier nanoTime) {
        this.store = store;
        this.alerts = alerts;
        this.tables = tables;
        this.listings = listings;
        this.nanoTime = nanoTime;
    }

    public void health(Context ctx) throws IOException {
        List<EndpointHealth> endpoints = store.probe();
        List<EndpointHealth> alertEndpoints = alerts.probe();
        long answering = endpoints.stream().filter(EndpointHealth::answering).count();
        boolean rest = alertEndpoints.stream().allMatch(EndpointHealth::answering)
                && tables.values().stream().allMatch(Table::loaded);
        String status = answering == 0 ? "unavailable" : answering == endpoints.size() && rest ? "ok" : "degraded";
        ctx.status("unavailable".equals(status) ? 503 : 200);
        ctx.contentType("application/json");
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(ctx.outputStream())
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            gen.writeStartObject();
            gen.writeStringField("status", status);
            writeEndpoints(gen, "interactive_queries", endpoints);
            writeEndpoints(gen, "alert_queries", alertEndpoints);
            gen.writeObjectFieldStart("tables");
            for (Map.Entry<String, Table<?>> table : tables.entrySet()) {
                gen.writeStringField(table.getKey(), table.getValue().loaded() ? "loaded" : "loading");
            }
            gen.writeEndObject();
            gen.writeFieldName("listing");
            AssetListing listing = listings.peek();
            if (listing == null) {
                gen.writeNull();
            } else {
                gen.writeStartObject();
                gen.writeNumberField("assets", listing.size());
                gen.writeNumberField("age_ms",
                        TimeUnit.NANOSECONDS.toMillis(nanoTime.getAsLong() - listing.takenAtNanos()));
                gen.writeEndObject();
            }
            gen.writeEndObject();
        }
    }

    private static void writeEndpoints(JsonGenerator gen, String name, List<EndpointHealth> endpoints)
            throws IOException {
        gen.writeArrayFieldStart(name);
        for (EndpointHealth endpoint : endpoints) {
            gen.writeStartObject();
            gen.writeStringField("endpoint", endpoint.endpoint());
            gen.writeBooleanField("answering", endpoint.answering());
            gen.writeStringField("detail", endpoint.detail());
            gen.writeEndObject();
        }
        gen.writeEndArray();
    }
}
