package io.dams.streams.rules;

import io.dams.rules.eval.Point;
import io.dams.streams.SeriesKey;
import io.dams.streams.state.SeriesKeyCodec;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.List;

/**
 * Points of one series (name and the labels rules see, asset_id included), in time order: an entry of the
 * {@code rule-group-series} store.
 */
record SeriesPoints(SeriesKey key, List<Point> points) {

    /**
     * The series' id inside its group's key range: name and labels, quoted so that no two series share one.
     */
    String id() {
        StringBuilder s = new StringBuilder(key.name()).append('{');
        for (int i = 0; i < key.labelCount(); i++) {
            if (i > 0) {
                s.append(',');
            }
            s.append(key.labelName(i)).append("=\"")
                    .append(key.labelValue(i).replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
        }
        return s.append('}').toString();
    }

    static void write(StateOutput out, SeriesKeyCodec keys, SeriesPoints series) {
        keys.write(out, series.key);
        PointWindow.write(out, series.points);
    }

    static SeriesPoints read(ByteBuffer in, SeriesKeyCodec keys) throws IOException {
        return new SeriesPoints(keys.read(in), PointWindow.read(in));
    }

    static final class Serde extends StateSerde<SeriesPoints> {

        private final SeriesKeyCodec keys = new SeriesKeyCodec();

        Serde() {
            super(1, "series points of an alert group");
        }

        @Override
        protected void write(SeriesPoints value, StateOutput out) {
            SeriesPoints.write(out, keys, value);
        }

        @Override
        protected SeriesPoints read(ByteBuffer in, int format) throws IOException {
            return SeriesPoints.read(in, keys);
        }
    }
}
