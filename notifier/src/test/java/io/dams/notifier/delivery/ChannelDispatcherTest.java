package io.dams.notifier.delivery;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.notifier.channel.Channel;
import io.dams.notifier.channel.Delivery;
import io.dams.notifier.testing.Dispatch;
import io.dams.notifier.testing.Notifications;
import io.dams.schemas.avro.DeliveryOutcome;
import io.dams.schemas.avro.Notification;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

/** Scheduling of one channel's deliveries: order within a group, independence of groups, rate limit, queue bound. */
class ChannelDispatcherTest {

    /** A channel answering from a script per notification id (DELIVERED once the script is used up). */
    static class ScriptedChannel implements Channel {
        final Map<String, Deque<Delivery>> scripts = new ConcurrentHashMap<>();
        final List<String> attempts = new CopyOnWriteArrayList<>();
        final List<Long> attemptNanos = new CopyOnWriteArrayList<>();
        volatile CountDownLatch hold;

        ScriptedChannel fail(String id, Delivery... deliveries) {
            scripts.put(id, new ArrayDeque<>(List.of(deliveries)));
            return this;
        }

        @Override
        public String name() {
            return "scripted";
        }

        @Override
        public String receiver() {
            return "nowhere";
        }

        @Override
        public Delivery deliver(Notification n) throws InterruptedException {
            attempts.add(n.getNotificationId());
            attemptNanos.add(System.nanoTime());
            CountDownLatch h = hold;
            if (h != null) {
                h.await(30, TimeUnit.SECONDS);
            }
            Deque<Delivery> script = scripts.get(n.getNotificationId());
            Delivery next = script == null ? null : script.poll();
            return next != null ? next : Delivery.delivered(200);
        }
    }

    private static Notification of(String id, String group) {
        return Notifications.ofGroup(id, group, List.of("scripted"));
    }

