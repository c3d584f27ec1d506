package io.dams.notifier.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Severity;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A PagerDuty Events API v2 event for a notification (developer.pagerduty.com, "Send an Alert Event"): {@code trigger}
 * for a firing group and {@code resolve} for a resolved one, both with {@code dedup_key} = the group key, so that
 * PagerDuty opens one incident per group, later triggers of the group update it, and the resolve closes it.
 *
 * <p>A trigger carries {@code payload.summary} (at most 1024 characters), {@code source}, {@code severity}
 * (critical, warning or info from DAMS's severity; PagerDuty's {@code error} has no DAMS counterpart),
 * {@code timestamp}, {@code class} (the rule), {@code group} (the region when grouped by it) and
 * {@code custom_details} with the notification id and the alerts; plus {@code client}, {@code client_url} and
 * {@code links} into DAMS when an external URL is configured. A resolve carries only what the API needs.
 */
public final class PagerDutyEvent {

    /** PagerDuty's limits (Events API v2). */
    static final int MAX_SUMMARY = 1024;
    static final int MAX_DEDUP_KEY = 255;
    /** Alerts listed in custom_details; the rest are counted. */
    static final int MAX_DETAILED_ALERTS = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private PagerDutyEvent() {
    }

    public static ObjectNode of(Notification n, String routingKey, String externalUrl) {
        ObjectNode event = JSON.createObjectNode();
        event.put("routing_key", routingKey);
        boolean resolve = n.getStatus() == NotificationStatus.RESOLVED;
        event.put("event_action", resolve ? "resolve" : "trigger");
        event.put("dedup_key", dedupKey(n.getGroupKey()));
        if (resolve) {
            return event;
        }
        ObjectNode payload = event.putObject("payload");
        payload.put("summary", NotificationText.truncate(summary(n), MAX_SUMMARY));
        payload.put("source", source(n));
        payload.put("severity", severity(n.getSeverity()));
        payload.put("timestamp", NotificationText.time(n.getCreatedAt()));
        payload.put("class", n.getRuleName());
        String region = n.getGroupLabels().get("region");
        if (region != null) {
            payload.put("group", region);
        }
        ObjectNode details = payload.putObject("custom_details");
        details.put("notification_id", n.getNotificationId());
        details.put("group_key", n.getGroupKey());
        details.put("rule", n.getRuleName());
        details.put("firing", NotificationText.firingCount(n));
        details.put("alerts_total", n.getAlerts().size());
        details.set("group_labels", JSON.valueToTree(new java.util.TreeMap<>(n.getGroupLabels())));
        ArrayNode alerts = details.putArray("alerts");
        List<NotifiedAlert> all = n.getAlerts();
        for (NotifiedAlert a : all.subList(0, Math.min(all.size(), MAX_DETAILED_ALERTS))) {
            ObjectNode alert = alerts.addObject();
            alert.put("alert_id", a.getAlertId());
            alert.put("status", NotificationText.status(a));
            alert.set("labels", JSON.valueToTree(new java.util.TreeMap<>(a.getLabels())));
            alert.set("annotations", JSON.valueToTree(new java.util.TreeMap<>(a.getAnnotations())));
            alert.put("starts_at", NotificationText.time(a.getStartsAt()));
            if (a.getEndsAt() != null) {
                alert.put("ends_at", NotificationText.time(a.getEndsAt()));
            }
            if (a.getValue() != null) {
                alert.put("value", a.getValue());
            }
        }
        if (all.size() > MAX_DETAILED_ALERTS) {
            details.put("alerts_not_listed", all.size() - MAX_DETAILED_ALERTS);
        }
        event.put("client", "DAMS");
        if (!externalUrl.isEmpty()) {
            event.put("client_url", externalUrl);
            ArrayNode links = event.putArray("links");
            for (NotifiedAlert a : all.subList(0, Math.min(all.size(), 5))) {
                links.addObject().put("href", NotificationText.alertUrl(externalUrl, a))
                        .put("text", "Alert " + a.getAlertId() + " in DAMS");
            }
        }
        return event;
    }

    /** PagerDuty's severity for a DAMS severity. */
    public static String severity(Severity severity) {
        return switch (severity) {
            case CRITICAL -> "critical";
            case WARNING -> "warning";
            case INFO -> "info";
        };
    }

    /**
     * The group key itself (the group's identity, stable across notifications of the group); a key longer than
     * PagerDuty's 255 characters is replaced by its SHA-256 in hex, which is as stable.
     */
    public static String dedupKey(String groupKey) {
        if (groupKey.length() <= MAX_DEDUP_KEY) {
            return groupKey;
        }
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256")
                    .digest(groupKey.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }

    private static String summary(Notification n) {
        String title = NotificationText.title(n);
        List<NotifiedAlert> firing = n.getAlerts().stream().filter(NotificationText::firing).toList();
        if (firing.size() == 1) {
            String summary = NotificationText.summary(firing.get(0));
            if (!summary.isEmpty()) {
                return title + ": " + summary;
            }
        }
        return title;
    }

    /**
     * Where the problem is: the asset when one alert fires (its {@code asset_id}, else {@code instance} label), else
     * the region the group is about, else DAMS itself.
     */
    static String source(Notification n) {
        List<NotifiedAlert> firing = n.getAlerts().stream().filter(NotificationText::firing).toList();
        if (firing.size() == 1) {
            String asset = firing.get(0).getLabels().get("asset_id");
            if (asset == null) {
                asset = firing.get(0).getLabels().get("instance");
            }
            if (asset != null && !asset.isBlank()) {
                return asset;
            }
        }
        String region = n.getGroupLabels().get("region");
        return region != null && !region.isBlank() ? "region " + region : "dams";
    }
}
