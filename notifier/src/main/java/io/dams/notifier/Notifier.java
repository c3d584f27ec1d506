package io.dams.notifier;

import io.dams.notifier.channel.Channel;
import io.dams.notifier.channel.Channels;
import io.dams.notifier.delivery.ChannelDispatcher;
import io.dams.notifier.delivery.DeliveryLedger;
import io.dams.notifier.delivery.DeliveryLog;
import io.dams.notifier.delivery.NotificationConsumer;
import io.dams.notifier.delivery.NotifierMetrics;
import io.dams.notifier.delivery.OutcomeRecorder;
import io.dams.notifier.delivery.PendingOffsets;
import io.dams.notifier.delivery.RetryPolicy;
import io.dams.notifier.delivery.TokenBucket;
import io.dams.runtime.lifecycle.StartedParts;
import io.dams.runtime.status.StatusServer;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Clock;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The notifier: reads alert notifications from {@code dams.alerts.notifications} and delivers each on its channels
 * (Slack, PagerDuty, email, Alertmanager-style webhooks) with retries, rate limits and dead letters, recording every
 * outcome in {@code dams.notifications.log}; serves {@code /healthz} and {@code /metrics}.
 *
 * <p>Use: {@code try (Notifier n = Notifier.start(NotifierConfig.loader().load(path))) { ... }}. Instances with the
 * same {@code kafka.group_id} share the work; a notification already recorded as delivered, rejected or dead-lettered
 * on a channel is not sent there again, also across restarts.
 */
