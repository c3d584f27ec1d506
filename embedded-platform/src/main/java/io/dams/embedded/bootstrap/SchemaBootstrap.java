package io.dams.embedded.bootstrap;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.embedded.PlatformException;
import io.dams.schemas.topics.Topic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;

/**
 * Puts the contracts into the schema registry through its Confluent-compatible API: BACKWARD compatibility for every
 * subject, then each topic's value schema under {@code <topic>-value}. A schema the registry already holds is not
 * registered twice; one it finds incompatible with what is there stops the start-up with the subject named.
 */
public final class SchemaBootstrap {

    private static final String CONTENT_TYPE = "application/vnd.schemaregistry.v1+json";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String ccompatUrl;
    private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    /** @param ccompatUrl e.g. {@code http://127.0.0.1:8081/apis/ccompat/v7} */
    public SchemaBootstrap(String ccompatUrl) {
        this.ccompatUrl = ccompatUrl;
    }

    /** Sets BACKWARD as the registry-wide compatibility and registers every topic's value schema. */
    public void apply(Collection<Topic<?, ?>> topics) {
        setCompatibility("BACKWARD");
        for (Topic<?, ?> topic : topics) {
            register(topic.valueSubject(), SpecificData.get().getSchema(topic.valueType()));
        }
    }

    /** Sets the registry-wide compatibility level, e.g. {@code BACKWARD}. */
    public void setCompatibility(String level) {
        send("PUT", "/config", Map.of("compatibility", level), "set the global compatibility to " + level);
    }

    /** Registers {@code schema} under {@code subject} (a no-op when it is there already); returns its id. */
    public int register(String subject, Schema schema) {
        JsonNode body = send("POST", "/subjects/" + subject + "/versions", Map.of("schema", schema.toString()),
                "register the schema of " + subject);
        return body.path("id").asInt();
    }

    private JsonNode send(String method, String path, Object payload, String what) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(ccompatUrl + path))
                    .timeout(Duration.ofSeconds(30))
                    .header("Content-Type", CONTENT_TYPE)
                    .method(method, HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(payload)))
                    .build();
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 409) {
                throw new PlatformException("the schema registry refused to " + what + ": it is not BACKWARD"
                        + " compatible with the version registered before (" + response.body().strip() + "); this"
                        + " DAMS version cannot share that registry");
            }
            if (response.statusCode() / 100 != 2) {
                throw new PlatformException("the schema registry refused to " + what + ": HTTP "
                        + response.statusCode() + " " + response.body().strip());
            }
            return JSON.readTree(response.body());
        } catch (IOException e) {
            throw new PlatformException("cannot reach the schema registry at " + ccompatUrl + " to " + what + ": "
                    + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while trying to " + what, e);
        }
    }
}
