package io.dams.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.dams.notifier.Secret;
import io.dams.notifier.delivery.Outcome;
import io.dams.notifier.testing.Dispatch;
import io.dams.notifier.testing.LocalReceiver;
import io.dams.notifier.testing.LocalReceiver.Answer;
import io.dams.notifier.testing.Notifications;
import io.dams.schemas.avro.DeliveryOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Slack incoming webhooks against a local stand-in answering as Slack documents ("ok", or an error and status). */
class SlackChannelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalReceiver slack = LocalReceiver.start();
    private final SlackChannel channel = new SlackChannel(Secret.of(slack.url("/services/T000/B000/XXXXSECRET")),
            "https://dams.example.com", new JsonPoster(JsonPoster.client(Duration.ofSeconds(2)), Duration.ofSeconds(5),
            Clock.systemUTC()));

    @AfterEach
    void stop() {
        slack.close();
    }

    @Test
    void shouldPostTheMessageToTheWebhook() throws Exception {
        Delivery d = channel.deliver(Notifications.firing("n-1", List.of("slack")));

        assertThat(d.result()).isEqualTo(Delivery.Result.DELIVERED);
        LocalReceiver.Request request = slack.requests().get(0);
        assertThat(request.path()).isEqualTo("/services/T000/B000/XXXXSECRET");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.get("text").asText()).startsWith("[FIRING:2]");
        assertThat(body.get("attachments").get(0).get("blocks").get(0).get("type").asText()).isEqualTo("header");
        // The webhook's path is its secret: the delivery log gets the host only.
        assertThat(channel.receiver()).doesNotContain("XXXXSECRET").startsWith("127.0.0.1:");
    }

    @Test
    void shouldRetrySlacksRateLimitAndRejectAnInvalidPayload() {
        slack.then(Answer.withHeader(429, "Retry-After", "1"), Answer.status(200, "ok"),
                Answer.status(400, "invalid_payload"));
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(5))) {
            Outcome limited = dispatch.deliver(Notifications.ofGroup("n-1", "g1", List.of("slack")));
            Outcome invalid = dispatch.deliver(Notifications.ofGroup("n-2", "g2", List.of("slack")));

            assertThat(limited.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(limited.attempts()).isEqualTo(2);
            assertThat(invalid.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
            assertThat(invalid.last().orElseThrow().error()).contains("HTTP 400: invalid_payload");
        }
    }
}
