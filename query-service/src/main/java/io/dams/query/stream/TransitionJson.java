package io.dams.query.stream;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.assets.AssetJson;
import io.dams.query.http.JsonResponse;
import io.dams.schemas.avro.AlertTransition;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;

/**
 * One transition as the live feed sends it: the fields of {@code AlertTransition} in snake_case, enums in lower
 * case, times as ISO-8601 text and epoch ms. One line of JSON (an SSE {@code data:} line).
 */
public final class TransitionJson {

    private TransitionJson() {
    }

    public static String render(AlertTransition t) {
        return new String(JsonResponse.render(gen -> write(gen, t)), StandardCharsets.UTF_8);
    }

    static void write(JsonGenerator gen, AlertTransition t) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("alert_id", t.getAlertId());
        gen.writeStringField("rule_name", t.getRuleName());
        gen.writeStringField("severity", lower(t.getSeverity()));
        gen.writeFieldName("group_labels");
        AssetJson.writeStringMap(gen, t.getGroupLabels());
        gen.writeStringField("asset_id", t.getAssetId());
        gen.writeStringField("region", t.getRegion());
        gen.writeStringField("from_state", lower(t.getFromState()));
        gen.writeStringField("to_state", lower(t.getToState()));
        AssetJson.writeTime(gen, "at", "at_ms", t.getAt());
        AssetJson.writeTime(gen, "active_since", "active_since_ms", t.getActiveSince() == null ? 0 : t.getActiveSince());
        number(gen, "value", t.getValue());
        number(gen, "threshold", t.getThreshold());
        gen.writeStringField("condition", t.getCondition());
        gen.writeArrayFieldStart("channels");
        for (String channel : t.getChannels()) {
            gen.writeString(channel);
        }
        gen.writeEndArray();
        gen.writeFieldName("annotations");
        AssetJson.writeStringMap(gen, t.getAnnotations() == null ? Map.of() : t.getAnnotations());
        AssetJson.writeTime(gen, "evaluated_at", "evaluated_at_ms", t.getEvaluatedAt());
        gen.writeEndObject();
    }

    private static String lower(Enum<?> value) {
        return value == null ? null : value.name().toLowerCase(Locale.ROOT);
    }

    private static void number(JsonGenerator gen, String name, Double value) throws IOException {
        if (value == null || !Double.isFinite(value)) {
            gen.writeNullField(name);
        } else {
            gen.writeNumberField(name, value);
        }
    }
}
