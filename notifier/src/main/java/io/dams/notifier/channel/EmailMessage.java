package io.dams.notifier.channel;

import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotifiedAlert;
import java.util.Map;
import java.util.TreeMap;

/**
 * The subject and the two bodies (plain text and HTML) of a notification email: the subject is the title
 * ({@code [FIRING:2] high-cpu-warning (region=eu-west-1)}), the bodies list the group and every alert with its labels,
 * value, times, summary and link.
 */
public record EmailMessage(String subject, String text, String html) {

    public static EmailMessage of(Notification n, String externalUrl) {
        String title = NotificationText.title(n);
        StringBuilder text = new StringBuilder()
                .append(title).append("\n\n")
                .append("Rule:     ").append(n.getRuleName()).append('\n')
                .append("Severity: ").append(NotificationText.severity(n)).append('\n')
                .append("Status:   ").append(NotificationText.status(n)).append('\n');
        if (!n.getGroupLabels().isEmpty()) {
            text.append("Group:    ").append(NotificationText.labelText(n.getGroupLabels())).append('\n');
        }
        text.append("\nAlerts (").append(n.getAlerts().size()).append("):\n");
        for (NotifiedAlert a : n.getAlerts()) {
            text.append("- ").append(NotificationText.alertLine(n, a)).append('\n');
            String url = NotificationText.alertUrl(externalUrl, a);
            if (!url.isEmpty()) {
                text.append("  ").append(url).append('\n');
            }
        }
        text.append("\nNotification ").append(n.getNotificationId()).append(", group ").append(n.getGroupKey())
                .append(", ").append(NotificationText.time(n.getCreatedAt())).append('\n');
        if (!externalUrl.isEmpty()) {
            text.append(externalUrl).append('\n');
        }
        return new EmailMessage(title, text.toString(), html(n, title, externalUrl));
    }

    private static String html(Notification n, String title, String externalUrl) {
        String color = SlackMessage.color(n);
        StringBuilder html = new StringBuilder()
                .append("<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>").append(escape(title))
                .append("</title></head><body style=\"font-family:sans-serif\">")
                .append("<h2 style=\"border-left:6px solid ").append(color).append(";padding-left:8px\">")
                .append(escape(title)).append("</h2>")
                .append("<table cellpadding=\"4\">")
                .append(row("Rule", n.getRuleName()))
                .append(row("Severity", NotificationText.severity(n)))
                .append(row("Status", NotificationText.status(n)));
        if (!n.getGroupLabels().isEmpty()) {
            html.append(row("Group", NotificationText.labelText(n.getGroupLabels())));
        }
        html.append("</table><h3>Alerts (").append(n.getAlerts().size()).append(")</h3>")
                .append("<table border=\"1\" cellpadding=\"4\" style=\"border-collapse:collapse\">")
                .append("<tr><th>Status</th><th>Alert</th><th>Labels</th><th>Value</th><th>Since</th><th>Ended</th>")
                .append("<th>Summary</th></tr>");
        for (NotifiedAlert a : n.getAlerts()) {
            String url = NotificationText.alertUrl(externalUrl, a);
            String id = url.isEmpty() ? escape(a.getAlertId())
                    : "<a href=\"" + escape(url) + "\">" + escape(a.getAlertId()) + "</a>";
            html.append("<tr><td>").append(NotificationText.status(a)).append("</td><td>").append(id)
                    .append("</td><td>").append(labels(a.getLabels()))
                    .append("</td><td>").append(a.getValue() == null ? "" : NotificationText.formatValue(a.getValue()))
                    .append("</td><td>").append(NotificationText.time(a.getStartsAt()))
                    .append("</td><td>").append(a.getEndsAt() == null ? "" : NotificationText.time(a.getEndsAt()))
                    .append("</td><td>").append(escape(NotificationText.summary(a))).append("</td></tr>");
        }
        html.append("</table><p style=\"color:#666\">Notification ").append(escape(n.getNotificationId()))
                .append(", group ").append(escape(n.getGroupKey())).append(", ")
                .append(NotificationText.time(n.getCreatedAt()));
        if (!externalUrl.isEmpty()) {
            html.append(" · <a href=\"").append(escape(externalUrl)).append("\">Open DAMS</a>");
        }
        return html.append("</p></body></html>").toString();
    }

    private static String row(String name, String value) {
        return "<tr><th align=\"left\">" + name + "</th><td>" + escape(value) + "</td></tr>";
    }

    private static String labels(Map<String, String> labels) {
        StringBuilder out = new StringBuilder();
        new TreeMap<>(labels).forEach((k, v) -> out.append(out.isEmpty() ? "" : "<br>")
                .append(escape(k)).append('=').append(escape(v)));
        return out.toString();
    }

    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;")
                .replace("'", "&#39;");
    }
}
