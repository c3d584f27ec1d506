package io.dams.query.assets;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.InteractiveQueries;
import io.dams.streams.iq.SeriesValue;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * The API's JSON for assets and series, written field by field with Jackson's streaming generator: no reflection and
 * no intermediate tree per request. Names are snake_case, as in the interactive-query contract. Times are given twice:
 * as ISO-8601 UTC text (for people) and as epoch milliseconds (for programs).
 */
public final class AssetJson {

    /** Shared and thread-safe: the factory of the contract's mapper. */
    public static final JsonFactory FACTORY = InteractiveQueries.JSON.getFactory();

    private AssetJson() {
    }

    /** One asset, as an element of the listing and as {@code asset} of the detail. */
    public static void writeAsset(JsonGenerator gen, AssetView asset, AssetStatus status) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("asset_id", asset.assetId());
        gen.writeStringField("region", asset.region());
        gen.writeStringField("site", asset.site());
        gen.writeStringField("hostname", asset.hostname());
        gen.writeStringField("kind", asset.kind());
        gen.writeFieldName("location");
        if (asset.latitude() != null && asset.longitude() != null) {
            gen.writeStartObject();
            gen.writeNumberField("lat", asset.latitude());
            gen.writeNumberField("lon", asset.longitude());
            gen.writeEndObject();
        } else {
            gen.writeNull();
        }
        gen.writeFieldName("tags");
        writeStringMap(gen, asset.tags());
        gen.writeStringField("status", status.json());
        gen.writeStringField("liveness", asset.liveness());
        gen.writeFieldName("firing_alerts");
        gen.writeStartObject();
        if (asset.firingAlerts() != null) {
            for (Map.Entry<String, Integer> e : asset.firingAlerts().entrySet()) {
                gen.writeNumberField(e.getKey(), e.getValue() == null ? 0 : e.getValue());
            }
        }
        gen.writeEndObject();
        writeTime(gen, "last_seen", "last_seen_ms", asset.lastSeen());
        gen.writeNumberField("expected_interval_ms", asset.expectedIntervalMs());
        gen.writeBooleanField("registered", asset.registered());
        gen.writeEndObject();
    }

    /** The latest values of an asset's series, as an array. */
    public static void writeSeries(JsonGenerator gen, List<SeriesValue> series) throws IOException {
        gen.writeStartArray();
        // An agent stamps all the samples of a collection alike: format each distinct time once.
        long isoOf = 0;
        String iso = null;
        for (SeriesValue s : series) {
            gen.writeStartObject();
            gen.writeStringField("name", s.name());
            gen.writeFieldName("labels");
            writeStringMap(gen, s.labels());
            if (s.timestampMs() <= 0) {
                gen.writeNullField("timestamp");
                gen.writeNullField("timestamp_ms");
            } else {
                if (iso == null || s.timestampMs() != isoOf) {
                    isoOf = s.timestampMs();
                    iso = Instant.ofEpochMilli(isoOf).toString();
                }
                gen.writeStringField("timestamp", iso);
                gen.writeNumberField("timestamp_ms", s.timestampMs());
            }
            gen.writeFieldName("value");
            // The ingest path refuses non-finite values; should one appear, JSON has no number for it.
            if (Double.isFinite(s.value())) {
                gen.writeNumber(s.value());
            } else {
                gen.writeNull();
            }
            gen.writeEndObject();
        }
        gen.writeEndArray();
    }

    /** One asset rendered once, so that a listing page copies bytes instead of formatting each asset again. */
    static byte[] render(AssetView asset, AssetStatus status, ByteArrayBuilder buffer) {
        buffer.reset();
        try (JsonGenerator gen = FACTORY.createGenerator(buffer)) {
            writeAsset(gen, asset, status);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    /** A time as ISO-8601 text and as epoch ms; both null for 0 (nothing seen yet). */
    public static void writeTime(JsonGenerator gen, String isoName, String msName, long epochMs) throws IOException {
        if (epochMs <= 0) {
            gen.writeNullField(isoName);
            gen.writeNullField(msName);
        } else {
            gen.writeStringField(isoName, Instant.ofEpochMilli(epochMs).toString());
            gen.writeNumberField(msName, epochMs);
        }
    }

    /** A map of text to text as a JSON object; an empty object for null. */
    public static void writeStringMap(JsonGenerator gen, Map<String, String> map) throws IOException {
        gen.writeStartObject();
        if (map != null) {
            for (Map.Entry<String, String> e : map.entrySet()) {
                gen.writeStringField(e.getKey(), e.getValue());
            }
        }
        gen.writeEndObject();
    }
}
