package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.AlertTransition;
import io.dams.schemas.avro.Severity;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * What the alerting job knows of one alert: its newest state and the fields of the transition that brought it there.
 * The value of the active-alerts store and of the records re-keyed to the alert's group.
 *
 * @param activeSince when the condition became true (for a resolved alert: when the episode that resolved began)
 * @param firingSince when it started firing; null unless firing or resolved after firing
 * @param resolvedAt  when it resolved; null unless resolved
 * @param updatedAt   event time of the newest transition ({@code at})
 */
public record ActiveAlert(String alertId, String ruleName, Severity severity, AlertState state,
                          Map<String, String> groupLabels, String assetId, String region, long activeSince,
                          Long firingSince, Long resolvedAt, Double value, Double threshold, String condition,
                          List<String> channels, Map<String, String> annotations, long updatedAt) {

    /** The label of the rule's name in an alert's labels, as in Prometheus. */
    public static final String ALERTNAME = "alertname";

    /** The alert after {@code transition}, given what was known before (null: nothing). */
    static ActiveAlert after(AlertTransition transition, ActiveAlert previous) {
        AlertState to = transition.getToState();
        long at = transition.getAt();
        boolean wasActive = previous != null
                && (previous.state == AlertState.PENDING || previous.state == AlertState.FIRING);
        long activeSince = transition.getActiveSince() != null ? transition.getActiveSince()
                : wasActive ? previous.activeSince : at;
        Long firingSince = switch (to) {
            case FIRING -> previous != null && previous.state == AlertState.FIRING ? previous.firingSince : at;
            case RESOLVED -> previous != null && previous.state == AlertState.FIRING ? previous.firingSince : null;
            default -> null;
        };
        return new ActiveAlert(transition.getAlertId(), transition.getRuleName(), transition.getSeverity(), to,
                sorted(transition.getGroupLabels()), transition.getAssetId(), transition.getRegion(), activeSince,
                firingSince, to == AlertState.RESOLVED ? at : null, transition.getValue(), transition.getThreshold(),
                transition.getCondition(), List.copyOf(transition.getChannels()), sorted(transition.getAnnotations()),
                at);
    }

    /**
     * The labels silences match and notifications carry: the group labels, {@code asset_id} and {@code region} when
     * the alert has them, the rule as {@code alertname} and the severity in lower case.
     */
    public Map<String, String> labels() {
        TreeMap<String, String> labels = new TreeMap<>(groupLabels);
        if (assetId != null) {
            labels.put("asset_id", assetId);
        }
        if (region != null) {
            labels.put("region", region);
        }
        labels.put(ALERTNAME, ruleName);
        labels.put("severity", severityName());
        return labels;
    }

    /** {@code info}, {@code warning} or {@code critical}. */
    public String severityName() {
        return severity.name().toLowerCase(Locale.ROOT);
    }

    /** Whether the alert is firing or pending: it stays in the store until it resolves or goes inactive. */
    boolean active() {
        return state == AlertState.FIRING || state == AlertState.PENDING;
    }

    private static Map<String, String> sorted(Map<String, String> map) {
        return map == null ? Map.of() : new TreeMap<>(map);
    }

    static final class Serde extends StateSerde<ActiveAlert> {

        Serde() {
            super(1, "active alert");
        }

        @Override
        protected void write(ActiveAlert a, StateOutput out) {
            writeString(out, a.alertId);
            writeString(out, a.ruleName);
            writeString(out, a.severity.name());
            writeString(out, a.state.name());
            writeMap(out, a.groupLabels);
            writeNullableString(out, a.assetId);
            writeNullableString(out, a.region);
            out.writeLong(a.activeSince);
            writeNullableLong(out, a.firingSince);
            writeNullableLong(out, a.resolvedAt);
            writeNullableDouble(out, a.value);
            writeNullableDouble(out, a.threshold);
            writeNullableString(out, a.condition);
            out.writeInt(a.channels.size());
            for (String channel : a.channels) {
                writeString(out, channel);
            }
            writeMap(out, a.annotations);
            out.writeLong(a.updatedAt);
        }

        @Override
        protected ActiveAlert read(ByteBuffer in, int format) throws IOException {
            String alertId = readString(in);
            String ruleName = readString(in);
            Severity severity = Severity.valueOf(readString(in));
            AlertState state = AlertState.valueOf(readString(in));
            Map<String, String> groupLabels = new TreeMap<>(readMap(in));
            String assetId = readNullableString(in);
            String region = readNullableString(in);
            long activeSince = in.getLong();
            Long firingSince = readNullableLong(in);
            Long resolvedAt = readNullableLong(in);
            Double value = readNullableDouble(in);
            Double threshold = readNullableDouble(in);
            String condition = readNullableString(in);
            int channelCount = in.getInt();
            if (channelCount < 0 || channelCount > in.remaining() / 4) {
                throw new IOException("channel count " + channelCount + " with " + in.remaining() + " bytes left");
            }
            List<String> channels = new ArrayList<>(channelCount);
            for (int i = 0; i < channelCount; i++) {
                channels.add(readString(in));
            }
            Map<String, String> annotations = new TreeMap<>(readMap(in));
            return new ActiveAlert(alertId, ruleName, severity, state, groupLabels, assetId, region, activeSince,
                    firingSince, resolvedAt, value, threshold, condition, List.copyOf(channels), annotations,
                    in.getLong());
        }

        static void writeNullableLong(StateOutput out, Long v) {
            out.writeBoolean(v != null);
            if (v != null) {
                out.writeLong(v);
            }
        }

        static Long readNullableLong(ByteBuffer in) {
            return in.get() != 0 ? in.getLong() : null;
        }

        static void writeNullableDouble(StateOutput out, Double v) {
            out.writeBoolean(v != null);
            if (v != null) {
                out.writeDouble(v);
            }
        }

        static Double readNullableDouble(ByteBuffer in) {
            return in.get() != 0 ? in.getDouble() : null;
        }
    }
}
