package io.dams.notifier.channel;

import io.dams.notifier.NotifierConfig;
import io.dams.notifier.Secret;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The channels of a configuration by name, and how a notification's channel list maps onto them: {@code slack},
 * {@code pagerduty}, {@code email}, a webhook's own name, and {@code webhook} for every configured webhook.
 */
public final class Channels {

    private final Map<String, Channel> byName;

    public Channels(List<Channel> channels) {
        Map<String, Channel> map = new LinkedHashMap<>();
        for (Channel c : channels) {
            if (map.put(c.name(), c) != null) {
                throw new IllegalArgumentException("two channels named " + c.name());
            }
        }
        this.byName = Collections.unmodifiableMap(map);
    }

    /** The channels a configuration turns on. */
    public static Channels from(NotifierConfig config, Clock clock, Map<String, String> environment) {
        NotifierConfig.Alerting alerting = config.alerting();
        NotifierConfig.DeliverySettings settings = config.notifier();
        HttpClient http = JsonPoster.client(settings.connectTimeout());
        JsonPoster poster = new JsonPoster(http, settings.requestTimeout(), clock);
        List<Channel> channels = new ArrayList<>();
        if (!alerting.slackWebhook().isEmpty()) {
            channels.add(new SlackChannel(alerting.slackWebhook(), alerting.externalUrl(), poster));
        }
        if (!alerting.pagerdutyKey().isEmpty()) {
            channels.add(new PagerDutyChannel(alerting.pagerdutyKey(), URI.create(alerting.pagerdutyUrl()),
                    alerting.externalUrl(), poster));
        }
        if (alerting.email().enabled()) {
            channels.add(new EmailChannel(alerting.email(), alerting.externalUrl(), settings.connectTimeout(),
                    settings.requestTimeout()));
        }
        for (int i = 0; i < alerting.webhooks().size(); i++) {
            NotifierConfig.Webhook w = alerting.webhooks().get(i);
            Secret secret = w.hmacSecret(environment, "alerting.webhooks[" + i + "]");
            channels.add(new WebhookChannel(w.name(), URI.create(w.url()), secret, w.maxAlerts(),
                    alerting.externalUrl(), poster));
        }
        return new Channels(channels);
    }

    public Optional<Channel> get(String name) {
        return Optional.ofNullable(byName.get(name));
    }

    public Set<String> names() {
        return byName.keySet();
    }

    public List<Channel> all() {
        return List.copyOf(byName.values());
    }

    /**
     * The channel names a notification's list stands for, in order and without repeats: {@code webhook} expands to
     * every webhook (when there are any); other names stay as they are, known or not.
     */
    public List<String> resolve(List<String> requested) {
        Set<String> names = new LinkedHashSet<>();
        for (String name : requested) {
            List<String> webhooks = byName.values().stream().filter(c -> c instanceof WebhookChannel)
                    .map(Channel::name).toList();
            if (NotifierConfig.ALL_WEBHOOKS.equals(name) && !byName.containsKey(name) && !webhooks.isEmpty()) {
                names.addAll(webhooks);
            } else {
                names.add(name);
            }
        }
        return List.copyOf(names);
    }
}
