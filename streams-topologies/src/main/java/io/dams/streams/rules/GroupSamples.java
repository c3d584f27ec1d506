package io.dams.streams.rules;

import io.dams.streams.state.SeriesKeyCodec;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * One asset's samples for one group of one {@code by (...)} rule, from one batch: the record of the
 * {@code rule-groups} repartition topic, keyed by {@link #key(String, String)}.
 *
 * @param groupLabels the group's labels ({@code {region="eu-west-1"}})
 * @param series      the asset's selected series with the batch's points
 */
record GroupSamples(String ruleName, SortedMap<String, String> groupLabels, List<SeriesPoints> series) {

    GroupSamples {
        groupLabels = new TreeMap<>(groupLabels);
        series = List.copyOf(series);
    }

    /** The repartition key, and the prefix of the group's entries in the group stores. */
    static String key(String ruleName, String groupKey) {
        return ruleName + '\0' + groupKey + '\0';
    }

    static final class Serde extends StateSerde<GroupSamples> {

        private final SeriesKeyCodec keys = new SeriesKeyCodec();

        Serde() {
            super(1, "samples of an alert group");
        }

        @Override
        protected void write(GroupSamples value, StateOutput out) {
            writeString(out, value.ruleName);
            writeMap(out, value.groupLabels);
            out.writeInt(value.series.size());
            for (SeriesPoints s : value.series) {
                SeriesPoints.write(out, keys, s);
            }
        }

        @Override
        protected GroupSamples read(ByteBuffer in, int format) throws IOException {
            String rule = readString(in);
            Map<String, String> labels = readMap(in);
            int n = AssetRules.count(in);
            List<SeriesPoints> series = new ArrayList<>(n);
            for (int i = 0; i < n; i++) {
                series.add(SeriesPoints.read(in, keys));
            }
            return new GroupSamples(rule, new TreeMap<>(labels), series);
        }
    }
}
