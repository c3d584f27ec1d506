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
import java.net.URI;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** PagerDuty Events API v2 against a local stand-in answering as PagerDuty documents. */
class PagerDutyChannelTest {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String ACCEPTED = "{\"status\":\"success\",\"message\":\"Event processed\",\"dedup_key\":\"k\"}";

    private final LocalReceiver pagerduty = LocalReceiver.start();
    private final PagerDutyChannel channel = new PagerDutyChannel(Secret.of("R0UTINGKEY"),
            URI.create(pagerduty.url("/v2/enqueue")), "", new JsonPoster(JsonPoster.client(Duration.ofSeconds(2)),
            Duration.ofSeconds(5), Clock.systemUTC()));

    @AfterEach
    void stop() {
        pagerduty.close();
    }

    @Test
    void shouldTriggerThenResolveTheSameIncident() throws Exception {
        pagerduty.byDefault(r -> Answer.status(202, ACCEPTED));

        Delivery trigger = channel.deliver(Notifications.firing("n-1", List.of("pagerduty")));
        Delivery resolve = channel.deliver(Notifications.resolved("n-2", List.of("pagerduty")));

        assertThat(trigger.result()).isEqualTo(Delivery.Result.DELIVERED);
        assertThat(trigger.responseStatus()).contains(202);
        assertThat(resolve.result()).isEqualTo(Delivery.Result.DELIVERED);
        JsonNode first = JSON.readTree(pagerduty.requests().get(0).body());
        JsonNode second = JSON.readTree(pagerduty.requests().get(1).body());
        assertThat(pagerduty.requests().get(0).path()).isEqualTo("/v2/enqueue");
        assertThat(first.get("event_action").asText()).isEqualTo("trigger");
        assertThat(first.get("routing_key").asText()).isEqualTo("R0UTINGKEY");
        assertThat(first.get("payload").get("severity").asText()).isEqualTo("warning");
        assertThat(second.get("event_action").asText()).isEqualTo("resolve");
        assertThat(second.get("dedup_key").asText()).isEqualTo(first.get("dedup_key").asText());
        assertThat(channel.receiver()).doesNotContain("R0UTINGKEY");
    }

    @Test
    void shouldNotRetryA400() {
        pagerduty.byDefault(r -> Answer.status(400,
                "{\"status\":\"invalid event\",\"message\":\"Event object is invalid\",\"errors\":[\"'routing_key' is invalid\"]}"));
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(5))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("pagerduty")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
            assertThat(o.attempts()).isEqualTo(1);
            assertThat(o.last().orElseThrow().responseStatus()).contains(400);
            assertThat(o.last().orElseThrow().error()).hasValueSatisfying(e -> assertThat(e)
                    .startsWith("HTTP 400").contains("Event object is invalid"));
            assertThat(pagerduty.requests()).hasSize(1);
        }
    }

    @Test
    void shouldRetry429HonouringRetryAfterAnd5xx() {
        pagerduty.then(Answer.withHeader(429, "Retry-After", "1"), Answer.status(500), Answer.status(503))
                .byDefault(r -> Answer.status(202, ACCEPTED));
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(5))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("pagerduty")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(o.attempts()).isEqualTo(4);
            assertThat(o.last().orElseThrow().responseStatus()).contains(202);
            List<LocalReceiver.Request> r = pagerduty.requests();
            assertThat(r.get(1).arrivedNanos() - r.get(0).arrivedNanos())
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        }
    }
}
