package io.dams.notifier.testing;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Severity;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** Notifications as the alerting job writes them, for tests. */
public final class Notifications {

    public static final Instant CREATED = Instant.parse("2025-03-01T10:15:30.250Z");
    public static final Instant STARTED = Instant.parse("2025-03-01T10:10:00Z");

    private Notifications() {
    }

    /** A firing group of two alerts in region eu-west-1 of rule high-cpu-warning. */
    public static Notification firing(String id, List<String> channels) {
        return Notification.newBuilder()
                .setNotificationId(id)
                .setGroupKey("high-cpu-warning/region=eu-west-1")
                .setStatus(NotificationStatus.FIRING)
                .setRuleName("high-cpu-warning")
                .setSeverity(Severity.WARNING)
                .setGroupLabels(Map.of("region", "eu-west-1"))
                .setChannels(channels)
                .setAlerts(List.of(
                        alert("3f2a9c01", AlertState.FIRING, "web-1", 93.5, null),
                        alert("7b1e4d02", AlertState.FIRING, "web-2", 91.25, null)))
                .setCreatedAt(CREATED.toEpochMilli())
                .build();
    }

    /** The same group, resolved. */
    public static Notification resolved(String id, List<String> channels) {
        Notification n = firing(id, channels);
        n.setStatus(NotificationStatus.RESOLVED);
        n.setAlerts(List.of(
                alert("3f2a9c01", AlertState.RESOLVED, "web-1", 42.0, CREATED.toEpochMilli()),
                alert("7b1e4d02", AlertState.RESOLVED, "web-2", 40.0, CREATED.toEpochMilli())));
        return n;
    }

    /** A notification of its own group (so that groups do not wait for each other). */
    public static Notification ofGroup(String id, String groupKey, List<String> channels) {
        Notification n = firing(id, channels);
        n.setGroupKey(groupKey);
        return n;
    }

    public static NotifiedAlert alert(String id, AlertState state, String asset, Double value, Long endsAt) {
        return NotifiedAlert.newBuilder()
                .setAlertId(id)
                .setState(state)
                .setLabels(Map.of("asset_id", asset, "region", "eu-west-1"))
                .setAnnotations(Map.of("summary", "CPU above 90% on " + asset, "runbook", "https://runbooks/cpu"))
                .setStartsAt(STARTED.toEpochMilli())
                .setEndsAt(endsAt)
                .setValue(value)
                .build();
    }
}
