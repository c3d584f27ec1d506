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
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The generic webhook against a real HTTP receiver on loopback: body, signature, and every failure path. */
class WebhookChannelTest {

    private static final ObjectMapper JSON = new ObjectMapper();

    private final LocalReceiver receiver = LocalReceiver.start();
    private final CountDownLatch release = new CountDownLatch(1);

    @AfterEach
    void stop() {
        release.countDown();
        receiver.close();
    }

    private WebhookChannel channel(String secret, Duration requestTimeout) {
        return new WebhookChannel("ops-hook", URI.create(receiver.url("/alerts")), Secret.of(secret), 0,
                "https://dams.example.com", new JsonPoster(JsonPoster.client(Duration.ofSeconds(2)), requestTimeout,
                Clock.systemUTC()));
    }

    @Test
    void shouldPostTheAlertmanagerBodySignedWithHmacSha256() throws Exception {
        Delivery d = channel("s3cret", Duration.ofSeconds(5)).deliver(Notifications.firing("n-1", List.of("webhook")));

        assertThat(d.result()).isEqualTo(Delivery.Result.DELIVERED);
        assertThat(d.responseStatus()).contains(200);
        LocalReceiver.Request request = receiver.requests().get(0);
        assertThat(request.method()).isEqualTo("POST");
        assertThat(request.path()).isEqualTo("/alerts");
        assertThat(request.header("Content-Type")).isEqualTo("application/json");
        assertThat(request.header("X-DAMS-Notification-Id")).isEqualTo("n-1");
        // Computed here independently of the channel's code: what a receiver does.
        Mac mac = Mac.getInstance("HmacSHA256");
        mac.init(new SecretKeySpec("s3cret".getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
        String expected = "sha256=" + HexFormat.of().formatHex(mac.doFinal(request.body()));
        assertThat(request.header("X-DAMS-Signature")).matches("sha256=[0-9a-f]{64}").isEqualTo(expected);
        JsonNode body = JSON.readTree(request.body());
        assertThat(body.get("version").asText()).isEqualTo("4");
        assertThat(body.get("receiver").asText()).isEqualTo("ops-hook");
        assertThat(body.get("alerts")).hasSize(2);
    }

    @Test
    void shouldNotSignWithoutASecretAndNotLeakTheSecretAnywhere() throws Exception {
        channel("", Duration.ofSeconds(5)).deliver(Notifications.firing("n-1", List.of("webhook")));
        WebhookChannel signed = channel("s3cret", Duration.ofSeconds(5));
        signed.deliver(Notifications.firing("n-2", List.of("webhook")));

        assertThat(receiver.requests().get(0).header("X-DAMS-Signature")).isNull();
        assertThat(receiver.requests().get(1).bodyText()).doesNotContain("s3cret");
        assertThat(signed.receiver()).isEqualTo("127.0.0.1:" + URI.create(receiver.url("/")).getPort());
    }

    @Test
    void shouldRetry500sWithBackoffUntilTheReceiverAccepts() {
        receiver.then(Answer.status(500, "busy"), Answer.status(502), Answer.status(503));
        try (Dispatch dispatch = new Dispatch(channel("", Duration.ofSeconds(5)), Dispatch.fastRetries(5))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("webhook")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(o.attempts()).isEqualTo(4);
            assertThat(dispatch.attempts()).extracting(Delivery::result).containsExactly(Delivery.Result.RETRY,
                    Delivery.Result.RETRY, Delivery.Result.RETRY, Delivery.Result.DELIVERED);
            assertThat(dispatch.attempts().get(0).error()).contains("HTTP 500: busy");
            assertThat(receiver.requests()).hasSize(4);
            assertThat(receiver.accepted()).hasSize(1);
            // Backoff: 10-20 ms, then 20-40 ms, then 40-80 ms (20 ms doubling, equal jitter at its middle).
            List<LocalReceiver.Request> r = receiver.requests();
            assertThat(r.get(3).arrivedNanos() - r.get(0).arrivedNanos())
                    .isGreaterThanOrEqualTo(Duration.ofMillis(15 + 30 + 60).toNanos());
        }
    }

    @Test
    void shouldWaitAsLongAsRetryAfterAsksOn429() {
        receiver.then(Answer.withHeader(429, "Retry-After", "1"));
        try (Dispatch dispatch = new Dispatch(channel("", Duration.ofSeconds(5)), Dispatch.fastRetries(5))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("webhook")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(o.attempts()).isEqualTo(2);
            assertThat(dispatch.attempts().get(0).retryAfter()).contains(Duration.ofSeconds(1));
            List<LocalReceiver.Request> r = receiver.requests();
            assertThat(r.get(1).arrivedNanos() - r.get(0).arrivedNanos())
                    .isGreaterThanOrEqualTo(Duration.ofSeconds(1).toNanos());
        }
    }

    @Test
    void shouldRetryAReceiverThatDoesNotAnswerInTime() {
        receiver.then(Answer.heldUntil(release, 200));
        try (Dispatch dispatch = new Dispatch(channel("", Duration.ofMillis(1000)), Dispatch.fastRetries(5))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("webhook")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DELIVERED);
            assertThat(o.attempts()).isGreaterThanOrEqualTo(2);
            assertThat(dispatch.attempts().get(0).result()).isEqualTo(Delivery.Result.RETRY);
            assertThat(dispatch.attempts().get(0).error()).hasValueSatisfying(e -> assertThat(e)
                    .contains("no answer").contains("1000 ms"));
            // The held request was never answered while the client waited: only a later attempt was accepted.
            assertThat(receiver.accepted()).hasSize(1);
        }
    }

    @Test
    void shouldGiveUpOnAReceiverThatAlwaysFails() {
        receiver.byDefault(r -> Answer.status(500));
        try (Dispatch dispatch = new Dispatch(channel("", Duration.ofSeconds(5)), Dispatch.fastRetries(3))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("webhook")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DEAD_LETTERED);
            assertThat(o.attempts()).isEqualTo(3);
            assertThat(o.deadLetterReason()).contains("max_attempts");
            assertThat(o.last().orElseThrow().responseStatus()).contains(500);
            assertThat(receiver.requests()).hasSize(3);
        }
    }

