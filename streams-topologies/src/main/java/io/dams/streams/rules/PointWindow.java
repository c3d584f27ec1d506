package io.dams.streams.rules;

import io.dams.rules.eval.Point;
import io.dams.streams.state.StateOutput;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;

/**
 * The points of one series kept for rule windows: in time order, one per timestamp (a repeated timestamp replaces
 * the value, as a replayed sample would), bounded by a horizon and a count.
 */
final class PointWindow {

    private PointWindow() {
    }

    /** Puts {@code p} in time order; a point with the same timestamp is replaced. */
    static void insert(List<Point> points, Point p) {
        int i = points.size();
        while (i > 0 && points.get(i - 1).timestampMs() > p.timestampMs()) {
            i--;
        }
        if (i > 0 && points.get(i - 1).timestampMs() == p.timestampMs()) {
            points.set(i - 1, p);
        } else {
            points.add(i, p);
        }
    }

    /** Removes the points at or before {@code horizonMs}, which no window ending at or after it can see. */
    static int dropUpTo(List<Point> points, long horizonMs) {
        int n = 0;
        while (n < points.size() && points.get(n).timestampMs() <= horizonMs) {
            n++;
        }
        points.subList(0, n).clear();
        return n;
    }

    /** Keeps the newest {@code max} points; returns how many older ones went. */
    static int keepNewest(List<Point> points, int max) {
        int over = points.size() - max;
        if (over <= 0) {
            return 0;
        }
        points.subList(0, over).clear();
        return over;
    }

    static void write(StateOutput out, List<Point> points) {
        out.writeInt(points.size());
        for (Point p : points) {
            out.writeLong(p.timestampMs());
            out.writeDouble(p.value());
        }
    }

    static List<Point> read(ByteBuffer in) throws IOException {
        int n = in.getInt();
        if (n < 0 || n > in.remaining() / 16) {
            throw new IOException("point count " + n + " with " + in.remaining() + " bytes left");
        }
        List<Point> points = new ArrayList<>(n + 1);
        for (int i = 0; i < n; i++) {
            points.add(new Point(in.getLong(), in.getDouble()));
        }
        return points;
    }
}
