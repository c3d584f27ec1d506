package io.dams.notifier.channel;

import io.dams.schemas.avro.AlertState;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * How a notification reads in every channel, after Alertmanager's default templates: the title
 * {@code [FIRING:2] high-cpu-warning (region=eu-west-1)}, alert labels with {@code alertname} and {@code severity},
 * RFC 3339 times, and links into DAMS.
 */
public final class NotificationText {

    /** Alertmanager's {@code endsAt} of an alert that has not ended: Go's zero time. */
    public static final String NOT_ENDED = "0001-01-01T00:00:00Z";

    private NotificationText() {
    }

    /** {@code firing} or {@code resolved}. */
    public static String status(Notification n) {
        return n.getStatus() == NotificationStatus.RESOLVED ? "resolved" : "firing";
    }

    /** An alert's {@code firing} or {@code resolved}; pending and inactive count as resolved, as nothing fires. */
    public static String status(NotifiedAlert alert) {
        return alert.getState() == AlertState.FIRING ? "firing" : "resolved";
    }

    public static boolean firing(NotifiedAlert alert) {
        return alert.getState() == AlertState.FIRING;
    }

    public static long firingCount(Notification n) {
        return n.getAlerts().stream().filter(NotificationText::firing).count();
    }

    /** {@code [FIRING:2] high-cpu-warning (region=eu-west-1)} or {@code [RESOLVED] high-cpu-warning (...)}. */
    public static String title(Notification n) {
        String state = n.getStatus() == NotificationStatus.RESOLVED
                ? "[RESOLVED]"
                : "[FIRING:" + firingCount(n) + "]";
        String labels = labelText(n.getGroupLabels());
        return state + " " + n.getRuleName() + (labels.isEmpty() ? "" : " (" + labels + ")");
    }

    /** {@code k1=v1 k2=v2}, sorted by name. */
    public static String labelText(Map<String, String> labels) {
        return new TreeMap<>(labels).entrySet().stream()
                .map(e -> e.getKey() + "=" + e.getValue())
                .collect(Collectors.joining(" "));
    }

    /** The severity as Alertmanager users write it: {@code critical}, {@code warning}, {@code info}. */
    public static String severity(Notification n) {
        return n.getSeverity().name().toLowerCase(Locale.ROOT);
    }

    /**
     * An alert's labels as receivers expect them: its own, plus {@code alertname} (the rule) and {@code severity} when
     * it does not carry them, sorted by name.
     */
    public static Map<String, String> labels(Notification n, NotifiedAlert alert) {
        Map<String, String> labels = new TreeMap<>(alert.getLabels());
        labels.putIfAbsent("alertname", n.getRuleName());
        labels.putIfAbsent("severity", severity(n));
        return labels;
    }

    /** The labels every alert of the notification carries with the same value (Alertmanager's commonLabels). */
    public static Map<String, String> commonLabels(Notification n) {
        return common(n.getAlerts().stream().map(a -> labels(n, a)).toList());
    }

    /** The annotations every alert carries with the same value (Alertmanager's commonAnnotations). */
    public static Map<String, String> commonAnnotations(Notification n) {
        return common(n.getAlerts().stream().map(a -> (Map<String, String>) new TreeMap<>(a.getAnnotations())).toList());
    }

    private static Map<String, String> common(List<Map<String, String>> maps) {
        if (maps.isEmpty()) {
            return Map.of();
        }
        Map<String, String> common = new TreeMap<>(maps.get(0));
        for (Map<String, String> m : maps.subList(1, maps.size())) {
            common.entrySet().removeIf(e -> !e.getValue().equals(m.get(e.getKey())));
        }
        return common;
    }

    /** RFC 3339 in UTC with the milliseconds when there are any, e.g. {@code 2025-01-31T10:00:00.250Z}. */
    public static String time(long epochMillis) {
        return Instant.ofEpochMilli(epochMillis).toString();
    }

    /** An alert's end, or {@link #NOT_ENDED} while it has not ended. */
    public static String endsAt(NotifiedAlert alert) {
        return alert.getEndsAt() == null ? NOT_ENDED : time(alert.getEndsAt());
    }

    /** The alert's page in the DAMS API, e.g. {@code https://dams.example/api/v2/alerts/3f2a9c}; empty without a base. */
    public static String alertUrl(String externalUrl, NotifiedAlert alert) {
        return externalUrl.isEmpty() ? "" : trimSlash(externalUrl) + "/api/v2/alerts/" + alert.getAlertId();
    }

    static String trimSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** One line per alert: {@code firing 3f2a9c asset_id=a1 region=eu (value 93.5) since 2025-...}. */
    public static String alertLine(Notification n, NotifiedAlert alert) {
        Map<String, String> own = new LinkedHashMap<>(new TreeMap<>(alert.getLabels()));
        StringBuilder line = new StringBuilder()
                .append(status(alert)).append(' ').append(alert.getAlertId());
        if (!own.isEmpty()) {
            line.append(' ').append(labelText(own));
        }
        if (alert.getValue() != null) {
            line.append(" (value ").append(formatValue(alert.getValue())).append(')');
        }
        line.append(" since ").append(time(alert.getStartsAt()));
        if (alert.getEndsAt() != null) {
            line.append(", ended ").append(time(alert.getEndsAt()));
        }
        String summary = summary(alert);
        if (!summary.isEmpty()) {
            line.append(": ").append(summary);
        }
        return line.toString();
    }

    /** The alert's {@code summary} annotation, else its {@code description}, else empty. */
    public static String summary(NotifiedAlert alert) {
        String summary = alert.getAnnotations().get("summary");
        if (summary == null || summary.isBlank()) {
            summary = alert.getAnnotations().getOrDefault("description", "");
        }
        return summary;
    }

    public static String formatValue(double value) {
        if (value == Math.rint(value) && Math.abs(value) < 1e15) {
            return Long.toString((long) value);
        }
        return Double.toString(value);
    }

    /** {@code text} cut to {@code max} characters, with an ellipsis when cut. */
    public static String truncate(String text, int max) {
        return text.length() <= max ? text : text.substring(0, Math.max(0, max - 1)) + "…";
    }
}
