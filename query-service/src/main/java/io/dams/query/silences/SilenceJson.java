package io.dams.query.silences;

import com.fasterxml.jackson.core.JsonGenerator;
import io.dams.query.assets.AssetJson;
import io.dams.schemas.avro.LabelMatcher;
import io.dams.schemas.avro.Silence;
import java.io.IOException;

/** The API's JSON for silences: snake_case, operators as written ({@code =}, {@code !=}, {@code =~}, {@code !~}). */
public final class SilenceJson {

    private SilenceJson() {
    }

    public static void write(JsonGenerator gen, Silence silence, long nowMs) throws IOException {
        gen.writeStartObject();
        gen.writeStringField("silence_id", silence.getSilenceId());
        gen.writeStringField("alert_id", silence.getAlertId());
        gen.writeArrayFieldStart("matchers");
        for (LabelMatcher m : silence.getMatchers()) {
            gen.writeStartObject();
            gen.writeStringField("name", m.getName());
            gen.writeStringField("op", SilenceMatchers.symbol(m.getOp()));
            gen.writeStringField("value", m.getValue());
            gen.writeEndObject();
        }
        gen.writeEndArray();
        AssetJson.writeTime(gen, "starts_at", "starts_at_ms", silence.getStartsAt());
        AssetJson.writeTime(gen, "ends_at", "ends_at_ms", silence.getEndsAt());
        gen.writeStringField("author", silence.getAuthor());
        gen.writeStringField("comment", silence.getComment());
        AssetJson.writeTime(gen, "created_at", "created_at_ms", silence.getCreatedAt());
        gen.writeStringField("state", SilenceState.of(silence, nowMs).json());
        gen.writeEndObject();
    }
}
