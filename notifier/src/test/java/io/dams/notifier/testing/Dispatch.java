package io.dams.notifier.testing;

import static org.awaitility.Awaitility.await;

import io.dams.notifier.channel.Channel;
import io.dams.notifier.channel.Delivery;
import io.dams.notifier.delivery.ChannelDispatcher;
import io.dams.notifier.delivery.DeliveryJob;
import io.dams.notifier.delivery.NotifierMetrics;
import io.dams.notifier.delivery.Outcome;
import io.dams.notifier.delivery.OutcomeSink;
import io.dams.notifier.delivery.RetryPolicy;
import io.dams.notifier.delivery.TokenBucket;
import io.dams.schemas.avro.Notification;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.TopicPartition;

/**
 * A channel behind a real {@link ChannelDispatcher} (retries, backoff, rate limit) with outcomes recorded in memory
 * instead of Kafka, and every attempt's result kept.
 */
public final class Dispatch implements AutoCloseable, OutcomeSink {

    public static final TopicPartition PARTITION = new TopicPartition("dams.alerts.notifications", 0);

    private final List<Outcome> outcomes = new CopyOnWriteArrayList<>();
    private final List<DeliveryJob> skipped = new CopyOnWriteArrayList<>();
    private final List<Delivery> attempts = new CopyOnWriteArrayList<>();
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final ChannelDispatcher dispatcher;
    private final AtomicLong offsets = new AtomicLong();

    /** One attempt at a time, so that attempts happen in a predictable order. */
    public Dispatch(Channel channel, RetryPolicy retry) {
        this(channel, retry, new TokenBucket(1000, 1000, System::nanoTime), 100, 1);
    }

    public Dispatch(Channel channel, RetryPolicy retry, TokenBucket bucket, int capacity, int concurrency) {
        Channel recording = new Channel() {
            @Override
            public String name() {
                return channel.name();
            }

            @Override
            public String receiver() {
                return channel.receiver();
            }

            @Override
            public Delivery deliver(Notification notification) throws InterruptedException {
                Delivery d = channel.deliver(notification);
                attempts.add(d);
                return d;
            }
        };
        // Jitter fixed at its middle: waits are deterministic.
        this.dispatcher = new ChannelDispatcher(recording, retry, bucket, capacity, concurrency, job -> false, this,
                new NotifierMetrics(registry), Clock.systemUTC(), System::nanoTime, () -> 0.5);
    }

    /** Fast retries: 20 ms doubling up to 100 ms, at most {@code maxAttempts}, within 30 s. */
    public static RetryPolicy fastRetries(int maxAttempts) {
        return new RetryPolicy(Duration.ofMillis(20), Duration.ofMillis(100), maxAttempts, Duration.ofSeconds(30));
    }

    public DeliveryJob submit(Notification n) {
        DeliveryJob job = new DeliveryJob(n, dispatcher.channelName(), PARTITION, offsets.getAndIncrement(),
                offsets.get());
        dispatcher.submit(job);
        return job;
    }

    /** Submits and waits (at most 30 s) for the final outcome. */
    public Outcome deliver(Notification n) {
        DeliveryJob job = submit(n);
        return outcomeOf(job);
    }

    public Outcome outcomeOf(DeliveryJob job) {
        return await().atMost(Duration.ofSeconds(30)).until(() -> find(job), Optional::isPresent).orElseThrow();
    }

    private Optional<Outcome> find(DeliveryJob job) {
        return outcomes.stream().filter(o -> o.job() == job).findFirst();
    }

    public List<Outcome> outcomes() {
        return List.copyOf(outcomes);
    }

    /** Every attempt's result, in order. */
    public List<Delivery> attempts() {
        return List.copyOf(attempts);
    }

    public ChannelDispatcher dispatcher() {
        return dispatcher;
    }

    public SimpleMeterRegistry registry() {
        return registry;
    }

    @Override
    public void finished(Outcome outcome) {
        outcomes.add(outcome);
    }

    @Override
    public void alreadyDone(DeliveryJob job) {
        skipped.add(job);
    }

    @Override
    public void close() {
        dispatcher.close(Duration.ofMillis(100));
    }
}
