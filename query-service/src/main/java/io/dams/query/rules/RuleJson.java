package io.dams.query.rules;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.assets.AssetJson;
import io.dams.rules.RuleDurations;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.avro.RuleOverride;
import java.io.IOException;
import java.time.Duration;
import java.util.Locale;

/**
 * The API's JSON for rules: the keys of a {@code policies.yaml} entry (so that a rule read here, without
 * {@code updated_at}, {@code updated_at_ms} and {@code updated_by}, is a valid {@code PUT} body), durations in the
 * rule language's syntax.
 */
public final class RuleJson {

    private RuleJson() {
    }

    public static void write(JsonGenerator gen, Rule rule) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("name", rule.getName());
        gen.writeStringField("condition", rule.getCondition());
        gen.writeStringField("duration", RuleDurations.format(Duration.ofMillis(rule.getDurationMs())));
        gen.writeStringField("window", RuleDurations.format(Duration.ofMillis(rule.getWindowMs())));
        gen.writeStringField("severity", rule.getSeverity().name().toLowerCase(Locale.ROOT));
        gen.writeArrayFieldStart("channels");
        for (String channel : rule.getChannels()) {
            gen.writeString(channel);
        }
        gen.writeEndArray();
        gen.writeFieldName("labels");
        AssetJson.writeStringMap(gen, rule.getLabels());
        gen.writeFieldName("annotations");
        AssetJson.writeStringMap(gen, rule.getAnnotations());
        gen.writeArrayFieldStart("overrides");
        for (RuleOverride o : rule.getOverrides()) {
            gen.writeStartObject();
            gen.writeStringField("region", o.getRegion());
            if (o.getThreshold() != null) {
                gen.writeNumberField("threshold", o.getThreshold());
            }
            if (o.getDurationMs() != null) {
                gen.writeStringField("duration", RuleDurations.format(Duration.ofMillis(o.getDurationMs())));
            }
            gen.writeEndObject();
        }
        gen.writeEndArray();
        AssetJson.writeTime(gen, "updated_at", "updated_at_ms", rule.getUpdatedAt());
        gen.writeStringField("updated_by", rule.getUpdatedBy());
        gen.writeEndObject();
    }
}
