package io.dams.query.alerts;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.assets.AssetJson;
import io.dams.streams.iq.AlertView;
import java.io.IOException;
import java.util.List;

/** The API's JSON for alerts: the alerting job's view in snake_case, times as ISO-8601 text and epoch ms. */
public final class AlertJson {

    private AlertJson() {
    }

    public static void write(JsonGenerator gen, AlertView alert) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("alert_id", alert.alertId());
        gen.writeStringField("rule_name", alert.ruleName());
        gen.writeStringField("severity", alert.severity());
        gen.writeStringField("state", alert.state());
        gen.writeFieldName("group_labels");
        AssetJson.writeStringMap(gen, alert.groupLabels());
        gen.writeStringField("asset_id", alert.assetId());
        gen.writeStringField("region", alert.region());
        AssetJson.writeTime(gen, "active_since", "active_since_ms", alert.activeSince());
        AssetJson.writeTime(gen, "firing_since", "firing_since_ms", alert.firingSince() == null ? 0 : alert.firingSince());
        AssetJson.writeTime(gen, "resolved_at", "resolved_at_ms", alert.resolvedAt() == null ? 0 : alert.resolvedAt());
        number(gen, "value", alert.value());
        number(gen, "threshold", alert.threshold());
        gen.writeStringField("condition", alert.condition());
        gen.writeFieldName("channels");
        strings(gen, alert.channels());
        gen.writeFieldName("annotations");
        AssetJson.writeStringMap(gen, alert.annotations());
        AssetJson.writeTime(gen, "updated_at", "updated_at_ms", alert.updatedAt());
        List<String> silencedBy = alert.silencedBy() == null ? List.of() : alert.silencedBy();
        gen.writeBooleanField("silenced", !silencedBy.isEmpty());
        gen.writeFieldName("silenced_by");
        strings(gen, silencedBy);
        gen.writeEndObject();
    }

    static void strings(JsonGenerator gen, List<String> values) throws IOException {
        gen.writeStartArray();
        if (values != null) {
            for (String v : values) {
                gen.writeString(v);
            }
        }
        gen.writeEndArray();
    }

    /** A number, or null when there is none or it is not finite (JSON has no number for it). */
    static void number(JsonGenerator gen, String name, Double value) throws IOException {
        if (value == null || !Double.isFinite(value)) {
            gen.writeNullField(name);
        } else {
            gen.writeNumberField(name, value);
        }
    }
}
