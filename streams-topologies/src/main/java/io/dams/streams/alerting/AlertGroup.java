package io.dams.streams.alerting;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Severity;
import io.dams.streams.state.StateOutput;
import io.dams.streams.state.StateSerde;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * One alert group (rule × region, or rule × group labels for alerts without a region) as the grouping step keeps it:
 * its alerts and what its receivers were last told. The working state of {@link AlertGrouper}, mutable, one instance
 * per store read.
 *
 * <p>An alert's {@code notified} flag says that the last notification carrying it said it fires and nothing has told
 * otherwise since; a silence clears it, so that an alert muted and later un-muted is announced again.
 */
final class AlertGroup {

    /** Characters that make a label value quoted in a group key, so that two groups never share a key. */
    private static final Pattern PLAIN_VALUE = Pattern.compile("[A-Za-z0-9_.:@+-]+");

    /** One alert of the group. */
    static final class Member {
        ActiveAlert alert;
        boolean notified;
        boolean muted;

        Member(ActiveAlert alert, boolean notified, boolean muted) {
            this.alert = alert;
            this.notified = notified;
            this.muted = muted;
        }

        boolean firing() {
            return alert.state() == AlertState.FIRING;
        }
    }

    final String key;
    String ruleName;
    Severity severity;
    Map<String, String> labels;
    List<String> channels;
    /** The alert and event time that started this group: with the count sent, they make notification ids. */
    final String firstAlertId;
    final long firstAt;
    /** Wall clock when the group started. */
    final long createdAt;
    /** Wall clock of the last notification; -1 before the first. */
    long lastNotifiedAt;
    /** Notifications sent for this group. */
    int sent;
    final TreeMap<String, Member> members;

    private AlertGroup(String key, String ruleName, Severity severity, Map<String, String> labels,
                       List<String> channels, String firstAlertId, long firstAt, long createdAt, long lastNotifiedAt,
                       int sent, TreeMap<String, Member> members) {
        this.key = key;
        this.ruleName = ruleName;
        this.severity = severity;
        this.labels = labels;
        this.channels = channels;
        this.firstAlertId = firstAlertId;
        this.firstAt = firstAt;
        this.createdAt = createdAt;
        this.lastNotifiedAt = lastNotifiedAt;
        this.sent = sent;
        this.members = members;
    }

    /** A new group, started at {@code now} (wall clock) by a firing alert. */
    static AlertGroup start(String key, ActiveAlert first, long now) {
        return new AlertGroup(key, first.ruleName(), first.severity(), labelsOf(first), first.channels(),
                first.alertId(), first.updatedAt(), now, -1, 0, new TreeMap<>());
    }

    /** The labels that group alerts: {@code region} when the alert has one, else its own group labels. */
    static Map<String, String> labelsOf(ActiveAlert alert) {
        return alert.region() != null && !alert.region().isEmpty()
                ? Map.of("region", alert.region()) : new TreeMap<>(alert.groupLabels());
    }

    /** The group's key: the rule, then its grouping labels, e.g. {@code high-cpu/region=eu-west-1}. */
    static String keyOf(ActiveAlert alert) {
        StringBuilder key = new StringBuilder(alert.ruleName()).append('/');
        boolean first = true;
        for (Map.Entry<String, String> e : new TreeMap<>(labelsOf(alert)).entrySet()) {
            if (!first) {
                key.append(',');
            }
            first = false;
            key.append(e.getKey()).append('=');
            String value = e.getValue();
            if (PLAIN_VALUE.matcher(value).matches()) {
                key.append(value);
            } else {
                key.append('"').append(value.replace("\\", "\\\\").replace("\"", "\\\"")).append('"');
            }
        }
        return key.toString();
    }

