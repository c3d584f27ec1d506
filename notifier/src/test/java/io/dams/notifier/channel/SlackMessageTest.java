package io.dams.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.notifier.testing.Notifications;
import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Severity;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The Slack incoming-webhook body against Slack's documented message, attachment and Block Kit shapes. */
class SlackMessageTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> BLOCK_TYPES = Set.of("header", "section", "context", "actions", "divider");

    private static JsonNode sent(Notification n, String externalUrl) throws IOException {
        return JSON.readTree(JsonPoster.bytes(SlackMessage.of(n, externalUrl)));
    }

    @Test
    void shouldHaveTextAndOneColouredAttachmentOfBlocks() throws IOException {
        JsonNode message = sent(Notifications.firing("n-1", List.of("slack")), "https://dams.example.com");

        assertThat(message.get("text").asText()).isEqualTo("[FIRING:2] high-cpu-warning (region=eu-west-1)");
        assertThat(message.get("attachments")).hasSize(1);
        JsonNode attachment = message.get("attachments").get(0);
        assertThat(attachment.get("color").asText()).isEqualTo(SlackMessage.COLOR_WARNING).matches("#[0-9A-F]{6}");
        assertThat(attachment.get("fallback").asText()).isEqualTo(message.get("text").asText());
        JsonNode blocks = attachment.get("blocks");
        assertThat(blocks.size()).isBetween(1, 50);
        for (JsonNode block : blocks) {
            assertThat(BLOCK_TYPES).contains(block.get("type").asText());
        }
    }

    @Test
    void shouldFollowBlockKitLimitsAndShapes() throws IOException {
        JsonNode blocks = sent(Notifications.firing("n-1", List.of("slack")), "https://dams.example.com")
                .get("attachments").get(0).get("blocks");

        JsonNode header = blocks.get(0);
        assertThat(header.get("type").asText()).isEqualTo("header");
        assertThat(header.get("text").get("type").asText()).isEqualTo("plain_text");
        assertThat(header.get("text").get("text").asText()).hasSizeLessThanOrEqualTo(150);

        JsonNode facts = blocks.get(1);
        assertThat(facts.get("type").asText()).isEqualTo("section");
        assertThat(facts.get("fields").size()).isBetween(1, 10);
        for (JsonNode field : facts.get("fields")) {
            assertThat(field.get("type").asText()).isEqualTo("mrkdwn");
            assertThat(field.get("text").asText()).hasSizeLessThanOrEqualTo(2000);
        }
        assertThat(facts.get("fields").get(1).get("text").asText()).isEqualTo("*Severity*\nwarning");

        JsonNode firstAlert = blocks.get(2);
        assertThat(firstAlert.get("text").get("type").asText()).isEqualTo("mrkdwn");
        assertThat(firstAlert.get("text").get("text").asText())
                .contains("<https://dams.example.com/api/v2/alerts/3f2a9c01|3f2a9c01>")
                .contains("value 93.5")
                .contains("CPU above 90% on web-1")
                .hasSizeLessThanOrEqualTo(3000);

        JsonNode actions = blocks.get(blocks.size() - 1);
        assertThat(actions.get("type").asText()).isEqualTo("actions");
        JsonNode button = actions.get("elements").get(0);
        assertThat(button.get("type").asText()).isEqualTo("button");
        assertThat(button.get("url").asText()).isEqualTo("https://dams.example.com");
        assertThat(button.get("text").get("type").asText()).isEqualTo("plain_text");

        JsonNode context = blocks.get(blocks.size() - 2);
        assertThat(context.get("type").asText()).isEqualTo("context");
        assertThat(context.get("elements").get(0).get("text").asText()).contains("n-1");
    }

    @Test
    void shouldColourByStatusAndSeverity() throws IOException {
        Notification critical = Notifications.firing("n-1", List.of("slack"));
        critical.setSeverity(Severity.CRITICAL);
        Notification info = Notifications.firing("n-2", List.of("slack"));
        info.setSeverity(Severity.INFO);

        assertThat(color(critical)).isEqualTo(SlackMessage.COLOR_CRITICAL);
        assertThat(color(info)).isEqualTo(SlackMessage.COLOR_INFO);
        assertThat(color(Notifications.resolved("n-3", List.of("slack")))).isEqualTo(SlackMessage.COLOR_RESOLVED);
        assertThat(sent(Notifications.resolved("n-3", List.of("slack")), "").get("text").asText())
                .isEqualTo("[RESOLVED] high-cpu-warning (region=eu-west-1)");
    }

    @Test
    void shouldLeaveOutLinksWithoutAnExternalUrl() throws IOException {
        JsonNode blocks = sent(Notifications.firing("n-1", List.of("slack")), "")
                .get("attachments").get(0).get("blocks");

        for (JsonNode block : blocks) {
            assertThat(block.get("type").asText()).isNotEqualTo("actions");
        }
        assertThat(blocks.get(2).get("text").get("text").asText()).contains("`3f2a9c01`").doesNotContain("<http");
    }

    @Test
    void shouldEscapeMrkdwnControlCharactersAndCapTheAlertSections() throws IOException {
        Notification n = Notifications.firing("n-1", List.of("slack"));
        List<NotifiedAlert> many = new ArrayList<>();
        for (int i = 0; i < 25; i++) {
            many.add(Notifications.alert("a" + i, AlertState.FIRING, "<host&" + i + ">", 1.0, null));
        }
        n.setAlerts(many);

        JsonNode blocks = sent(n, "").get("attachments").get(0).get("blocks");

        assertThat(blocks.size()).isLessThanOrEqualTo(50);
        assertThat(blocks.get(2).get("text").get("text").asText()).contains("&lt;host&amp;0&gt;");
        assertThat(blocks.toString()).contains("and 15 more alerts");
    }

    private static String color(Notification n) throws IOException {
        return sent(n, "").get("attachments").get(0).get("color").asText();
    }
}
