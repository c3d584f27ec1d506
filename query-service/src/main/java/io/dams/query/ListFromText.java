package io.dams.query;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.BeanProperty;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.deser.ContextualDeserializer;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.util.List;

/**
 * Reads a list key from YAML as usual, and also from one line of text, which is what an environment variable
 * override gives: a YAML flow sequence ({@code [{name: ops, role: viewer, sha256: ...}]}) or comma-separated values
 * ({@code http://a:7071,http://b:7071}).
 */
final class ListFromText extends JsonDeserializer<List<?>> implements ContextualDeserializer {

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private final JavaType type;

    ListFromText() {
        this(null);
    }

    private ListFromText(JavaType type) {
        this.type = type;
    }

    @Override
    public JsonDeserializer<?> createContextual(DeserializationContext ctxt, BeanProperty property) {
        return new ListFromText(property != null ? property.getType() : ctxt.getContextualType());
    }

    @Override
    public List<?> deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
        JsonNode node = ctxt.readTree(p);
        if (node.isTextual()) {
            node = fromText(node.asText());
        }
        return ctxt.readTreeAsValue(node, type);
    }

    private static JsonNode fromText(String text) throws IOException {
        String t = text.strip();
        if (t.startsWith("[")) {
            return YAML.readTree(t);
        }
        ArrayNode values = JsonNodeFactory.instance.arrayNode();
        for (String part : t.split(",")) {
            if (!part.isBlank()) {
                values.add(part.strip());
            }
        }
        return values;
    }
}
