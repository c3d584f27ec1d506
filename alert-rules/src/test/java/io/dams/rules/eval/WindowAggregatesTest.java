package io.dams.rules.eval;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import io.dams.rules.lang.Aggregate;
import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import org.junit.jupiter.api.Test;

class WindowAggregatesTest {

    /** (0 s, 60 s] */
    private static final WindowRange MINUTE = WindowRange.ending(60_000, Duration.ofMinutes(1));

    private static Point p(double seconds, double value) {
        return new Point((long) (seconds * 1000), value);
    }

    /** At 0 s (outside: the window is open on the left), 10, 20, 60 s (inside), 61 s (outside). */
    private static final List<Point> GAUGE = List.of(p(0, 1000), p(10, 4), p(20, 8), p(60, 6), p(61, -1000));

    private static double of(Aggregate a, List<Point> points) {
        OptionalDouble v = WindowAggregates.of(a, points, MINUTE);
        assertThat(v).as("%s has a value", a).isPresent();
        return v.getAsDouble();
    }

    @Test
    void shouldTakeTheLeastSquaresSlopePerSecondOfAGaugeThatDropsWithoutCallingItAReset() {
        // Inside the window: (10 s, 4), (20 s, 8), (60 s, 6). Mean t = 30, mean v = 6;
        // slope = Σ(t-30)(v-6) / Σ(t-30)² = (-20·-2 + -10·2 + 30·0) / (400 + 100 + 900) = 20 / 1400.
        assertThat(of(Aggregate.DERIV, GAUGE)).isCloseTo(20.0 / 1400, within(1e-12));
        // A steady fill of 5 bytes/s with a clean-up in the middle: negative slope, where rate() sees a reset.
        List<Point> cleanedUp = List.of(p(10, 1000), p(20, 1050), p(30, 100), p(40, 150), p(50, 200));
        assertThat(of(Aggregate.DERIV, cleanedUp)).isNegative();
        assertThat(of(Aggregate.RATE, cleanedUp)).isPositive();
        assertThat(WindowAggregates.of(Aggregate.DERIV, List.of(p(30, 1)), MINUTE)).isEmpty();
        assertThat(WindowAggregates.pooled(Aggregate.DERIV, List.of(List.of(p(10, 0), p(20, 10)),
                List.of(p(10, 0), p(20, 20))), MINUTE)).hasValueCloseTo(3.0, within(1e-12));
    }

    @Test
    void shouldAggregateOnlyThePointsInsideTheLeftOpenWindow() {
        assertThat(of(Aggregate.COUNT, GAUGE)).isEqualTo(3);
        assertThat(of(Aggregate.SUM, GAUGE)).isEqualTo(18);
        assertThat(of(Aggregate.AVG, GAUGE)).isEqualTo(6);
        assertThat(of(Aggregate.MIN, GAUGE)).isEqualTo(4);
        assertThat(of(Aggregate.MAX, GAUGE)).isEqualTo(8);
        assertThat(of(Aggregate.LAST, GAUGE)).isEqualTo(6);
    }

    @Test
    void shouldHaveNoValueWithoutPointsInTheWindow() {
        for (Aggregate a : Aggregate.values()) {
            assertThat(WindowAggregates.of(a, List.of(p(0, 1), p(61, 2)), MINUTE)).as("%s", a).isEmpty();
        }
    }

    @Test
    void shouldSkipNanInMinAndMaxUnlessAllAreNan() {
        assertThat(of(Aggregate.MIN, List.of(p(1, Double.NaN), p(2, 5), p(3, 3)))).isEqualTo(3);
        assertThat(of(Aggregate.MAX, List.of(p(1, Double.NaN), p(2, 5), p(3, Double.NaN)))).isEqualTo(5);
        assertThat(of(Aggregate.MAX, List.of(p(1, Double.NaN)))).isNaN();
    }

    @Test
    void shouldRateACounterOverTheWindowAcrossAReset() {
        // Samples every 10 s from 5 s to 55 s: 100 110 120 | reset | 5 15 25.
        // increase = 25 - 100 + 120 (the value before the drop) = 45, i.e. 10 + 10 + 5 + 10 + 10.
        // Sampled 50 s; 5 s to each edge < 1.1 × 10 s, so extrapolate to both edges: 45 × 60/50 = 54 over 60 s.
        // The zero point (50 s × 100/45 = 111 s before the first sample) is further than the start: no limit.
        List<Point> counter = List.of(p(5, 100), p(15, 110), p(25, 120), p(35, 5), p(45, 15), p(55, 25));
        assertThat(of(Aggregate.RATE, counter)).isCloseTo(0.9, within(1e-12));
    }