public final class Notifier implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(Notifier.class);

    private final StartedParts parts;
    private final StatusServer status;
    private final NotificationConsumer consumer;
    private final Map<String, ChannelDispatcher> dispatchers;
    private final DeliveryLedger ledger;

    private Notifier(StartedParts parts, StatusServer status, NotificationConsumer consumer,
                     Map<String, ChannelDispatcher> dispatchers, DeliveryLedger ledger) {
        this.parts = parts;
        this.status = status;
        this.consumer = consumer;
        this.dispatchers = dispatchers;
        this.ledger = ledger;
    }

    /** Starts with the system clock and the process environment (for {@code hmac_secret_env}). */
    public static Notifier start(NotifierConfig config) {
        return start(config, Clock.systemUTC(), System.getenv());
    }

    /**
     * Starts: reads the delivery log, then begins consuming. On failure whatever was started is stopped again.
     *
     * @throws io.dams.runtime.config.ConfigException for a configuration that cannot work (named key)
     */
    public static Notifier start(NotifierConfig config, Clock clock, Map<String, String> environment) {
        config.validate();
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        NotifierMetrics metrics = new NotifierMetrics(registry);
        NotifierConfig.DeliverySettings settings = config.notifier();
        StartedParts parts = new StartedParts();
        try {
            Channels channels = Channels.from(config, clock, environment);
            RegistrySerdes serdes = new RegistrySerdes(config.kafka().registryUrl());

            DeliveryLog log = parts.add(new DeliveryLog(new KafkaProducer<>(producerConfig(config, serdes)), metrics));
            DeliveryLedger ledger = parts.add(new DeliveryLedger(new KafkaConsumer<>(ledgerConfig(config)),
                    settings.deliveryLogLookback(), clock));
            PendingOffsets offsets = new PendingOffsets();
            Map<String, Channel> byName = new LinkedHashMap<>();
            channels.all().forEach(c -> byName.put(c.name(), c));
            OutcomeRecorder recorder = new OutcomeRecorder(log, ledger, offsets, metrics, byName, clock);

            Map<String, ChannelDispatcher> dispatchers = new LinkedHashMap<>();
            RetryPolicy retry = RetryPolicy.of(settings.retry());
            for (Channel channel : channels.all()) {
                NotifierConfig.RateLimit limit = settings.rateLimit(channel.name());
                ChannelDispatcher dispatcher = new ChannelDispatcher(channel, retry,
                        new TokenBucket(limit.perSecond(), limit.burst(), System::nanoTime), settings.queueCapacity(),
                        settings.concurrency(), job -> ledger.isDone(job.notificationId(), job.channel()), recorder, metrics, clock,
                        System::nanoTime, () -> ThreadLocalRandom.current().nextDouble());
                dispatchers.put(channel.name(), dispatcher);
                // Closed by the consumer with the shutdown grace; this is the fallback when starting fails.
                parts.add(dispatcher);
            }

            NotificationConsumer consumer = new NotificationConsumer(
                    new KafkaConsumer<>(consumerConfig(config, serdes)),
                    serdes.valueDeserializer(Topics.ALERTS_NOTIFICATIONS), channels, dispatchers, ledger, recorder,
                    offsets, log, metrics, settings.shutdownGrace(),
                    settings.connectTimeout().plus(settings.requestTimeout()));
            parts.add(consumer);
            consumer.start();

            StatusServer status = parts.add(StatusServer.start(config.status().host(), config.status().port(),
                    () -> health(consumer, dispatchers, ledger), registry::scrape, Map.of()));
            Notifier notifier = new Notifier(parts, status, consumer, dispatchers, ledger);
            if (channels.names().isEmpty()) {
                LOG.warn("no channel is configured (alerting.slack_webhook, alerting.pagerduty_key, alerting.email.host, "
                        + "alerting.webhooks): every notification will be recorded as rejected");
            }
            LOG.info("notifier started: group {}, channels {}, status on {}:{}", config.kafka().groupId(),
                    channels.names(), config.status().host(), status.port());
            return notifier;
        } catch (RuntimeException e) {
            parts.close();
            throw e;
        }
    }

    /** The port of {@code /healthz} and {@code /metrics}. */
    public int statusPort() {
        return status.port();
    }

    /** The configured channel names. */
    public Set<String> channels() {
        return dispatchers.keySet();
    }

    /** What {@code /healthz} answers: {@code status} ok while notifications are read, with per-channel queues. */
    public Map<String, Object> health() {
        return health(consumer, dispatchers, ledger);
    }

    private static Map<String, Object> health(NotificationConsumer consumer, Map<String, ChannelDispatcher> dispatchers,
                                              DeliveryLedger ledger) {
        Map<String, Object> health = new LinkedHashMap<>();
        Throwable failure = consumer.failure();
        health.put("status", consumer.running() ? "ok" : "failed");
        if (failure != null) {
            health.put("error", failure.toString());
        }
        health.put("unfinished_notifications", consumer.unfinished());
        health.put("delivery_log_entries", ledger.size());
        Map<String, Object> channels = new LinkedHashMap<>();
        dispatchers.forEach((name, d) -> channels.put(name, d.health()));
        health.put("channels", channels);
        return health;
    }

    /**
     * Stops: no new notifications are read, attempts in flight get {@code notifier.shutdown_grace} to finish, finished
     * outcomes are written and their offsets committed. Notifications not finished are delivered after the restart.
     */
    @Override
    public void close() {
        parts.close();
        LOG.info("notifier stopped");
    }

    static Map<String, Object> consumerConfig(NotifierConfig config, RegistrySerdes serdes) {
        Map<String, Object> c = new HashMap<>(serdes.consumerConfig());
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        c.put(ConsumerConfig.GROUP_ID_CONFIG, config.kafka().groupId());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, config.kafka().groupId() + "-notifications");
        // Raw bytes: a record that does not decode is recorded as bad input instead of failing the poll.
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
        // The alerting job writes under exactly-once: an aborted notification must never be delivered.
        c.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 100);
        return c;
    }

    static Map<String, Object> ledgerConfig(NotifierConfig config) {
        Map<String, Object> c = new HashMap<>();
        c.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        c.put(ConsumerConfig.CLIENT_ID_CONFIG, config.kafka().groupId() + "-delivery-log");
        c.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class.getName());
        c.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class.getName());
        c.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        c.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        c.put(ConsumerConfig.ALLOW_AUTO_CREATE_TOPICS_CONFIG, false);
        return c;
    }

    static Map<String, Object> producerConfig(NotifierConfig config, RegistrySerdes serdes) {
        Map<String, Object> c = new HashMap<>(serdes.producerConfig());
        c.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, config.kafka().bootstrapServers());
        c.put(ProducerConfig.CLIENT_ID_CONFIG, config.kafka().groupId() + "-delivery-log");
        c.put(ProducerConfig.ACKS_CONFIG, "all");
        c.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        c.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        c.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 30_000);
        c.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        return c;
    }
}
