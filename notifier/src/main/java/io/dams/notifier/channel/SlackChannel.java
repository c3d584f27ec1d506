package io.dams.notifier.channel;

import io.dams.notifier.NotifierConfig;
import io.dams.notifier.Secret;
import io.dams.schemas.avro.Notification;
import java.net.URI;
import java.util.Map;

/** Posts notifications to a Slack incoming webhook ({@link SlackMessage}). */
public final class SlackChannel implements Channel {

    private final Secret webhook;
    private final String externalUrl;
    private final JsonPoster poster;

    public SlackChannel(Secret webhook, String externalUrl, JsonPoster poster) {
        this.webhook = webhook;
        this.externalUrl = externalUrl;
        this.poster = poster;
    }

    @Override
    public String name() {
        return NotifierConfig.SLACK;
    }

    @Override
    public String receiver() {
        return JsonPoster.hostOf(URI.create(webhook.reveal()));
    }

    @Override
    public Delivery deliver(Notification notification) throws InterruptedException {
        return poster.post(URI.create(webhook.reveal()), JsonPoster.bytes(SlackMessage.of(notification, externalUrl)),
                Map.of(WebhookChannel.NOTIFICATION_ID_HEADER, notification.getNotificationId()));
    }
}
