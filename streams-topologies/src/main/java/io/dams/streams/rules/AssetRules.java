package io.dams.streams.rules;

import io.dams.rules.eval.Point;
import io.dams.rules.eval.Series;
import io.dams.streams.SeriesKey;
import io.dams.streams.state.SeriesKeyCodec;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the rules job keeps per asset (one store entry, written once per batch): the recent points of the series that
 * some per-asset rule selects, and the state of each of its alerts that has been active. Working state of one
 * processor call: mutable, read from the store, changed, written back.
 */
final class AssetRules {

    /** No evaluation yet. */
    static final long NEVER = Long.MIN_VALUE;

    /** The asset's region as its last batch said (for per-region overrides); null before the first. */
    String region;
    /** Event time of the newest batch. */
    long lastEventMs = NEVER;
    /** Event time of the last evaluation; evaluations never go back in time. */
    long clockMs = NEVER;
    /** Wall clock when the last batch was processed. */
    long lastArrivalMs;
    /** Series (name and the labels rules see, asset_id and region included) → points in time order. */
    final Map<SeriesKey, List<Point>> series = new TreeMap<>();
    /** Rule name → its alert for this asset. */
    final Map<String, AlertEntry> alerts = new TreeMap<>();

    /** The series as the evaluator takes them. */
    List<Series> seriesForEvaluation() {
        List<Series> out = new ArrayList<>(series.size());
        series.forEach((key, points) -> out.add(new Series(key.name(), key.labels(), points)));
        return out;
    }

    static final class Serde extends StateSerde<AssetRules> {

        private final SeriesKeyCodec keys = new SeriesKeyCodec();

        Serde() {
            super(1, "rule state of an asset");
        }

        @Override
        protected void write(AssetRules value, StateOutput out) {
            writeNullableString(out, value.region);
            out.writeLong(value.lastEventMs);
            out.writeLong(value.clockMs);
            out.writeLong(value.lastArrivalMs);
            out.writeInt(value.series.size());
            value.series.forEach((key, points) -> {
                keys.write(out, key);
                PointWindow.write(out, points);
            });
            out.writeInt(value.alerts.size());
            value.alerts.forEach((rule, alert) -> {
                writeString(out, rule);
                alert.write(out);
            });
        }

        @Override
        protected AssetRules read(ByteBuffer in, int format) throws IOException {
            AssetRules state = new AssetRules();
            state.region = readNullableString(in);
            state.lastEventMs = in.getLong();
            state.clockMs = in.getLong();
            state.lastArrivalMs = in.getLong();
            int series = count(in);
            for (int i = 0; i < series; i++) {
                state.series.put(keys.read(in), PointWindow.read(in));
            }
            int alerts = count(in);
            for (int i = 0; i < alerts; i++) {
                state.alerts.put(readString(in), AlertEntry.read(in));
            }
            return state;
        }
    }

    static int count(ByteBuffer in) throws IOException {
        int n = in.getInt();
        if (n < 0 || n > in.remaining()) {
            throw new IOException("count " + n + " with " + in.remaining() + " bytes left");
        }
        return n;
    }
}
