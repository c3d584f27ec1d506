package io.dams.query.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.javalin.http.Context;
import java.io.IOException;
import java.util.Iterator;
import java.util.Locale;
import java.util.Optional;
import java.util.Set;

/**
 * A request body that must be one JSON object: parsed strictly (a repeated key is an error), with every fault a 400
 * that names the field, and the line and column when the text itself is at fault.
 */
public final class JsonBody {

    private static final ObjectMapper JSON = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private final ObjectNode object;
    private final String text;

    private JsonBody(ObjectNode object, String text) {
        this.object = object;
        this.text = text;
    }

    /** The body as an object whose keys are all among {@code known}. */
    public static JsonBody object(Context ctx, Set<String> known) {
        JsonBody body = parse(ctx.body());
        for (Iterator<String> names = body.object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!known.contains(name)) {
                throw ApiErrors.badParameter(name, "unknown field " + ApiErrors.quote(name) + "; the body takes "
                        + String.join(", ", known.stream().sorted().toList()));
            }
        }
        return body;
    }

    /** The text as one JSON object, whatever its keys. */
    public static JsonBody parse(String text) {
        if (text == null || text.isBlank()) {
            throw ApiErrors.badBody(null, 1, 1, "the request needs a JSON object as its body");
        }
        JsonNode node;
        try {
            node = JSON.readTree(text);
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            int line = at == null ? 1 : Math.max(1, at.getLineNr());
            int column = at == null ? 1 : Math.max(1, at.getColumnNr());
            throw ApiErrors.badBody(null, line, column, "line " + line + ", column " + column
                    + ": the body is not valid JSON: " + e.getOriginalMessage());
        } catch (IOException e) {
            throw ApiErrors.badBody(null, 1, 1, "the body cannot be read: " + e.getMessage());
        }
        if (!(node instanceof ObjectNode object)) {
            throw ApiErrors.badBody(null, 1, 1, "the body must be a JSON object ({...}), not "
                    + (node == null ? "nothing" : node.getNodeType().name().toLowerCase(Locale.ROOT)));
        }
        return new JsonBody(object, text);
    }

    /** The body as it was sent. */
    public String text() {
        return text;
    }

    public boolean has(String field) {
        return object.has(field) && !object.get(field).isNull();
    }

    public int size() {
        return object.size();
    }

    /** A field that must be text when present; empty when absent or null. */
    public Optional<String> text(String field) {
        JsonNode value = object.get(field);
        if (value == null || value.isNull()) {
            return Optional.empty();
        }
        if (!value.isTextual()) {
            throw ApiErrors.badParameter(field, field + " must be a string, not " + value);
        }
        return Optional.of(value.textValue());
    }

    /** A text field that must be present and not blank. */
    public String requiredText(String field, String example) {
        String value = text(field).orElseThrow(() -> ApiErrors.badParameter(field, field + " is required, e.g. "
                + example));
        if (value.isBlank()) {
            throw ApiErrors.badParameter(field, field + " must not be empty, e.g. " + example);
        }
        return value;
    }

    /** A field as it is, when present and not null. */
    public Optional<JsonNode> node(String field) {
        JsonNode value = object.get(field);
        return value == null || value.isNull() ? Optional.empty() : Optional.of(value);
    }
}
