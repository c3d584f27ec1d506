package io.dams.notifier;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.annotation.JsonNaming;
import io.dams.runtime.config.ConfigException;
import io.dams.runtime.config.ConfigLoader;
import io.dams.runtime.config.Durations;
import io.dams.runtime.config.Validated;
import jakarta.mail.internet.AddressException;
import jakarta.mail.internet.InternetAddress;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The notifier's whole configuration (the central configuration file, {@code dams-central.yaml});
 * {@link #defaults()} is the one place defaults live.
 *
 * <p>Keys are snake_case as in the seed ({@code alerting.slack_webhook}, {@code alerting.pagerduty_key}). Every key
 * can be overridden by {@code DAMS_CENTRAL_<KEY_PATH>} in upper snake case, e.g.
 * {@code DAMS_CENTRAL_ALERTING_SLACK_WEBHOOK}, {@code DAMS_CENTRAL_ALERTING_EMAIL_PASSWORD},
 * {@code DAMS_CENTRAL_KAFKA_BOOTSTRAP_SERVERS}; a webhook's HMAC secret can be named by {@code hmac_secret_env}.
 */
@JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
public record NotifierConfig(Kafka kafka, Status status, DeliverySettings notifier, Alerting alerting) implements Validated {

    /** The prefix of environment overrides. */
    public static final String ENV_PREFIX = "DAMS_CENTRAL";
    public static final String SLACK = "slack";
    public static final String PAGERDUTY = "pagerduty";
    public static final String EMAIL = "email";
    /** In a rule's channels: every configured webhook. */
    public static final String ALL_WEBHOOKS = "webhook";
    /** The key of {@code notifier.rate_limits} that applies to channels without their own entry. */
    public static final String DEFAULT_RATE_LIMIT = "default";
    public static final String PAGERDUTY_EVENTS_URL = "https://events.pagerduty.com/v2/enqueue";

    private static final Pattern CHANNEL_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]{0,62}");
    private static final Set<String> RESERVED_NAMES = Set.of(SLACK, PAGERDUTY, EMAIL, ALL_WEBHOOKS, DEFAULT_RATE_LIMIT);

    /**
     * Where notifications come from and the delivery log goes.
     *
     * @param bootstrapServers Kafka's {@code host:port[,host:port...]}
     * @param registryUrl      the schema registry's base URL
     * @param groupId          the consumer group; instances with the same group share the notifications' partitions
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Kafka(String bootstrapServers, String registryUrl, String groupId) {
    }

    /** The HTTP endpoint with {@code /healthz} and {@code /metrics}. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Status(String host, int port) {
    }

    /**
     * How deliveries are made: retries, rate limits, timeouts, the in-memory queue and the restart guard.
     *
     * @param rateLimits          per channel name (or {@code default}): a token bucket
     * @param connectTimeout      HTTP and SMTP connection set-up
     * @param requestTimeout      one HTTP request or SMTP conversation; a timeout is retried
     * @param concurrency         attempts in flight at once per channel (one group's notifications still go one at
     *                            a time, in order)
     * @param queueCapacity       notifications waiting per channel (including those waiting for a retry) before the
     *                            notifier stops reading new ones until the queue drains
     * @param deliveryLogLookback how far back the delivery log is read at start to know what was already delivered
     * @param shutdownGrace       how long an attempt in progress may finish when the notifier stops
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record DeliverySettings(Retry retry, Map<String, RateLimit> rateLimits, Duration connectTimeout,
                                   Duration requestTimeout, int concurrency, int queueCapacity,
                                   Duration deliveryLogLookback, Duration shutdownGrace) {

        /** The rate limit of a channel: its own entry or the default. */
        public RateLimit rateLimit(String channel) {
            RateLimit own = rateLimits.get(channel);
            return own != null ? own : rateLimits.get(DEFAULT_RATE_LIMIT);
        }
    }

    /**
     * Exponential backoff with jitter; a delivery gives up (dead letter) after {@code maxAttempts} attempts or once
     * the next attempt would start more than {@code maxTime} after the first.
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Retry(Duration initialBackoff, Duration maxBackoff, int maxAttempts, Duration maxTime) {
    }

    /** A token bucket: {@code perSecond} sustained, up to {@code burst} at once. */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record RateLimit(double perSecond, int burst) {
    }

    /**
     * The channels. An empty {@code slackWebhook}, {@code pagerdutyKey} or {@code email.host} leaves that channel off.
     *
     * @param externalUrl  the DAMS address put into links (Slack buttons, PagerDuty links, the webhook's
     *                     {@code externalURL} and {@code generatorURL}); empty: no links
     * @param slackWebhook the Slack incoming webhook URL (a secret: it holds the token)
     * @param pagerdutyKey the PagerDuty Events API v2 routing key (integration key)
     * @param pagerdutyUrl the Events API v2 endpoint
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Alerting(String externalUrl, Secret slackWebhook, Secret pagerdutyKey, String pagerdutyUrl,
                           Email email, List<Webhook> webhooks) {
    }

    /**
     * Email over SMTP.
     *
     * @param starttls  {@code required}: refuse to send unless the server upgrades to TLS; {@code optional}: upgrade
     *                  when offered; {@code off}: never (only for a relay on the same host)
     * @param username  empty: no authentication
     * @param caFile    PEM certificates to trust for the server's TLS certificate; empty: the JVM's trust store
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Email(String host, int port, StartTls starttls, String username, Secret password, String from,
                       List<String> to, String caFile) {

        public boolean enabled() {
            return host != null && !host.isBlank();
        }
    }

    /** Whether SMTP upgrades the connection to TLS (RFC 3207). */
    public enum StartTls {
        REQUIRED, OPTIONAL, OFF;

        @JsonCreator
        static StartTls fromYaml(Object value) {
            // YAML 1.1 readers may turn a bare `off` into false.
            if (Boolean.FALSE.equals(value)) {
                return OFF;
            }
            String text = String.valueOf(value).strip().toUpperCase(Locale.ROOT);
            for (StartTls mode : values()) {
                if (mode.name().equals(text)) {
                    return mode;
                }
            }
            throw new IllegalArgumentException("'" + value + "' is not a STARTTLS mode; write required, optional or off");
        }

        @JsonValue
        String yaml() {
            return name().toLowerCase(Locale.ROOT);
        }
    }

    /**
     * A receiver of the Alertmanager webhook v4 JSON.
     *
     * @param name          the channel name rules use, and the payload's {@code receiver}
     * @param hmacSecret    when set, each request carries {@code X-DAMS-Signature: sha256=<hex HMAC-SHA256 of the body>}
     * @param hmacSecretEnv the environment variable holding the HMAC secret, when it is not written in the file
     * @param maxAlerts     the most alerts in one payload (Alertmanager's {@code max_alerts}); 0: all
     */
    @JsonNaming(PropertyNamingStrategies.SnakeCaseStrategy.class)
    public record Webhook(String name, String url, Secret hmacSecret, String hmacSecretEnv, Integer maxAlerts) {

        /** List entries get no defaults from the loader: the optional keys get theirs here. */
        public Webhook {
            hmacSecret = hmacSecret == null ? Secret.empty() : hmacSecret;
            hmacSecretEnv = hmacSecretEnv == null ? "" : hmacSecretEnv;
            maxAlerts = maxAlerts == null ? 0 : maxAlerts;
        }

        public Webhook(String name, String url) {
            this(name, url, Secret.empty(), "", 0);
        }

        /** The HMAC secret from the file or from the environment variable it names; empty when signing is off. */
        public Secret hmacSecret(Map<String, String> environment, String key) {
            if (hmacSecret != null && !hmacSecret.isEmpty()) {
                return hmacSecret;
            }
            if (hmacSecretEnv == null || hmacSecretEnv.isBlank()) {
                return Secret.empty();
            }
            String value = environment.get(hmacSecretEnv);
            ConfigException.require(value != null && !value.isEmpty(), key + ".hmac_secret_env",
                    "the environment variable " + hmacSecretEnv + " is not set");
            return Secret.of(value);
        }
    }

    public static NotifierConfig defaults() {
        Map<String, RateLimit> rateLimits = new LinkedHashMap<>();
        rateLimits.put(DEFAULT_RATE_LIMIT, new RateLimit(10, 20));
        // Slack: one message per second per webhook, short bursts tolerated (api.slack.com rate limits).
        rateLimits.put(SLACK, new RateLimit(1, 3));
        // PagerDuty Events API v2: about 120 events a minute per routing key.
        rateLimits.put(PAGERDUTY, new RateLimit(2, 10));
        rateLimits.put(EMAIL, new RateLimit(2, 10));
        return new NotifierConfig(
                new Kafka("127.0.0.1:9092", "http://127.0.0.1:8081", "dams-notifier"),
                new Status("127.0.0.1", 9098),
                new DeliverySettings(new Retry(Duration.ofSeconds(1), Duration.ofMinutes(1), 12, Duration.ofMinutes(15)),
                        rateLimits, Duration.ofSeconds(5), Duration.ofSeconds(10), 4, 1000, Duration.ofDays(7),
                        Duration.ofSeconds(5)),
                new Alerting("", Secret.empty(), Secret.empty(), PAGERDUTY_EVENTS_URL,
                        new Email("", 587, StartTls.REQUIRED, "", Secret.empty(), "dams@localhost", List.of(), ""),
                        List.of()));
    }

    /** The loader of this configuration: YAML over {@link #defaults()}, {@code DAMS_CENTRAL_*} over the file. */
    public static ConfigLoader<NotifierConfig> loader() {
        return new ConfigLoader<>(NotifierConfig.class, defaults(), ENV_PREFIX);
    }

    /** The channel names rules may use with this configuration (for the rule checker), {@code webhook} included. */
    public Set<String> channelNames() {
        Set<String> names = new LinkedHashSet<>();
        if (!alerting.slackWebhook().isEmpty()) {
            names.add(SLACK);
        }
        if (!alerting.pagerdutyKey().isEmpty()) {
            names.add(PAGERDUTY);
        }
        if (alerting.email().enabled()) {
            names.add(EMAIL);
        }
        if (!alerting.webhooks().isEmpty()) {
            names.add(ALL_WEBHOOKS);
        }
        alerting.webhooks().forEach(w -> names.add(w.name()));
        return names;
    }

    @Override
    public void validate() {
        requireText(kafka.bootstrapServers(), "kafka.bootstrap_servers", "required, e.g. 127.0.0.1:9092");
        for (String server : kafka.bootstrapServers().split(",")) {
            ConfigException.require(server.strip().matches(".+:\\d{1,5}"), "kafka.bootstrap_servers",
                    "'" + server.strip() + "' is not host:port");
        }
        ConfigException.require(isHttpUrl(kafka.registryUrl()), "kafka.registry_url",
                "must be an http(s) URL, e.g. http://127.0.0.1:8081, not '" + kafka.registryUrl() + "'");
        requireText(kafka.groupId(), "kafka.group_id", "required, e.g. dams-notifier");
        ConfigException.require(status.port() >= 0 && status.port() <= 65535, "status.port", "must be 0-65535");
        requireText(status.host(), "status.host", "required, e.g. 127.0.0.1");

        Retry retry = notifier.retry();
        requirePositive(retry.initialBackoff(), "notifier.retry.initial_backoff");
        requirePositive(retry.maxBackoff(), "notifier.retry.max_backoff");
        ConfigException.require(retry.maxBackoff().compareTo(retry.initialBackoff()) >= 0, "notifier.retry.max_backoff",
                "must be at least initial_backoff (" + Durations.format(retry.initialBackoff()) + ")");
        ConfigException.require(retry.maxAttempts() >= 1, "notifier.retry.max_attempts", "must be at least 1");
        requirePositive(retry.maxTime(), "notifier.retry.max_time");
        requirePositive(notifier.connectTimeout(), "notifier.connect_timeout");
        requirePositive(notifier.requestTimeout(), "notifier.request_timeout");
        requirePositive(notifier.deliveryLogLookback(), "notifier.delivery_log_lookback");
        ConfigException.require(notifier.shutdownGrace() != null && !notifier.shutdownGrace().isNegative(),
                "notifier.shutdown_grace", "must be 0 or more");
        ConfigException.require(notifier.queueCapacity() >= 1, "notifier.queue_capacity", "must be at least 1");
        ConfigException.require(notifier.concurrency() >= 1 && notifier.concurrency() <= 64, "notifier.concurrency",
                "must be 1-64");
        ConfigException.require(notifier.rateLimits().containsKey(DEFAULT_RATE_LIMIT), "notifier.rate_limits.default",
                "required: the limit of channels without their own");

        Set<String> webhookNames = new HashSet<>();
        List<Webhook> webhooks = alerting.webhooks() == null ? List.of() : alerting.webhooks();
        for (int i = 0; i < webhooks.size(); i++) {
            Webhook w = webhooks.get(i);
            String key = "alerting.webhooks[" + i + "]";
            ConfigException.require(w.name() != null && CHANNEL_NAME.matcher(w.name()).matches(), key + ".name",
                    "required: letters, digits, '_', '.' or '-' (at most 63), not '" + w.name() + "'");
            ConfigException.require(!RESERVED_NAMES.contains(w.name()), key + ".name",
                    "'" + w.name() + "' is reserved; choose another name");
            ConfigException.require(webhookNames.add(w.name()), key + ".name", "'" + w.name() + "' is used twice");
            ConfigException.require(isHttpUrl(w.url()), key + ".url", "must be an http(s) URL");
            ConfigException.require(w.maxAlerts() >= 0, key + ".max_alerts", "must be 0 (all) or more");
        }

        Set<String> rateLimitKeys = new HashSet<>(webhookNames);
        rateLimitKeys.addAll(List.of(DEFAULT_RATE_LIMIT, SLACK, PAGERDUTY, EMAIL));
        notifier.rateLimits().forEach((name, limit) -> {
            String key = "notifier.rate_limits." + name;
            ConfigException.require(rateLimitKeys.contains(name), key,
                    "not a channel; one of " + rateLimitKeys.stream().sorted().toList());
            ConfigException.require(limit.perSecond() > 0, key + ".per_second", "must be above 0");
            ConfigException.require(limit.burst() >= 1, key + ".burst", "must be at least 1");
        });

        ConfigException.require(alerting.externalUrl().isEmpty() || isHttpUrl(alerting.externalUrl()),
                "alerting.external_url", "must be empty or an http(s) URL");
        ConfigException.require(alerting.slackWebhook().isEmpty() || isHttpUrl(alerting.slackWebhook().reveal()),
                "alerting.slack_webhook", "must be empty (Slack off) or the incoming webhook's https URL");
        ConfigException.require(isHttpUrl(alerting.pagerdutyUrl()), "alerting.pagerduty_url",
                "must be an http(s) URL, e.g. " + PAGERDUTY_EVENTS_URL);
        validateEmail(alerting.email());
    }

    private static void validateEmail(Email email) {
        if (!email.enabled()) {
            return;
        }
        ConfigException.require(email.port() >= 1 && email.port() <= 65535, "alerting.email.port", "must be 1-65535");
        ConfigException.require(email.starttls() != null, "alerting.email.starttls", "required, optional or off");
        requireAddress(email.from(), "alerting.email.from");
        ConfigException.require(email.to() != null && !email.to().isEmpty(), "alerting.email.to",
                "at least one recipient when alerting.email.host is set");
        List<String> to = new ArrayList<>(email.to());
        for (int i = 0; i < to.size(); i++) {
            requireAddress(to.get(i), "alerting.email.to[" + i + "]");
        }
        ConfigException.require(email.password().isEmpty() || !email.username().isBlank(), "alerting.email.username",
                "required when a password is set");
        ConfigException.require(email.caFile().isBlank() || Files.isReadable(Path.of(email.caFile())),
                "alerting.email.ca_file", "cannot read " + email.caFile());
    }

    private static void requireAddress(String address, String key) {
        try {
            new InternetAddress(address, true);
        } catch (AddressException | NullPointerException e) {
            throw new ConfigException(key + ": '" + address + "' is not an email address");
        }
    }

    private static void requireText(String value, String key, String problem) {
        ConfigException.require(value != null && !value.isBlank(), key, problem);
    }

    private static void requirePositive(Duration d, String key) {
        ConfigException.require(d != null && !d.isNegative() && !d.isZero(), key, "must be above 0");
    }

    static boolean isHttpUrl(String url) {
        if (url == null) {
            return false;
        }
        try {
            URI uri = URI.create(url);
            return ("http".equals(uri.getScheme()) || "https".equals(uri.getScheme())) && uri.getHost() != null;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }
}
