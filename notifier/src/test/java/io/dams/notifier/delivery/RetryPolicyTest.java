package io.dams.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class RetryPolicyTest {

    private final RetryPolicy policy = new RetryPolicy(Duration.ofSeconds(1), Duration.ofSeconds(60), 5,
            Duration.ofMinutes(10));

    @Test
    void shouldDoubleTheBackoffUpToTheMaximum() {
        assertThat(policy.backoff(1, () -> 0.999999)).isBetween(Duration.ofMillis(999), Duration.ofSeconds(1));
        assertThat(policy.backoff(2, () -> 0.999999)).isBetween(Duration.ofMillis(1999), Duration.ofSeconds(2));
        assertThat(policy.backoff(3, () -> 0.999999)).isBetween(Duration.ofMillis(3999), Duration.ofSeconds(4));
        assertThat(policy.backoff(7, () -> 0.999999)).isBetween(Duration.ofMillis(59_999), Duration.ofSeconds(60));
        assertThat(policy.backoff(500, () -> 0.999999)).isBetween(Duration.ofMillis(59_999), Duration.ofSeconds(60));
    }

    @Test
    void shouldJitterBetweenHalfAndAllOfTheBackoff() {
        assertThat(policy.backoff(3, () -> 0.0)).isEqualTo(Duration.ofSeconds(2));
        assertThat(policy.backoff(3, () -> 0.5)).isEqualTo(Duration.ofSeconds(3));
    }

    @Test
    void shouldStopAfterMaxAttempts() {
        assertThat(policy.next(4, Duration.ZERO, Optional.empty(), () -> 0.5)).isPresent();
        assertThat(policy.next(5, Duration.ZERO, Optional.empty(), () -> 0.5)).isEmpty();
    }

    @Test
    void shouldStopWhenTheNextAttemptWouldStartAfterMaxTime() {
        assertThat(policy.next(2, Duration.ofMinutes(9), Optional.empty(), () -> 0.5)).isPresent();
        assertThat(policy.next(2, Duration.ofSeconds(599), Optional.empty(), () -> 0.5)).isEmpty();
    }

    @Test
    void shouldWaitAsLongAsRetryAfterAsksWhenThatIsLonger() {
        assertThat(policy.next(1, Duration.ZERO, Optional.of(Duration.ofSeconds(30)), () -> 0.5))
                .contains(Duration.ofSeconds(30));
        assertThat(policy.next(1, Duration.ZERO, Optional.of(Duration.ZERO), () -> 0.5))
                .contains(Duration.ofMillis(750));
    }
}
