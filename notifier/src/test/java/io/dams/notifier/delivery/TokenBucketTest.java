package io.dams.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class TokenBucketTest {

    private final AtomicLong now = new AtomicLong(1_000_000_000L);
    private final TokenBucket bucket = new TokenBucket(2, 3, now::get);

    @Test
    void shouldAllowABurstThenRefillAtTheRate() {
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isTrue();
        assertThat(bucket.tryTake()).isFalse();
        assertThat(bucket.nanosUntilToken()).isEqualTo(500_000_000L);

        now.addAndGet(250_000_000L);
        assertThat(bucket.tryTake()).isFalse();
        assertThat(bucket.nanosUntilToken()).isEqualTo(250_000_000L);

        now.addAndGet(250_000_000L);
        assertThat(bucket.tryTake()).isTrue();
    }

    @Test
    void shouldNotSaveMoreThanTheBurst() {
        now.addAndGet(60_000_000_000L);
        for (int i = 0; i < 3; i++) {
            assertThat(bucket.tryTake()).isTrue();
        }
        assertThat(bucket.tryTake()).isFalse();
    }
}