    /**
     * Takes an alert's new state into the group: a firing alert joins (or fires again), a resolved one is marked
     * resolved, an alert that left firing without a resolution seen counts as resolved; anything about an alert that
     * is not a member, other than firing, is ignored, as is an update older than what the group holds.
     *
     * @return whether the group changed
     */
    boolean take(ActiveAlert alert) {
        Member member = members.get(alert.alertId());
        if (member != null && alert.updatedAt() < member.alert.updatedAt()) {
            return false;
        }
        switch (alert.state()) {
            case FIRING -> {
                if (member == null) {
                    members.put(alert.alertId(), new Member(alert, false, false));
                } else {
                    member.alert = alert;
                }
                ruleName = alert.ruleName();
                severity = alert.severity();
                channels = alert.channels();
                return true;
            }
            case RESOLVED -> {
                if (member == null) {
                    return false;
                }
                member.alert = alert;
                return true;
            }
            default -> {
                if (member == null || !member.firing()) {
                    return false;
                }
                ActiveAlert a = member.alert;
                member.alert = new ActiveAlert(a.alertId(), a.ruleName(), a.severity(), AlertState.RESOLVED,
                        a.groupLabels(), a.assetId(), a.region(), a.activeSince(), a.firingSince(),
                        alert.updatedAt(), a.value(), a.threshold(), a.condition(), a.channels(), a.annotations(),
                        alert.updatedAt());
                return true;
            }
        }
    }

    /**
     * Applies what the active silences say now: a muted alert's flag is cleared (its receivers will hear of it again
     * once it is un-muted); a muted resolved alert and a resolved one that was never announced leave the group.
     *
     * @return how many alerts became muted
     */
    int applySilences(List<SilenceMatcher> active) {
        int newlyMuted = 0;
        for (Iterator<Member> it = members.values().iterator(); it.hasNext(); ) {
            Member m = it.next();
            boolean muted = !Silences.muting(active, m.alert).isEmpty();
            if (muted && !m.muted) {
                newlyMuted++;
            }
            m.muted = muted;
            if (muted) {
                m.notified = false;
            }
            if (!m.firing() && !m.notified) {
                it.remove();
            }
        }
        return newlyMuted;
    }

    /** Whether there is something receivers have not been told: an alert firing unannounced, or one resolved. */
    boolean changed() {
        // A firing alert not announced, or an announced one that resolved (unannounced resolved ones have left).
        return members.values().stream().anyMatch(m -> !m.muted && m.firing() != m.notified);
    }

    boolean anyFiringUnmuted() {
        return members.values().stream().anyMatch(m -> !m.muted && m.firing());
    }

    /**
     * When the next notification is due (wall clock), after {@link #applySilences}: a new group's first after
     * {@code groupWait}; a change {@code groupInterval} after the last notification; an unchanged firing group
     * {@code repeatInterval} after it. {@code Long.MAX_VALUE} when nothing is to be sent.
     */
    long dueAt(long groupWait, long groupInterval, long repeatInterval) {
        boolean changed = changed();
        if (lastNotifiedAt < 0) {
            return changed ? createdAt + groupWait : Long.MAX_VALUE;
        }
        if (changed) {
            return lastNotifiedAt + groupInterval;
        }
        return anyFiringUnmuted() ? lastNotifiedAt + repeatInterval : Long.MAX_VALUE;
    }

    /**
     * The notification of the group as it is now, and the group after it: its firing alerts are announced, its
     * resolved ones leave. Muted alerts are left out.
     */
    Notification notify(long now) {
        List<NotifiedAlert> alerts = new ArrayList<>();
        boolean firing = false;
        for (Iterator<Member> it = members.values().iterator(); it.hasNext(); ) {
            Member m = it.next();
            if (m.muted || (!m.firing() && !m.notified)) {
                continue;
            }
            alerts.add(notified(m.alert));
            if (m.firing()) {
                firing = true;
                m.notified = true;
            } else {
                it.remove();
            }
        }
        sent++;
        lastNotifiedAt = now;
        return Notification.newBuilder()
                .setNotificationId(notificationId(key, firstAlertId, firstAt, sent))
                .setGroupKey(key)
                .setStatus(firing ? NotificationStatus.FIRING : NotificationStatus.RESOLVED)
                .setRuleName(ruleName)
                .setSeverity(severity)
                .setGroupLabels(new TreeMap<>(labels))
                .setChannels(new ArrayList<>(channels))
                .setAlerts(alerts)
                .setCreatedAt(now)
                .build();
    }

