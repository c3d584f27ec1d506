package io.dams.query.http;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.assets.AssetJson;
import io.dams.query.assets.AssetListing;
import io.dams.query.assets.AssetListingCache;
import io.dams.query.fleet.EndpointHealth;
import io.dams.query.fleet.FleetStore;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * {@code GET /healthz}, public: {@code ok} when every interactive-query endpoint answers, {@code degraded} when some
 * do (200 both), {@code unavailable} when none does (503), with each endpoint's answer and the listing's age.
 */
public final class HealthController {

    public static final String PATH = "/healthz";

    private final FleetStore store;
    private final AssetListingCache listings;
    private final LongSupplier nanoTime;

    public HealthController(FleetStore store, AssetListingCache listings, LongSupplier nanoTime) {
        this.store = store;
        this.listings = listings;
        this.nanoTime = nanoTime;
    }

    public void health(Context ctx) throws IOException {
        List<EndpointHealth> endpoints = store.probe();
        long answering = endpoints.stream().filter(EndpointHealth::answering).count();
        String status = answering == endpoints.size() ? "ok" : answering > 0 ? "degraded" : "unavailable";
        ctx.status("unavailable".equals(status) ? 503 : 200);
        ctx.contentType("application/json");
        try (JsonGenerator gen = AssetJson.FACTORY.createGenerator(ctx.outputStream())
                .disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET)) {
            gen.writeStartObject();
            gen.writeStringField("status", status);
            gen.writeArrayFieldStart("interactive_queries");
            for (EndpointHealth endpoint : endpoints) {
                gen.writeStartObject();
                gen.writeStringField("endpoint", endpoint.endpoint());
                gen.writeBooleanField("answering", endpoint.answering());
                gen.writeStringField("detail", endpoint.detail());
                gen.writeEndObject();
            }
            gen.writeEndArray();
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
}
