package io.dams.streams.rules;

import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The state of one group of one {@code by (...)} rule, written when the group is evaluated: an entry of the
 * {@code rule-group-alerts} store.
 *
 * @param lastEventMs newest sample time of the group's series
 * @param clockMs     event time of the last evaluation
 * @param alert       the group's alert, null when it is inactive
 */
record GroupAlert(String ruleName, SortedMap<String, String> groupLabels, long lastEventMs, long clockMs,
                  AlertEntry alert) {

    GroupAlert {
        groupLabels = new TreeMap<>(groupLabels);
    }

    static final class Serde extends StateSerde<GroupAlert> {

        Serde() {
            super(1, "alert group");
        }

        @Override
        protected void write(GroupAlert value, StateOutput out) {
            writeString(out, value.ruleName);
            writeMap(out, value.groupLabels);
            out.writeLong(value.lastEventMs);
            out.writeLong(value.clockMs);
            out.writeBoolean(value.alert != null);
            if (value.alert != null) {
                value.alert.write(out);
            }
        }

        @Override
        protected GroupAlert read(ByteBuffer in, int format) throws IOException {
            String rule = readString(in);
            TreeMap<String, String> labels = new TreeMap<>(readMap(in));
            long lastEvent = in.getLong();
            long clock = in.getLong();
            AlertEntry alert = in.get() != 0 ? AlertEntry.read(in) : null;
            return new GroupAlert(rule, labels, lastEvent, clock, alert);
        }
    }
}