    @Test
    void shouldExtrapolateHalfAnIntervalTowardsAnEdgeFarFromTheSamples() {
        // 10 20 30 40 at 30..60 s: increase 30 over 30 s; the start is 30 s away (≥ 11 s): extrapolate 5 s only;
        // zero point 30 s × 10/30 = 10 s before the first sample, further than 5 s; the end is 0 s away.
        // 30 × (30 + 5 + 0)/30 = 35 over 60 s.
        List<Point> counter = List.of(p(30, 10), p(40, 20), p(50, 30), p(60, 40));
        assertThat(of(Aggregate.RATE, counter)).isCloseTo(35.0 / 60, within(1e-12));
    }

    @Test
    void shouldNotExtrapolateACounterBelowZero() {
        // 1 11 21 at 20..40 s: increase 20 over 20 s; start 20 s away → 5 s, but the counter was 0 only
        // 20 × 1/20 = 1 s before the first sample: extrapolate 1 s. End 20 s away → 5 s. 20 × 26/20 = 26 over 60 s.
        List<Point> counter = List.of(p(20, 1), p(30, 11), p(40, 21));
        assertThat(of(Aggregate.RATE, counter)).isCloseTo(26.0 / 60, within(1e-12));
    }

    @Test
    void shouldNeedTwoPointsAtDifferentTimesForARate() {
        assertThat(WindowAggregates.of(Aggregate.RATE, List.of(p(30, 10)), MINUTE)).isEmpty();
        assertThat(WindowAggregates.of(Aggregate.RATE, List.of(p(30, 10), p(30, 11)), MINUTE)).isEmpty();
    }

    @Test
    void shouldPoolTheSamplesOfAGroup() {
        List<Point> a = List.of(p(10, 10), p(20, 20));
        List<Point> b = List.of(p(15, 60), p(61, 1000));
        assertThat(WindowAggregates.pooled(Aggregate.AVG, List.of(a, b), MINUTE)).hasValue(30); // (10+20+60)/3
        assertThat(WindowAggregates.pooled(Aggregate.COUNT, List.of(a, b), MINUTE)).hasValue(3);
        assertThat(WindowAggregates.pooled(Aggregate.SUM, List.of(a, b), MINUTE)).hasValue(90);
        assertThat(WindowAggregates.pooled(Aggregate.MIN, List.of(a, b), MINUTE)).hasValue(10);
        assertThat(WindowAggregates.pooled(Aggregate.MAX, List.of(a, b), MINUTE)).hasValue(60);
        assertThat(WindowAggregates.pooled(Aggregate.LAST, List.of(a, b), MINUTE)).hasValue(20); // 20 s is newest
        assertThat(WindowAggregates.pooled(Aggregate.LAST, List.of(List.of(p(20, 1)), List.of(p(20, 2))), MINUTE))
                .hasValue(1);
        assertThat(WindowAggregates.pooled(Aggregate.AVG, List.of(List.of(p(61, 1))), MINUTE)).isEmpty();
    }

    @Test
    void shouldSumTheRatesOfAGroupsSeries() {
        // Each series: 0 → 60 over samples at 0+10 … 60 s: increase 50 over 50 s sampled, extrapolated to 60 → 1/s.
        List<Point> one = List.of(p(10, 10), p(20, 20), p(30, 30), p(40, 40), p(50, 50), p(60, 60));
        List<Point> other = List.of(p(10, 20), p(20, 40), p(30, 60), p(40, 80), p(50, 100), p(60, 120));
        List<Point> single = List.of(p(30, 5));
        assertThat(WindowAggregates.pooled(Aggregate.RATE, List.of(one, other, single), MINUTE).getAsDouble())
                .isCloseTo(3.0, within(1e-12));
        assertThat(WindowAggregates.pooled(Aggregate.RATE, List.of(single), MINUTE)).isEmpty();
    }
}
