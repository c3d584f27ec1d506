package io.dams.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.notifier.testing.Notifications;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The webhook body against Alertmanager's documented webhook v4 shape. */
class AlertmanagerPayloadTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String EXTERNAL = "https://dams.example.com";

    private static JsonNode sent(io.dams.schemas.avro.Notification n, int maxAlerts) throws IOException {
        return JSON.readTree(JsonPoster.bytes(AlertmanagerPayload.of(n, "ops-hook", EXTERNAL, maxAlerts)));
    }

    @Test
    void shouldHaveExactlyTheTopLevelFieldsOfVersion4PlusTheNotificationId() throws IOException {
        JsonNode body = sent(Notifications.firing("n-1", List.of("webhook")), 0);

        assertThat(fieldNames(body)).containsExactlyInAnyOrder("version", "groupKey", "truncatedAlerts", "status",
                "receiver", "groupLabels", "commonLabels", "commonAnnotations", "externalURL", "alerts",
                "notificationId");
        assertThat(body.get("version").isTextual()).isTrue();
        assertThat(body.get("version").asText()).isEqualTo("4");
        assertThat(body.get("groupKey").asText()).isEqualTo("high-cpu-warning/region=eu-west-1");
        assertThat(body.get("truncatedAlerts").isInt()).isTrue();
        assertThat(body.get("truncatedAlerts").asInt()).isZero();
        assertThat(body.get("status").asText()).isEqualTo("firing");
        assertThat(body.get("receiver").asText()).isEqualTo("ops-hook");
        assertThat(body.get("externalURL").asText()).isEqualTo(EXTERNAL);
        assertThat(body.get("notificationId").asText()).isEqualTo("n-1");
        assertThat(fieldNames(body.get("groupLabels"))).containsExactly("region");
        assertThat(body.get("groupLabels").get("region").asText()).isEqualTo("eu-west-1");
    }

    @Test
    void shouldDescribeEachAlertAsAlertmanagerDoes() throws IOException {
        JsonNode alerts = sent(Notifications.firing("n-1", List.of("webhook")), 0).get("alerts");

        assertThat(alerts.isArray()).isTrue();
        assertThat(alerts).hasSize(2);
        JsonNode first = alerts.get(0);
        assertThat(fieldNames(first)).containsExactlyInAnyOrder("status", "labels", "annotations", "startsAt",
                "endsAt", "generatorURL", "fingerprint");
        assertThat(first.get("status").asText()).isEqualTo("firing");
        assertThat(first.get("labels").get("alertname").asText()).isEqualTo("high-cpu-warning");
        assertThat(first.get("labels").get("severity").asText()).isEqualTo("warning");
        assertThat(first.get("labels").get("asset_id").asText()).isEqualTo("web-1");
        assertThat(first.get("annotations").get("summary").asText()).isEqualTo("CPU above 90% on web-1");
        assertThat(first.get("startsAt").asText()).isEqualTo("2025-03-01T10:10:00Z");
        assertThat(OffsetDateTime.parse(first.get("startsAt").asText())).isNotNull();
        // Alertmanager's zero time for an alert that has not ended.
        assertThat(first.get("endsAt").asText()).isEqualTo("0001-01-01T00:00:00Z");
        assertThat(first.get("generatorURL").asText()).isEqualTo(EXTERNAL + "/api/v2/alerts/3f2a9c01");
        assertThat(first.get("fingerprint").asText()).isEqualTo("3f2a9c01");
    }

    @Test
    void shouldCarryTheLabelsAndAnnotationsCommonToEveryAlert() throws IOException {
        JsonNode body = sent(Notifications.firing("n-1", List.of("webhook")), 0);

        assertThat(fieldNames(body.get("commonLabels"))).containsExactlyInAnyOrder("alertname", "severity", "region");
        assertThat(body.get("commonLabels").get("region").asText()).isEqualTo("eu-west-1");
        assertThat(fieldNames(body.get("commonAnnotations"))).containsExactly("runbook");
    }

    @Test
    void shouldSayResolvedWithRfc3339EndTimes() throws IOException {
        JsonNode body = sent(Notifications.resolved("n-2", List.of("webhook")), 0);

        assertThat(body.get("status").asText()).isEqualTo("resolved");
        assertThat(body.get("alerts").get(0).get("status").asText()).isEqualTo("resolved");
        assertThat(body.get("alerts").get(0).get("endsAt").asText()).isEqualTo("2025-03-01T10:15:30.250Z");
    }

    @Test
    void shouldCountTheAlertsLeftOutByMaxAlerts() throws IOException {
        JsonNode body = sent(Notifications.firing("n-1", List.of("webhook")), 1);

        assertThat(body.get("alerts")).hasSize(1);
        assertThat(body.get("truncatedAlerts").asInt()).isEqualTo(1);
    }

    static Set<String> fieldNames(JsonNode node) {
        Set<String> names = new java.util.HashSet<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
