package io.dams.notifier.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotifiedAlert;
import java.util.List;
import java.util.TreeMap;

/**
 * The body Alertmanager's webhook receiver sends (version 4, prometheus.io/docs/alerting/latest/configuration
 * "webhook_config"), so that receivers written for Alertmanager take DAMS notifications unchanged:
 *
 * <pre>{@code
 * { "version": "4", "groupKey": "...", "truncatedAlerts": 0, "status": "firing|resolved", "receiver": "<name>",
 *   "groupLabels": {...}, "commonLabels": {...}, "commonAnnotations": {...}, "externalURL": "...",
 *   "alerts": [ { "status": "firing|resolved", "labels": {...}, "annotations": {...},
 *                 "startsAt": "<RFC 3339>", "endsAt": "<RFC 3339, 0001-01-01T00:00:00Z while not ended>",
 *                 "generatorURL": "...", "fingerprint": "<alert_id>" } ],
 *   "notificationId": "..." }
 * }</pre>
 *
 * <p>Alert labels carry {@code alertname} (the rule) and {@code severity} as Alertmanager's do. One field is added:
 * {@code notificationId}, unique per group change, on which a receiver can drop the rare duplicate (receivers that
 * decode strictly can ignore it; it is also in the {@code X-DAMS-Notification-Id} header).
 */
public final class AlertmanagerPayload {

    public static final String VERSION = "4";

    private static final ObjectMapper JSON = new ObjectMapper();

    private AlertmanagerPayload() {
    }

    /**
     * @param receiver  the webhook's configured name
     * @param maxAlerts the most alerts to include, 0 for all; the rest are counted in {@code truncatedAlerts}
     */
    public static ObjectNode of(Notification n, String receiver, String externalUrl, int maxAlerts) {
        ObjectNode body = JSON.createObjectNode();
        List<NotifiedAlert> all = n.getAlerts();
        List<NotifiedAlert> sent = maxAlerts > 0 && all.size() > maxAlerts ? all.subList(0, maxAlerts) : all;
        body.put("version", VERSION);
        body.put("groupKey", n.getGroupKey());
        body.put("truncatedAlerts", all.size() - sent.size());
        body.put("status", NotificationText.status(n));
        body.put("receiver", receiver);
        body.set("groupLabels", JSON.valueToTree(new TreeMap<>(n.getGroupLabels())));
        body.set("commonLabels", JSON.valueToTree(NotificationText.commonLabels(n)));
        body.set("commonAnnotations", JSON.valueToTree(NotificationText.commonAnnotations(n)));
        body.put("externalURL", externalUrl);
        ArrayNode alerts = body.putArray("alerts");
        for (NotifiedAlert a : sent) {
            ObjectNode alert = alerts.addObject();
            alert.put("status", NotificationText.status(a));
            alert.set("labels", JSON.valueToTree(NotificationText.labels(n, a)));
            alert.set("annotations", JSON.valueToTree(new TreeMap<>(a.getAnnotations())));
            alert.put("startsAt", NotificationText.time(a.getStartsAt()));
            alert.put("endsAt", NotificationText.endsAt(a));
            alert.put("generatorURL", NotificationText.alertUrl(externalUrl, a));
            alert.put("fingerprint", a.getAlertId());
        }
        body.put("notificationId", n.getNotificationId());
        return body;
    }
}
