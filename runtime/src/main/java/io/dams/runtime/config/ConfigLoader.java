package io.dams.runtime.config;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.Objects;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Loads a component's configuration: the defaults (the record's no-file value), overlaid by a YAML file, overlaid by
 * environment variables, then validated. A key {@code bridge.sendInterval} is overridden by
 * {@code <PREFIX>_BRIDGE_SEND_INTERVAL}; every key the defaults or the file contain can be overridden.
 *
 * <p>Durations read {@code 500ms}/{@code 10s}/{@code 5m}; sizes read {@code 256MiB}. Unknown keys are errors, so a
 * misspelt key is reported rather than silently ignored.
 */
public final class ConfigLoader<T> {

    private final Class<T> type;
    private final T defaults;
    private final String envPrefix;
    private final ObjectMapper yaml;

    /**
     * @param defaults  the configuration when nothing is set; also the source of every overridable key
     * @param envPrefix e.g. {@code DAMS_AGENT}
     */
    public ConfigLoader(Class<T> type, T defaults, String envPrefix) {
        this.type = Objects.requireNonNull(type);
        this.defaults = Objects.requireNonNull(defaults);
        this.envPrefix = Objects.requireNonNull(envPrefix);
        this.yaml = mapper();
    }

    /** The object mapper that reads DAMS YAML (durations, sizes, strict keys). */
    public static ObjectMapper mapper() {
        SimpleModule module = new SimpleModule("dams-config");
        module.addDeserializer(Duration.class, new JsonDeserializer<>() {
            @Override
            public Duration deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
                try {
                    return Durations.parse(p.getValueAsString());
                } catch (IllegalArgumentException e) {
                    throw JsonMappingException.from(p, e.getMessage(), e);
                }
            }
        });
        module.addSerializer(Duration.class, new JsonSerializer<>() {
            @Override
            public void serialize(Duration value, JsonGenerator gen, SerializerProvider serializers) throws IOException {
                gen.writeString(Durations.format(value));
            }
        });
        // Paths as operators write them, not as file: URIs.
        module.addSerializer(Path.class, new ToStringSerializer(Path.class));
        // Ours last, so that our Duration and Path formats win over a JavaTimeModule found on the classpath.
        return new ObjectMapper(new YAMLFactory())
                .findAndRegisterModules()
                .registerModule(module)
                .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
                .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
    }

    /** Loads {@code file} (absent: defaults only) with overrides from the process environment. */
    public T load(Path file) {
        return load(file, System.getenv());
    }

    /** Loads {@code file} (may be null: defaults only) with overrides from {@code environment}, and validates. */
    public T load(Path file, Map<String, String> environment) {
        return load(file, environment, true);
    }

    /**
     * Loads {@code file} with overrides from {@code environment}; {@code validate} false skips the checks, e.g. to show
     * an operator an incomplete configuration.
     */
    public T load(Path file, Map<String, String> environment, boolean validate) {
        ObjectNode tree = yaml.valueToTree(defaults);
        if (file != null) {
            try {
                JsonNode fromFile = yaml.readTree(Files.readString(file));
                if (fromFile != null && !fromFile.isMissingNode() && !fromFile.isNull()) {
                    if (!fromFile.isObject()) {
                        throw new ConfigException(file + ": expected a mapping of keys at the top level");
                    }
                    merge(tree, (ObjectNode) fromFile);
                }
            } catch (NoSuchFileException e) {
                throw new ConfigException("configuration file " + file + " does not exist");
            } catch (JsonMappingException e) {
                throw new ConfigException(file + ": " + e.getOriginalMessage(), e);
            } catch (IOException e) {
                throw new ConfigException("cannot read " + file + ": " + e.getMessage(), e);
            }
        }
        applyEnvironment(tree, envPrefix, environment);
        T config;
        try {
            config = yaml.treeToValue(tree, type);
        } catch (JsonMappingException e) {
            String key = e.getPath().stream().map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .collect(Collectors.joining(".")).replace(".[", "[");
            throw new ConfigException((file == null ? "" : file + ": ") + (key.isEmpty() ? "" : key + ": ")
                    + e.getOriginalMessage().replaceAll(" \\(class [^)]*\\)", ""), e);
        } catch (IOException e) {
            throw new ConfigException("cannot read the configuration: " + e.getMessage(), e);
        }
        if (validate && config instanceof Validated validated) {
            validated.validate();
        }
        return config;
    }

    /** The configuration as YAML, e.g. to print the effective settings or write an example file. */
    public String toYaml(T config) {
        try {
            return yaml.writeValueAsString(config);
        } catch (IOException e) {
            throw new ConfigException("cannot render the configuration: " + e.getMessage(), e);
        }
    }

    private static void merge(ObjectNode target, ObjectNode source) {
        Iterator<Map.Entry<String, JsonNode>> fields = source.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            JsonNode existing = target.get(field.getKey());
            if (existing instanceof ObjectNode existingObject && field.getValue() instanceof ObjectNode sourceObject) {
                merge(existingObject, sourceObject);
            } else {
                target.set(field.getKey(), field.getValue());
            }
        }
    }

    private static void applyEnvironment(ObjectNode node, String prefix, Map<String, String> environment) {
        Iterator<Map.Entry<String, JsonNode>> fields = node.fields();
        while (fields.hasNext()) {
            Map.Entry<String, JsonNode> field = fields.next();
            String name = prefix + "_" + upperSnake(field.getKey());
            if (field.getValue() instanceof ObjectNode child) {
                applyEnvironment(child, name, environment);
            } else {
                String value = environment.get(name);
                if (value != null) {
                    field.setValue(TextNode.valueOf(value));
                }
            }
        }
    }

    static String upperSnake(String key) {
        return key.replaceAll("([a-z0-9])([A-Z])", "$1_$2").replace('-', '_').toUpperCase(Locale.ROOT);
    }
}
