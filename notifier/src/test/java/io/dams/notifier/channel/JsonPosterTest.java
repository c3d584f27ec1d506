package io.dams.notifier.channel;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class JsonPosterTest {

    private static final Instant NOW = Instant.parse("2025-03-01T10:00:00Z");

    @Test
    void shouldTellDeliveredFromRetryFromRejected() {
        assertThat(JsonPoster.classify(200, Optional.empty(), "ok", NOW).result()).isEqualTo(Delivery.Result.DELIVERED);
        assertThat(JsonPoster.classify(202, Optional.empty(), "", NOW).result()).isEqualTo(Delivery.Result.DELIVERED);
        for (int status : new int[] {408, 429, 500, 502, 503, 504}) {
            assertThat(JsonPoster.classify(status, Optional.empty(), "", NOW).result()).as("HTTP %d", status)
                    .isEqualTo(Delivery.Result.RETRY);
        }
        for (int status : new int[] {301, 400, 401, 403, 404, 410, 413, 422}) {
            assertThat(JsonPoster.classify(status, Optional.empty(), "", NOW).result()).as("HTTP %d", status)
                    .isEqualTo(Delivery.Result.REJECTED);
        }
    }

    @Test
    void shouldReadRetryAfterAsSecondsOrAsAnHttpDate() {
        assertThat(JsonPoster.retryAfter("120", NOW)).contains(Duration.ofSeconds(120));
        assertThat(JsonPoster.retryAfter("Sat, 01 Mar 2025 10:00:30 GMT", NOW)).contains(Duration.ofSeconds(30));
        assertThat(JsonPoster.retryAfter("Sat, 01 Mar 2025 09:00:00 GMT", NOW)).contains(Duration.ZERO);
        assertThat(JsonPoster.retryAfter("soon", NOW)).isEmpty();
        assertThat(JsonPoster.classify(429, Optional.of("7"), "", NOW).retryAfter()).contains(Duration.ofSeconds(7));
    }

    @Test
    void shouldKeepTheErrorShortAndOnOneLine() {
        String body = "line one\nline two " + "x".repeat(500);

        String error = JsonPoster.classify(500, Optional.empty(), body, NOW).error().orElseThrow();

        assertThat(error).startsWith("HTTP 500: line one line two").doesNotContain("\n").hasSizeLessThan(220);
    }
}
