package io.dams.rules.eval;

import io.dams.rules.lang.Aggregate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.OptionalDouble;

/**
 * The aggregates of the rule language over a window of samples, as plain functions.
 *
 * <p>Over one series they mean what Prometheus's {@code *_over_time} functions mean over a range selector:
 * {@code avg}, {@code min}, {@code max}, {@code sum}, {@code count}, {@code last} of the values in the window,
 * {@code rate} = {@code rate(x[window])} and {@code deriv} = {@code deriv(x[window])}. Over a group of series ({@code by (...)}) the samples of all the group's
 * series are pooled: avg is the mean of every sample, count the number of samples, last the newest sample (on equal
 * timestamps, that of the first series given), and rate the sum of the series' rates (the group's total per-second
 * increase, as {@code sum by (...) (rate(x[w]))}); deriv likewise the sum of the series' slopes.
 *
 * <p>Empty results mean "no value": no sample in the window, or fewer than two for a rate. min and max skip NaN
 * samples unless all are NaN (as Prometheus).
 */
public final class WindowAggregates {

    private WindowAggregates() {
    }

    /** The aggregate of one series' points (in time order) that fall inside {@code range}. */
    public static OptionalDouble of(Aggregate aggregate, List<Point> points, WindowRange range) {
        List<Point> in = inside(points, range);
        if (aggregate == Aggregate.RATE) {
            return rate(in, range);
        }
        if (aggregate == Aggregate.DERIV) {
            return deriv(in);
        }
        return reduce(aggregate, in);
    }

    /** The aggregate of a group: the series' points pooled, or for rate the sum of their rates. */
    public static OptionalDouble pooled(Aggregate aggregate, Collection<List<Point>> series, WindowRange range) {
        if (aggregate == Aggregate.RATE || aggregate == Aggregate.DERIV) {
            double sum = 0;
            boolean any = false;
            for (List<Point> points : series) {
                List<Point> in = inside(points, range);
                OptionalDouble r = aggregate == Aggregate.RATE ? rate(in, range) : deriv(in);
                if (r.isPresent()) {
                    sum += r.getAsDouble();
                    any = true;
                }
            }
            return any ? OptionalDouble.of(sum) : OptionalDouble.empty();
        }
        if (aggregate == Aggregate.LAST) {
            Point newest = null;
            for (List<Point> points : series) {
                List<Point> in = inside(points, range);
                if (!in.isEmpty()) {
                    Point last = in.get(in.size() - 1);
                    if (newest == null || last.timestampMs() > newest.timestampMs()) {
                        newest = last;
                    }
                }
            }
            return newest == null ? OptionalDouble.empty() : OptionalDouble.of(newest.value());
        }
        List<Point> all = new ArrayList<>();
        for (List<Point> points : series) {
            all.addAll(inside(points, range));
        }
        return reduce(aggregate, all);
    }

    /**
     * Prometheus's {@code rate()} of a counter over {@code range}, given the points inside it in time order.
     *
     * <p>The increase is {@code last - first}, plus the value before every drop (a drop is a counter reset: the
     * counter restarted from 0). It is then extrapolated to the window's edges exactly as Prometheus's
     * {@code extrapolatedRate} does (promql/functions.go, Prometheus 3): towards each edge by the gap to it when the
     * gap is under 1.1 average sample intervals, else by half an average interval (the series presumably starts or
     * ends inside the window); at the start never beyond the point where the counter would have been 0. The result
     * is divided by the window's length in seconds. Prometheus 2.x (2.42) applied the zero-point limit before the
     * 1.1-interval test; the two differ only when a counter starts near 0 well inside the window.
     *
     * @return empty with fewer than two points, or when all points share one timestamp
     */
    public static OptionalDouble rate(List<Point> inside, WindowRange range) {
        if (inside.size() < 2) {
            return OptionalDouble.empty();
        }
        Point first = inside.get(0);
        Point last = inside.get(inside.size() - 1);
        if (last.timestampMs() == first.timestampMs()) {
            return OptionalDouble.empty();
        }
        double increase = last.value() - first.value();
        for (int i = 1; i < inside.size(); i++) {
            double previous = inside.get(i - 1).value();
            if (inside.get(i).value() < previous) {
                increase += previous;
            }
        }
        double durationToStart = (first.timestampMs() - range.startExclusiveMs()) / 1000.0;
        double durationToEnd = (range.endInclusiveMs() - last.timestampMs()) / 1000.0;
        double sampledInterval = (last.timestampMs() - first.timestampMs()) / 1000.0;
        double averageInterval = sampledInterval / (inside.size() - 1);
        double threshold = averageInterval * 1.1;
        if (durationToStart >= threshold) {
            durationToStart = averageInterval / 2;
        }
        if (increase > 0 && first.value() >= 0) {
            double durationToZero = sampledInterval * (first.value() / increase);
            if (durationToZero < durationToStart) {
                durationToStart = durationToZero;
            }
        }
        if (durationToEnd >= threshold) {
            durationToEnd = averageInterval / 2;
        }
        double factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
        return OptionalDouble.of(increase * factor / (range.lengthMs() / 1000.0));
    }

    /**
     * Prometheus's {@code deriv()}: the slope, per second, of the least-squares line through the points (time in
     * seconds relative to the first point, for precision, as Prometheus does).
     *
     * @return empty with fewer than two points, or when all points share one timestamp
     */
    public static OptionalDouble deriv(List<Point> inside) {
        if (inside.size() < 2) {
            return OptionalDouble.empty();
        }
        long t0 = inside.get(0).timestampMs();
        double n = inside.size();
        double sumX = 0;
        double sumY = 0;
        double sumXY = 0;
        double sumX2 = 0;
        for (Point p : inside) {
            double x = (p.timestampMs() - t0) / 1000.0;
            sumX += x;
            sumY += p.value();
            sumXY += x * p.value();
            sumX2 += x * x;
        }
        double covXY = sumXY - sumX * sumY / n;
        double varX = sumX2 - sumX * sumX / n;
        if (varX == 0) {
            return OptionalDouble.empty();
        }
        return OptionalDouble.of(covXY / varX);
    }

    private static OptionalDouble reduce(Aggregate aggregate, List<Point> in) {
        if (in.isEmpty()) {
            return OptionalDouble.empty();
        }
        switch (aggregate) {
            case COUNT:
                return OptionalDouble.of(in.size());
            case LAST:
                return OptionalDouble.of(in.get(in.size() - 1).value());
            case SUM:
            case AVG: {
                double sum = 0;
                for (Point p : in) {
                    sum += p.value();
                }
                return OptionalDouble.of(aggregate == Aggregate.SUM ? sum : sum / in.size());
            }
            case MIN:
            case MAX: {
                double best = in.get(0).value();
                for (Point p : in) {
                    double v = p.value();
                    boolean better = aggregate == Aggregate.MIN ? v < best : v > best;
                    if (better || Double.isNaN(best)) {
                        best = v;
                    }
                }
                return OptionalDouble.of(best);
            }
            default:
                throw new IllegalArgumentException(aggregate + " is not a reduction");
        }
    }

    /** The points of {@code points} (in time order) inside {@code range}. */
    static List<Point> inside(List<Point> points, WindowRange range) {
        int from = 0;
        while (from < points.size() && points.get(from).timestampMs() <= range.startExclusiveMs()) {
            from++;
        }
        int to = points.size();
        while (to > from && points.get(to - 1).timestampMs() > range.endInclusiveMs()) {
            to--;
        }
        return points.subList(from, to);
    }
}