    private static NotifiedAlert notified(ActiveAlert a) {
        return NotifiedAlert.newBuilder()
                .setAlertId(a.alertId())
                .setState(a.state() == AlertState.FIRING ? AlertState.FIRING : AlertState.RESOLVED)
                .setLabels(a.labels())
                .setAnnotations(new TreeMap<>(a.annotations()))
                .setStartsAt(a.firingSince() != null ? a.firingSince() : a.activeSince())
                .setEndsAt(a.state() == AlertState.FIRING ? null : a.resolvedAt())
                .setValue(a.value())
                .build();
    }

    /**
     * A notification's id: a function of the group, the alert and event time that started this episode of it, and
     * the notification's number in the episode, so that processing the same transitions again gives the same ids and
     * a group that ends and starts again later does not reuse them. 32 hex digits.
     */
    static String notificationId(String groupKey, String firstAlertId, long firstAt, int number) {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            sha.update((groupKey + "\n" + firstAlertId + "\n" + firstAt + "\n" + number)
                    .getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(sha.digest(), 0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JVM has SHA-256", e);
        }
    }

    boolean isEmpty() {
        return members.isEmpty();
    }

    static final class Serde extends StateSerde<AlertGroup> {

        private final ActiveAlert.Serde alerts = new ActiveAlert.Serde();

        Serde() {
            super(1, "alert group");
        }

        @Override
        protected void write(AlertGroup g, StateOutput out) {
            writeString(out, g.key);
            writeString(out, g.ruleName);
            writeString(out, g.severity.name());
            writeMap(out, g.labels);
            out.writeInt(g.channels.size());
            for (String channel : g.channels) {
                writeString(out, channel);
            }
            writeString(out, g.firstAlertId);
            out.writeLong(g.firstAt);
            out.writeLong(g.createdAt);
            out.writeLong(g.lastNotifiedAt);
            out.writeInt(g.sent);
            out.writeInt(g.members.size());
            for (Member m : g.members.values()) {
                alerts.write(m.alert, out);
                out.writeBoolean(m.notified);
                out.writeBoolean(m.muted);
            }
        }

        @Override
        protected AlertGroup read(ByteBuffer in, int format) throws IOException {
            String key = readString(in);
            String ruleName = readString(in);
            Severity severity = Severity.valueOf(readString(in));
            Map<String, String> labels = new TreeMap<>(readMap(in));
            int channelCount = in.getInt();
            if (channelCount < 0 || channelCount > in.remaining() / 4) {
                throw new IOException("channel count " + channelCount + " with " + in.remaining() + " bytes left");
            }
            List<String> channels = new ArrayList<>(channelCount);
            for (int i = 0; i < channelCount; i++) {
                channels.add(readString(in));
            }
            String firstAlertId = readString(in);
            long firstAt = in.getLong();
            long createdAt = in.getLong();
            long lastNotifiedAt = in.getLong();
            int sent = in.getInt();
            int count = in.getInt();
            if (count < 0 || count > in.remaining()) {
                throw new IOException("member count " + count + " with " + in.remaining() + " bytes left");
            }
            TreeMap<String, Member> members = new TreeMap<>();
            for (int i = 0; i < count; i++) {
                ActiveAlert alert = alerts.read(in, 1);
                members.put(alert.alertId(), new Member(alert, in.get() != 0, in.get() != 0));
            }
            return new AlertGroup(key, ruleName, severity, labels, List.copyOf(channels), firstAlertId, firstAt,
                    createdAt, lastNotifiedAt, sent, members);
        }
    }
}
