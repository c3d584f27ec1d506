package io.dams.notifier.channel;

import io.dams.notifier.NotifierConfig;
import io.dams.notifier.Secret;
import io.dams.schemas.avro.Notification;
import java.net.URI;
import java.util.Map;

/**
 * Sends PagerDuty Events API v2 events ({@link PagerDutyEvent}). PagerDuty answers 202 when it accepts an event,
 * 400 for an event it will never accept (not retried: REJECTED), 429 when the routing key sends too fast and 5xx when
 * it is unwell (both retried with backoff, honouring {@code Retry-After}).
 */
public final class PagerDutyChannel implements Channel {

    private final Secret routingKey;
    private final URI eventsUrl;
    private final String externalUrl;
    private final JsonPoster poster;

    public PagerDutyChannel(Secret routingKey, URI eventsUrl, String externalUrl, JsonPoster poster) {
        this.routingKey = routingKey;
        this.eventsUrl = eventsUrl;
        this.externalUrl = externalUrl;
        this.poster = poster;
    }

    @Override
    public String name() {
        return NotifierConfig.PAGERDUTY;
    }

    @Override
    public String receiver() {
        return JsonPoster.hostOf(eventsUrl);
    }

    @Override
    public Delivery deliver(Notification notification) throws InterruptedException {
        return poster.post(eventsUrl, JsonPoster.bytes(PagerDutyEvent.of(notification, routingKey.reveal(),
                externalUrl)), Map.of(WebhookChannel.NOTIFICATION_ID_HEADER, notification.getNotificationId()));
    }
}