    @Test
    void shouldGiveUpWhenTheNextAttemptWouldBePastMaxTime() {
        receiver.byDefault(r -> Answer.withHeader(503, "Retry-After", "3600"));
        try (Dispatch dispatch = new Dispatch(channel("", Duration.ofSeconds(5)), Dispatch.fastRetries(10))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("webhook")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.DEAD_LETTERED);
            assertThat(o.attempts()).isEqualTo(1);
            assertThat(o.deadLetterReason()).contains("max_time");
        }
    }

    @Test
    void shouldNotRetryAReceiverThatRefusesTheRequest() {
        receiver.byDefault(r -> Answer.status(404, "no such hook"));
        try (Dispatch dispatch = new Dispatch(channel("", Duration.ofSeconds(5)), Dispatch.fastRetries(5))) {
            Outcome o = dispatch.deliver(Notifications.firing("n-1", List.of("webhook")));

            assertThat(o.outcome()).isEqualTo(DeliveryOutcome.REJECTED);
            assertThat(o.attempts()).isEqualTo(1);
            assertThat(o.last().orElseThrow().error()).contains("HTTP 404: no such hook");
            assertThat(receiver.requests()).hasSize(1);
        }
    }

    @Test
    void shouldRetryWhenNothingListens() throws Exception {
        int closedPort;
        try (ServerSocket s = new ServerSocket(0)) {
            closedPort = s.getLocalPort();
        }
        WebhookChannel nowhere = new WebhookChannel("gone", URI.create("http://127.0.0.1:" + closedPort + "/"),
                Secret.empty(), 0, "", new JsonPoster(JsonPoster.client(Duration.ofSeconds(1)), Duration.ofSeconds(1),
                Clock.systemUTC()));

        Delivery d = nowhere.deliver(Notifications.firing("n-1", List.of("gone")));

        assertThat(d.result()).isEqualTo(Delivery.Result.RETRY);
        assertThat(d.error()).hasValueSatisfying(e -> assertThat(e).contains("cannot connect"));
    }
}
