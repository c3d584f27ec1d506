package io.dams.notifier.channel;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.dams.schemas.avro.Notification;
import io.dams.schemas.avro.NotificationStatus;
import io.dams.schemas.avro.NotifiedAlert;
import io.dams.schemas.avro.Severity;
import java.util.List;
import java.util.Map;

/**
 * The body of a Slack incoming-webhook message for a notification (api.slack.com/messaging/webhooks): a top-level
 * {@code text} (the title, which Slack shows in notifications), and one attachment whose {@code color} bar says firing
 * (red for critical, amber for warning, blue for info) or resolved (green), holding Block Kit blocks: a header, the
 * rule, severity and group labels as fields, one section per alert with a link to it, a context line with the
 * notification id, and a button into DAMS.
 *
 * <p>Slack's limits are kept: header text 150 characters, section text 3000, at most 10 fields, at most 50 blocks.
 */
public final class SlackMessage {

    public static final String COLOR_CRITICAL = "#E01E5A";
    public static final String COLOR_WARNING = "#ECB22E";
    public static final String COLOR_INFO = "#36C5F0";
    public static final String COLOR_RESOLVED = "#2EB67D";
    /** Alerts listed one per section; the rest are counted in one line. */
    static final int MAX_ALERT_SECTIONS = 10;
    private static final int MAX_HEADER = 150;
    private static final int MAX_SECTION_TEXT = 3000;
    private static final int MAX_FIELDS = 10;
    private static final int MAX_FIELD_TEXT = 2000;

    private static final ObjectMapper JSON = new ObjectMapper();

    private SlackMessage() {
    }

    /** The webhook body. */
    public static ObjectNode of(Notification n, String externalUrl) {
        String title = NotificationText.title(n);
        ObjectNode message = JSON.createObjectNode();
        message.put("text", title);

        ArrayNode blocks = JSON.createArrayNode();
        ObjectNode header = blocks.addObject().put("type", "header");
        plain(header.putObject("text"), NotificationText.truncate(title, MAX_HEADER));

        ObjectNode facts = blocks.addObject().put("type", "section");
        ArrayNode fields = facts.putArray("fields");
        mrkdwn(fields.addObject(), "*Rule*\n" + escape(n.getRuleName()));
        mrkdwn(fields.addObject(), "*Severity*\n" + NotificationText.severity(n));
        mrkdwn(fields.addObject(), "*Status*\n" + NotificationText.status(n)
                + (n.getStatus() == NotificationStatus.FIRING ? " (" + NotificationText.firingCount(n) + " of "
                + n.getAlerts().size() + " alerts)" : ""));
        for (Map.Entry<String, String> label : new java.util.TreeMap<>(n.getGroupLabels()).entrySet()) {
            if (fields.size() == MAX_FIELDS) {
                break;
            }
            mrkdwn(fields.addObject(), NotificationText.truncate("*" + escape(label.getKey()) + "*\n"
                    + escape(label.getValue()), MAX_FIELD_TEXT));
        }

        List<NotifiedAlert> alerts = n.getAlerts();
        for (NotifiedAlert alert : alerts.subList(0, Math.min(alerts.size(), MAX_ALERT_SECTIONS))) {
            ObjectNode section = blocks.addObject().put("type", "section");
            mrkdwn(section.putObject("text"), NotificationText.truncate(alertText(n, alert, externalUrl),
                    MAX_SECTION_TEXT));
        }
        if (alerts.size() > MAX_ALERT_SECTIONS) {
            ObjectNode more = blocks.addObject().put("type", "context");
            mrkdwn(more.putArray("elements").addObject(), "and " + (alerts.size() - MAX_ALERT_SECTIONS)
                    + " more alerts");
        }

        ObjectNode context = blocks.addObject().put("type", "context");
        mrkdwn(context.putArray("elements").addObject(), "notification `" + escape(n.getNotificationId())
                + "` · group `" + escape(n.getGroupKey()) + "` · " + NotificationText.time(n.getCreatedAt()));

        if (!externalUrl.isEmpty()) {
            ObjectNode actions = blocks.addObject().put("type", "actions");
            ObjectNode button = actions.putArray("elements").addObject().put("type", "button");
            plain(button.putObject("text"), "Open DAMS");
            button.put("url", externalUrl);
        }

        ObjectNode attachment = message.putArray("attachments").addObject();
        attachment.put("color", color(n));
        attachment.put("fallback", title);
        attachment.set("blocks", blocks);
        return message;
    }

    /** The attachment's colour bar. */
    public static String color(Notification n) {
        if (n.getStatus() == NotificationStatus.RESOLVED) {
            return COLOR_RESOLVED;
        }
        return n.getSeverity() == Severity.CRITICAL ? COLOR_CRITICAL
                : n.getSeverity() == Severity.WARNING ? COLOR_WARNING : COLOR_INFO;
    }

    private static String alertText(Notification n, NotifiedAlert alert, String externalUrl) {
        String url = NotificationText.alertUrl(externalUrl, alert);
        String id = url.isEmpty() ? "`" + escape(alert.getAlertId()) + "`" : "<" + url + "|" + escape(alert.getAlertId()) + ">";
        StringBuilder text = new StringBuilder()
                .append(NotificationText.firing(alert) ? ":red_circle: " : ":large_green_circle: ")
                .append('*').append(NotificationText.status(alert)).append("* ").append(id);
        if (!alert.getLabels().isEmpty()) {
            text.append("  ").append(escape(NotificationText.labelText(alert.getLabels())));
        }
        if (alert.getValue() != null) {
            text.append("\nvalue ").append(NotificationText.formatValue(alert.getValue()));
        }
        text.append("\nsince ").append(NotificationText.time(alert.getStartsAt()));
        if (alert.getEndsAt() != null) {
            text.append(", ended ").append(NotificationText.time(alert.getEndsAt()));
        }
        String summary = NotificationText.summary(alert);
        if (!summary.isEmpty()) {
            text.append('\n').append(escape(summary));
        }
        return text.toString();
    }

    private static void plain(ObjectNode text, String value) {
        text.put("type", "plain_text").put("text", value).put("emoji", true);
    }

    private static void mrkdwn(ObjectNode text, String value) {
        text.put("type", "mrkdwn").put("text", value);
    }

    /** Slack's mrkdwn control characters (api.slack.com/reference/surfaces/formatting#escaping). */
    static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;");
    }
}
