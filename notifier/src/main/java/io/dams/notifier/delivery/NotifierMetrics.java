package io.dams.notifier.delivery;

import io.dams.notifier.channel.Delivery;
import io.dams.schemas.avro.DeliveryOutcome;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.time.Instant;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * The notifier's self-metrics, in Prometheus naming:
 * <ul>
 *   <li>{@code dams_notifier_deliveries_total{channel, outcome="delivered|rejected|dead_lettered"}}</li>
 *   <li>{@code dams_notifier_attempts_total{channel, result="delivered|rejected|retry"}}</li>
 *   <li>{@code dams_notifier_delivery_latency_seconds{channel}}: from the notification's created_at to its delivery</li>
 *   <li>{@code dams_notifier_queue_depth{channel}} (waiting, including retries) and
 *       {@code dams_notifier_retry_queue_depth{channel}} (waiting for a retry)</li>
 *   <li>{@code dams_notifier_dead_letters_total{channel}}</li>
 *   <li>{@code dams_notifier_bad_input_total{reason="undecodable|unknown_channel|no_channels"}}</li>
 *   <li>{@code dams_notifier_duplicates_skipped_total{channel}}: already in the delivery log, not sent again</li>
 *   <li>{@code dams_notifier_log_write_failures_total}: delivery-log or dead-letter writes that Kafka refused (retried)</li>
 *   <li>{@code dams_notifier_delivery_log_entries}: (notification, channel) pairs known to be done</li>
 * </ul>
 */
public final class NotifierMetrics {

    private final MeterRegistry registry;

    public NotifierMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    public MeterRegistry registry() {
        return registry;
    }

    public void attempt(String channel, Delivery.Result result) {
        Counter.builder("dams.notifier.attempts").tag("channel", channel).tag("result", lower(result.name()))
                .register(registry).increment();
    }

    /** A final outcome; {@code createdAt} is the notification's creation (epoch ms). */
    public void outcome(String channel, DeliveryOutcome outcome, long createdAt, Instant finishedAt) {
        Counter.builder("dams.notifier.deliveries").tag("channel", channel).tag("outcome", lower(outcome.name()))
                .register(registry).increment();
        if (outcome == DeliveryOutcome.DELIVERED) {
            Duration latency = Duration.between(Instant.ofEpochMilli(createdAt), finishedAt);
            Timer.builder("dams.notifier.delivery.latency").tag("channel", channel)
                    .publishPercentileHistogram()
                    .minimumExpectedValue(Duration.ofMillis(5))
                    .maximumExpectedValue(Duration.ofMinutes(30))
                    .register(registry).record(latency.isNegative() ? Duration.ZERO : latency);
        }
        if (outcome == DeliveryOutcome.DEAD_LETTERED) {
            Counter.builder("dams.notifier.dead.letters").tag("channel", channel).register(registry).increment();
        }
    }

    public void badInput(String reason) {
        Counter.builder("dams.notifier.bad.input").tag("reason", reason).register(registry).increment();
    }

    public void duplicateSkipped(String channel) {
        Counter.builder("dams.notifier.duplicates.skipped").tag("channel", channel).register(registry).increment();
    }

    public void logWriteFailure() {
        Counter.builder("dams.notifier.log.write.failures").register(registry).increment();
    }

    /** Registers the queue gauges of a channel's dispatcher. */
    public void queues(String channel, Supplier<Number> depth, Supplier<Number> retryDepth) {
        Gauge.builder("dams.notifier.queue.depth", depth).tag("channel", channel).register(registry);
        Gauge.builder("dams.notifier.retry.queue.depth", retryDepth).tag("channel", channel).register(registry);
    }

    public void ledger(Supplier<Number> entries) {
        Gauge.builder("dams.notifier.delivery.log.entries", entries).register(registry);
    }

    private static String lower(String name) {
        return name.toLowerCase(Locale.ROOT);
    }
}
