package io.dams.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.notifier.testing.Notifications;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.Severity;
import java.io.IOException;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The event against PagerDuty's documented Events API v2 shape. */
class PagerDutyEventTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> PD_SEVERITIES = Set.of("critical", "error", "warning", "info");

    private static JsonNode sent(Notification n) throws IOException {
        return JSON.readTree(JsonPoster.bytes(PagerDutyEvent.of(n, "R0UTINGKEY", "https://dams.example.com")));
    }

    @Test
    void shouldTriggerAFiringGroupWithTheGroupKeyAsDedupKey() throws IOException {
        JsonNode event = sent(Notifications.firing("n-1", List.of("pagerduty")));

        assertThat(event.get("routing_key").asText()).isEqualTo("R0UTINGKEY");
        assertThat(event.get("event_action").asText()).isEqualTo("trigger");
        assertThat(event.get("dedup_key").asText()).isEqualTo("high-cpu-warning/region=eu-west-1");
        JsonNode payload = event.get("payload");
        assertThat(payload.get("summary").asText())
                .isEqualTo("[FIRING:2] high-cpu-warning (region=eu-west-1)")
                .hasSizeLessThanOrEqualTo(1024);
        assertThat(payload.get("source").asText()).isEqualTo("region eu-west-1");
        assertThat(payload.get("severity").asText()).isIn(PD_SEVERITIES).isEqualTo("warning");
        assertThat(OffsetDateTime.parse(payload.get("timestamp").asText()).toInstant())
                .isEqualTo(Notifications.CREATED);
        assertThat(payload.get("class").asText()).isEqualTo("high-cpu-warning");
        assertThat(payload.get("group").asText()).isEqualTo("eu-west-1");
        JsonNode details = payload.get("custom_details");
        assertThat(details.get("notification_id").asText()).isEqualTo("n-1");
        assertThat(details.get("alerts")).hasSize(2);
        assertThat(details.get("alerts").get(0).get("alert_id").asText()).isEqualTo("3f2a9c01");
        assertThat(event.get("client").asText()).isEqualTo("DAMS");
        assertThat(event.get("client_url").asText()).isEqualTo("https://dams.example.com");
        assertThat(event.get("links").get(0).get("href").asText())
                .isEqualTo("https://dams.example.com/api/v2/alerts/3f2a9c01");
    }

    @Test
    void shouldResolveAResolvedGroupWithTheSameDedupKeyAndNoPayload() throws IOException {
        JsonNode trigger = sent(Notifications.firing("n-1", List.of("pagerduty")));
        JsonNode resolve = sent(Notifications.resolved("n-2", List.of("pagerduty")));

        assertThat(resolve.get("event_action").asText()).isEqualTo("resolve");
        assertThat(resolve.get("dedup_key").asText()).isEqualTo(trigger.get("dedup_key").asText());
        assertThat(AlertmanagerPayloadTest.fieldNames(resolve))
                .containsExactlyInAnyOrder("routing_key", "event_action", "dedup_key");
    }

    @Test
    void shouldMapDamsSeveritiesOntoPagerDutys() {
        assertThat(PagerDutyEvent.severity(Severity.CRITICAL)).isEqualTo("critical");
        assertThat(PagerDutyEvent.severity(Severity.WARNING)).isEqualTo("warning");
        assertThat(PagerDutyEvent.severity(Severity.INFO)).isEqualTo("info");
    }

    @Test
    void shouldNameTheAssetAsSourceWhenOneAlertFires() throws IOException {
        Notification n = Notifications.firing("n-1", List.of("pagerduty"));
        n.setAlerts(List.of(n.getAlerts().get(0)));

        JsonNode payload = sent(n).get("payload");

        assertThat(payload.get("source").asText()).isEqualTo("web-1");
        assertThat(payload.get("summary").asText()).endsWith(": CPU above 90% on web-1");
    }

    @Test
    void shouldKeepDedupKeysWithinPagerDutysLimit() {
        String longKey = "rule/" + "x".repeat(300);

        assertThat(PagerDutyEvent.dedupKey(longKey)).hasSize(64).matches("[0-9a-f]{64}")
                .isEqualTo(PagerDutyEvent.dedupKey(longKey));
    }
}
