package io.dams.streams.rules;

import io.dams.rules.AlertRule;
import io.dams.schemas.avro.Severity;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalDouble;

/**
 * What a transition says about the rule behind an alert, as the rule was (for the alert's region) when the alert
 * last moved. Kept with every alert that has been active, so that a rule deleted while the job was down still
 * resolves its alerts with full transitions.
 *
 * @param condition the effective condition text (a region's threshold override rendered in)
 * @param threshold the effective threshold, when the condition has exactly one
 */
record AlertFacts(Severity severity, String condition, OptionalDouble threshold, List<String> channels,
                  Map<String, String> annotations) {

    AlertFacts {
        channels = List.copyOf(channels);
        annotations = Map.copyOf(annotations);
    }

    /** The facts of a rule as {@link AlertRule#effective} made it for a region. */
    static AlertFacts of(AlertRule effective) {
        return new AlertFacts(effective.severity(), effective.conditionText(), effective.threshold(),
                effective.channels(), effective.annotations());
    }

    void write(StateOutput out) {
        StateSerde.writeString(out, severity.name());
        StateSerde.writeString(out, condition);
        out.writeBoolean(threshold.isPresent());
        if (threshold.isPresent()) {
            out.writeDouble(threshold.getAsDouble());
        }
        out.writeInt(channels.size());
        for (String channel : channels) {
            StateSerde.writeString(out, channel);
        }
        StateSerde.writeMap(out, annotations);
    }

    static AlertFacts read(ByteBuffer in) throws IOException {
        Severity severity = Severity.valueOf(StateSerde.readString(in));
        String condition = StateSerde.readString(in);
        OptionalDouble threshold = in.get() != 0 ? OptionalDouble.of(in.getDouble()) : OptionalDouble.empty();
        int n = in.getInt();
        if (n < 0 || n > in.remaining() / 4) {
            throw new IOException("channel count " + n + " with " + in.remaining() + " bytes left");
        }
        List<String> channels = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            channels.add(StateSerde.readString(in));
        }
        return new AlertFacts(severity, condition, threshold, channels, StateSerde.readMap(in));
    }
}
