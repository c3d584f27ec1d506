package io.dams.bridge.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class SeriesLimiterTest {

    private static final long T0 = Instant.parse("2025-06-01T12:00:00Z").toEpochMilli();
    private static final long MINUTE = 60_000;

    @Test
    void shouldTreatTheSameLabelsInAnotherOrderAsTheSameSeries() {
        SeriesLimiter limiter = new SeriesLimiter(1, Duration.ofHours(1));
        Sample ab = series("m", "a", "1", "b", "2");
        Sample ba = series("m", "b", "2", "a", "1").toBuilder().setValue(7).build();

        assertThat(limiter.admit("asset", ab, T0)).isTrue();
        assertThat(limiter.admit("asset", ba, T0)).isTrue();
        assertThat(limiter.trackedSeries("asset")).isEqualTo(1);
    }

    @Test
    void shouldTellApartSeriesThatDifferOnlyInHowTheirTextIsSplit() {
        List<Sample> distinct = List.of(
                series("m"),
                series("m", "a", "1"),
                series("m", "a", "2"),
                series("m", "a", "1", "b", "2"),
                series("m", "a", "2", "b", "1"),
                series("m", "ab", "c"),
                series("m", "a", "bc"),
                series("ma", "b", "c"),
                series("n", "a", "1"));

        assertThat(distinct).extracting(SeriesLimiter::seriesHash).doesNotHaveDuplicates().doesNotContain(0L);
    }

    @Test
    void shouldHashManyNearlyIdenticalSeriesApart() {
        Set<Long> hashes = new HashSet<>();
        int series = 0;
        for (int i = 0; i < 300; i++) {
            for (int j = 0; j < 300; j++) {
                hashes.add(SeriesLimiter.seriesHash(series("http_requests_total", "code", Integer.toString(i),
                        "path", "/api/v" + j)));
                hashes.add(SeriesLimiter.seriesHash(series("http_requests_total", "code", "/api/v" + j,
                        "path", Integer.toString(i))));
                series += 2;
            }
        }

        assertThat(hashes).hasSize(series);
    }

    @Test
    void shouldRefuseANewSeriesBeyondTheCapButKeepAdmittingKnownOnes() {
        SeriesLimiter limiter = new SeriesLimiter(2, Duration.ofHours(1));
        assertThat(limiter.admit("asset", series("m", "core", "0"), T0)).isTrue();
        assertThat(limiter.admit("asset", series("m", "core", "1"), T0)).isTrue();

        assertThat(limiter.admit("asset", series("m", "core", "2"), T0)).isFalse();
        assertThat(limiter.admit("asset", series("m", "core", "0"), T0 + MINUTE)).isTrue();
        assertThat(limiter.admit("asset", series("m", "core", "1"), T0 + MINUTE)).isTrue();
        assertThat(limiter.admit("other-asset", series("m", "core", "2"), T0)).isTrue();
    }

    @Test
    void shouldHoldAFullAssetOfTenThousandSeries() {
        SeriesLimiter limiter = new SeriesLimiter(10_000, Duration.ofHours(1));
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.admit("asset", series("m", "i", Integer.toString(i)), T0)).isTrue();
        }

        assertThat(limiter.admit("asset", series("m", "i", "10000"), T0)).isFalse();
        for (int i = 0; i < 10_000; i++) {
            assertThat(limiter.admit("asset", series("m", "i", Integer.toString(i)), T0 + MINUTE)).isTrue();
        }
        assertThat(limiter.trackedSeries("asset")).isEqualTo(10_000);
    }

    @Test
    void shouldFreeTheRoomOfASeriesIdleForTheExpiry() {
        SeriesLimiter limiter = new SeriesLimiter(2, Duration.ofHours(1));
        limiter.admit("asset", series("m", "core", "0"), T0);
        limiter.admit("asset", series("m", "core", "1"), T0);
        limiter.admit("asset", series("m", "core", "0"), T0 + 30 * MINUTE);

        assertThat(limiter.admit("asset", series("m", "core", "2"), T0 + 59 * MINUTE)).isFalse();
        assertThat(limiter.admit("asset", series("m", "core", "2"), T0 + 61 * MINUTE)).isTrue();
        assertThat(limiter.admit("asset", series("m", "core", "1"), T0 + 61 * MINUTE)).isFalse();
        assertThat(limiter.admit("asset", series("m", "core", "0"), T0 + 61 * MINUTE)).isTrue();
    }

    @Test
    void shouldReleaseTheMemoryOfExpiredSeries() {
        SeriesLimiter limiter = new SeriesLimiter(1000, Duration.ofHours(1));
        for (int i = 0; i < 1000; i++) {
            limiter.admit("asset", series("m", "i", Integer.toString(i)), T0);
        }

        limiter.admit("asset", series("m", "i", "0"), T0 + 61 * MINUTE);

        assertThat(limiter.trackedSeries("asset")).isEqualTo(1);
    }

    @Test
    void shouldForgetAnAssetSilentForTheExpiry() {
        SeriesLimiter limiter = new SeriesLimiter(1, Duration.ofHours(1));
        limiter.admit("gone", series("m"), T0);
        limiter.admit("alive", series("m"), T0 + 30 * MINUTE);

        limiter.admit("alive", series("m"), T0 + 61 * MINUTE);

        assertThat(limiter.trackedSeries("gone")).isZero();
        assertThat(limiter.trackedSeries("alive")).isEqualTo(1);
        assertThat(limiter.trackedAssets()).isEqualTo(1);
        assertThat(limiter.admit("gone", series("n"), T0 + 62 * MINUTE)).isTrue();
    }

    @Test
    void shouldNeverAdmitMoreThanTheCapUnderConcurrentCallers() throws Exception {
        SeriesLimiter limiter = new SeriesLimiter(1000, Duration.ofHours(1));
        int threads = 4;
        ExecutorService executor = Executors.newFixedThreadPool(threads);
        CountDownLatch start = new CountDownLatch(1);
        List<Future<Integer>> admitted = new ArrayList<>();
        try {
            for (int t = 0; t < threads; t++) {
                String prefix = "t" + t + "-";
                admitted.add(executor.submit(() -> {
                    start.await();
                    int count = 0;
                    for (int i = 0; i < 1000; i++) {
                        if (limiter.admit("asset", series("m", "i", prefix + i), T0)) {
                            count++;
                        }
                    }
                    return count;
                }));
            }
            start.countDown();
            int total = 0;
            for (Future<Integer> f : admitted) {
                total += f.get(30, TimeUnit.SECONDS);
            }
            assertThat(total).isEqualTo(1000);
            assertThat(limiter.trackedSeries("asset")).isEqualTo(1000);
        } finally {
            executor.shutdownNow();
        }
    }

    @Test
    void shouldRefuseUnusableSettings() {
        assertThatThrownBy(() -> new SeriesLimiter(0, Duration.ofHours(1)))
                .isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> new SeriesLimiter(1, Duration.ofMillis(10)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    private static Sample series(String name, String... labels) {
        Sample.Builder sample = Sample.newBuilder().setName(name);
        for (int i = 0; i < labels.length; i += 2) {
            sample.addLabels(Label.newBuilder().setName(labels[i]).setValue(labels[i + 1]));
        }
        return sample.build();
    }
}