    @Test
    void shouldDeliverAGroupsNotificationsInOrderEvenWhenTheFirstNeedsRetries() {
        ScriptedChannel channel = new ScriptedChannel().fail("trigger", Delivery.retry(500, "HTTP 500"),
                Delivery.retry(500, "HTTP 500"));
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(5))) {
            dispatch.submit(of("trigger", "g"));
            dispatch.submit(of("resolve", "g"));

            await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.outcomes().size() == 2);

            assertThat(channel.attempts).containsExactly("trigger", "trigger", "trigger", "resolve");
            assertThat(dispatch.outcomes()).extracting(o -> o.job().notificationId()).containsExactly("trigger", "resolve");
        }
    }

    @Test
    void shouldKeepAGroupsOrderWithSeveralAttemptsInFlight() {
        ScriptedChannel channel = new ScriptedChannel().fail("trigger", Delivery.retry(500, "HTTP 500"));
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(5), new TokenBucket(1000, 1000,
                System::nanoTime), 100, 4)) {
            dispatch.submit(of("trigger", "g"));
            dispatch.submit(of("update", "g"));
            dispatch.submit(of("resolve", "g"));
            dispatch.submit(of("other", "h"));

            await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.outcomes().size() == 4);

            assertThat(channel.attempts.stream().filter(id -> !id.equals("other")))
                    .containsExactly("trigger", "trigger", "update", "resolve");
        }
    }

    @Test
    void shouldLetOtherGroupsGoAheadWhileAnAttemptHangs() {
        ScriptedChannel channel = new ScriptedChannel() {
            final CountDownLatch release = new CountDownLatch(1);

            @Override
            public Delivery deliver(Notification n) throws InterruptedException {
                if (n.getNotificationId().equals("hanging")) {
                    attempts.add("hanging");
                    release.await(30, TimeUnit.SECONDS);
                    return Delivery.delivered(200);
                }
                return super.deliver(n);
            }
        };
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(3), new TokenBucket(1000, 1000,
                System::nanoTime), 100, 2)) {
            dispatch.submit(of("hanging", "g1"));
            await().atMost(Duration.ofSeconds(5)).until(() -> channel.attempts.contains("hanging"));
            dispatch.submit(of("next-1", "g2"));
            dispatch.submit(of("next-2", "g3"));

            await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.outcomes().size() == 2);

            assertThat(dispatch.outcomes()).extracting(o -> o.job().notificationId())
                    .containsExactlyInAnyOrder("next-1", "next-2");
        }
    }

    @Test
    void shouldLetOtherGroupsGoAheadWhileOneWaitsForARetry() {
        ScriptedChannel channel = new ScriptedChannel().fail("slow", Delivery.retry(503, "HTTP 503"));
        RetrySlowly retry = new RetrySlowly();
        try (Dispatch dispatch = new Dispatch(channel, retry.policy)) {
            dispatch.submit(of("slow", "g1"));
            dispatch.submit(of("fast-1", "g2"));
            dispatch.submit(of("fast-2", "g3"));

            await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.outcomes().size() == 3);

            assertThat(channel.attempts).containsExactly("slow", "fast-1", "fast-2", "slow");
            assertThat(dispatch.outcomes()).allMatch(o -> o.outcome() == DeliveryOutcome.DELIVERED);
        }
    }

    /** A 500 ms first backoff: long against an attempt, short for a test. */
    static final class RetrySlowly {
        final RetryPolicy policy = new RetryPolicy(Duration.ofMillis(500), Duration.ofMillis(500), 3,
                Duration.ofSeconds(30));
    }

    @Test
    void shouldKeepToTheRateLimit() {
        ScriptedChannel channel = new ScriptedChannel();
        // Two at once, then one every 100 ms.
        TokenBucket bucket = new TokenBucket(10, 2, System::nanoTime);
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(3), bucket, 100, 4)) {
            for (int i = 0; i < 6; i++) {
                dispatch.submit(of("n" + i, "g" + i));
            }

            await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.outcomes().size() == 6);

            long span = channel.attemptNanos.get(5) - channel.attemptNanos.get(0);
            // 2 burst + 4 more at 10/s: at least ~400 ms (a little less for clock granularity).
            assertThat(span).isGreaterThanOrEqualTo(Duration.ofMillis(380).toNanos());
        }
    }

    @Test
    void shouldSayWhenTheQueueIsFullAndDropARepeatedNotification() {
        ScriptedChannel channel = new ScriptedChannel();
        channel.hold = new CountDownLatch(1);
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(3), new TokenBucket(1000, 1000,
                System::nanoTime), 2, 1)) {
            dispatch.submit(of("a", "g1"));
            assertThat(dispatch.dispatcher().full()).isFalse();
            dispatch.submit(of("b", "g2"));
            assertThat(dispatch.dispatcher().full()).isTrue();
            assertThat(dispatch.dispatcher().submit(new DeliveryJob(of("b", "g2"), "scripted", Dispatch.PARTITION,
                    99, 99))).isFalse();

            channel.hold.countDown();
            await().atMost(Duration.ofSeconds(10)).until(() -> dispatch.outcomes().size() == 2);
            assertThat(dispatch.dispatcher().full()).isFalse();
            assertThat(dispatch.dispatcher().depth()).isZero();
        }
    }

    @Test
    void shouldCountJobsWaitingForARetry() {
        ScriptedChannel channel = new ScriptedChannel().fail("x", Delivery.retry(500, "HTTP 500"));
        try (Dispatch dispatch = new Dispatch(channel, new RetrySlowly().policy)) {
            dispatch.submit(of("x", "g"));

            await().atMost(Duration.ofSeconds(5)).until(() -> dispatch.dispatcher().retryDepth() == 1);
            assertThat(dispatch.dispatcher().depth()).isEqualTo(1);
            await().atMost(Duration.ofSeconds(5)).until(() -> dispatch.outcomes().size() == 1);
            assertThat(dispatch.dispatcher().retryDepth()).isZero();
            assertThat(dispatch.dispatcher().depth()).isZero();
        }
    }

    @Test
    void shouldDropRevokedJobsButFinishTheOneInFlight() throws InterruptedException {
        ScriptedChannel channel = new ScriptedChannel();
        channel.hold = new CountDownLatch(1);
        TopicPartition other = new TopicPartition("dams.alerts.notifications", 1);
        try (Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(3))) {
            dispatch.submit(of("in-flight", "g1"));
            dispatch.submit(of("waiting", "g2"));
            DeliveryJob kept = new DeliveryJob(of("kept", "g3"), "scripted", other, 0, 100);
            dispatch.dispatcher().submit(kept);
            await().atMost(Duration.ofSeconds(5)).until(() -> channel.attempts.contains("in-flight"));

            Thread revocation = new Thread(() -> {
                try {
                    dispatch.dispatcher().abandon(List.of(Dispatch.PARTITION), Duration.ofSeconds(30));
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            revocation.start();
            // The revocation waits for the attempt in flight...
            await().atMost(Duration.ofSeconds(5)).until(() -> revocation.getState() == Thread.State.TIMED_WAITING);
            assertThat(dispatch.outcomes()).isEmpty();
            channel.hold.countDown();
            revocation.join(TimeUnit.SECONDS.toMillis(30));
            // ...and returns once its outcome is reported.
            assertThat(revocation.isAlive()).isFalse();
            assertThat(dispatch.outcomes()).extracting(o -> o.job().notificationId()).contains("in-flight");
            await().atMost(Duration.ofSeconds(5)).until(() -> dispatch.outcomes().size() == 2);
            assertThat(dispatch.outcomes()).extracting(o -> o.job().notificationId()).containsExactly("in-flight", "kept");
            assertThat(channel.attempts).containsExactly("in-flight", "kept");
        }
    }

    @Test
    void shouldAbandonAnAttemptStillRunningWhenClosedAfterTheGrace() {
        ScriptedChannel channel = new ScriptedChannel();
        channel.hold = new CountDownLatch(1);
        Dispatch dispatch = new Dispatch(channel, Dispatch.fastRetries(3));
        dispatch.submit(of("stuck", "g1"));
        await().atMost(Duration.ofSeconds(5)).until(() -> channel.attempts.contains("stuck"));

        dispatch.dispatcher().close(Duration.ofMillis(50));

        assertThat(dispatch.outcomes()).isEmpty();
    }
}
