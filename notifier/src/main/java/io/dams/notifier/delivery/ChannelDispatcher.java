package io.dams.notifier.delivery;

import io.dams.notifier.channel.Channel;
import io.dams.notifier.channel.Delivery;
import io.dams.schemas.avro.DeliveryOutcome;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.PriorityQueue;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.DoubleSupplier;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers one channel's notifications on threads of its own, so that a slow or failing channel never holds up
 * another: a bounded in-memory queue, up to {@code concurrency} attempts at once, retries with exponential backoff
 * and jitter, the channel's rate limit, and the receiver's {@code Retry-After} (which holds back the whole channel, as
 * the receiver asked).
 *
 * <p>Notifications of one group go out in the order they came, one at a time (a resolve never overtakes its trigger);
 * while one waits for a retry, or hangs until the request timeout, other groups' notifications go ahead. Each job ends in exactly one report to the
 * {@link OutcomeSink}, unless the dispatcher is closed or its partition revoked first (then it is abandoned, nothing
 * is recorded, and the notification's offset stays uncommitted so that the next owner delivers it).
 */
public final class ChannelDispatcher implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(ChannelDispatcher.class);
    private static final Comparator<DeliveryJob> DUE_ORDER = Comparator
            .<DeliveryJob>comparingLong(j -> j.nextAttemptNanos)
            .thenComparingLong(j -> j.sequence);

    private final Channel channel;
    private final RetryPolicy retry;
    private final TokenBucket bucket;
    private final int capacity;
    private final Predicate<DeliveryJob> alreadyDone;
    private final OutcomeSink sink;
    private final NotifierMetrics metrics;
    private final Clock clock;
    private final LongSupplier nanoTime;
    private final DoubleSupplier random;

    private final ReentrantLock lock = new ReentrantLock();
    private final Condition changed = lock.newCondition();
    /** Every waiting job by group, oldest first; only a group's head may be attempted. */
    private final Map<String, ArrayDeque<DeliveryJob>> groups = new HashMap<>();
    /** The heads of the groups that are not being attempted, by when they are due. */
    private final PriorityQueue<DeliveryJob> ready = new PriorityQueue<>(DUE_ORDER);
    /** Notification ids waiting or in flight here, to drop a repeated record of the same notification. */
    private final Set<String> queuedIds = new HashSet<>();
    private int depth;
    private int retryDepth;
    private long holdUntilNanos;
    /** Jobs being attempted now; each is its group's head. */
    private final Set<DeliveryJob> inFlight = new HashSet<>();
    private boolean closing;
    private final List<Thread> workers = new ArrayList<>();

    /**
     * @param alreadyDone true for a job whose (notification, channel) already has an outcome in the delivery log;
     *                    asked again just before each first attempt
     */
    public ChannelDispatcher(Channel channel, RetryPolicy retry, TokenBucket bucket, int capacity, int concurrency,
                             Predicate<DeliveryJob> alreadyDone, OutcomeSink sink, NotifierMetrics metrics,
                             Clock clock, LongSupplier nanoTime, DoubleSupplier random) {
        this.channel = channel;
        this.retry = retry;
        this.bucket = bucket;
        this.capacity = capacity;
        this.alreadyDone = alreadyDone;
        this.sink = sink;
        this.metrics = metrics;
        this.clock = clock;
        this.nanoTime = nanoTime;
        this.random = random;
        this.holdUntilNanos = nanoTime.getAsLong();
        metrics.queues(channel.name(), this::depth, this::retryDepth);
        for (int i = 0; i < concurrency; i++) {
            Thread worker = new Thread(this::run, "dams-notifier-" + channel.name() + "-" + i);
            worker.setDaemon(true);
            workers.add(worker);
        }
        workers.forEach(Thread::start);
    }

    public String channelName() {
        return channel.name();
    }

    /**
     * Queues a job. Returns false when the same notification is already waiting or in flight on this channel (a
     * repeated record); the caller treats the job as done, since the first copy will be delivered.
     */
    public boolean submit(DeliveryJob job) {
        lock.lock();
        try {
            if (closing || !queuedIds.add(job.notificationId())) {
                return false;
            }
            job.nextAttemptNanos = nanoTime.getAsLong();
            ArrayDeque<DeliveryJob> group = groups.computeIfAbsent(job.notification().getGroupKey(), k -> new ArrayDeque<>());
            group.addLast(job);
            depth++;
            if (group.size() == 1) {
                ready.add(job);
            }
            changed.signalAll();
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** Jobs waiting, including those waiting for a retry and the one in flight. */
    public int depth() {
        lock.lock();
        try {
            return depth;
        } finally {
            lock.unlock();
        }
    }

    /** Jobs that failed at least once and wait for another attempt. */
    public int retryDepth() {
        lock.lock();
        try {
            return retryDepth;
        } finally {
            lock.unlock();
        }
    }

    /** True when the queue holds as many jobs as it may: the caller stops reading until it drains. */
    public boolean full() {
        return depth() >= capacity;
    }

    /**
     * Drops the waiting jobs read from {@code partitions} (they were revoked: their new owner delivers them) and waits
     * until an attempt in flight for one of them has finished, so that its outcome is in the delivery log before the
     * new owner reads it.
     */
    public void abandon(Collection<TopicPartition> partitions, Duration maxWait) throws InterruptedException {
        Set<TopicPartition> revoked = Set.copyOf(partitions);
        lock.lock();
        try {
            for (Iterator<ArrayDeque<DeliveryJob>> it = groups.values().iterator(); it.hasNext(); ) {
                ArrayDeque<DeliveryJob> group = it.next();
                for (Iterator<DeliveryJob> jobs = group.iterator(); jobs.hasNext(); ) {
                    DeliveryJob job = jobs.next();
                    if (revoked.contains(job.partition())) {
                        if (inFlight.contains(job)) {
                            job.abandoned = true;
                        } else {
                            jobs.remove();
                            forget(job);
                        }
                    }
                }
                if (group.isEmpty()) {
                    it.remove();
                }
            }
            rebuildReady();
            long deadline = nanoTime.getAsLong() + maxWait.toNanos();
            while (inFlight.stream().anyMatch(j -> revoked.contains(j.partition()))) {
                long left = deadline - nanoTime.getAsLong();
                if (left <= 0) {
                    LOG.warn("{}: attempts for revoked partitions are still running after {} ms; their outcomes may "
                            + "reach the delivery log after the partitions' new owner read it", channel.name(),
                            maxWait.toMillis());
                    return;
                }
                changed.awaitNanos(left);
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops: an attempt in flight gets {@code grace} to finish (its outcome is reported), then it is interrupted and
     * abandoned; waiting jobs are abandoned (not recorded, so their offsets stay uncommitted).
     */
    @Override
    public void close() {
        close(Duration.ZERO);
    }

    /** Stops taking jobs and starting attempts; an attempt in flight goes on. {@link #close(Duration)} waits for it. */
    public void stop() {
        lock.lock();
        try {
            closing = true;
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    public void close(Duration grace) {
        stop();
        try {
            long deadline = System.nanoTime() + grace.toNanos();
            for (Thread worker : workers) {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime())));
            }
            workers.stream().filter(Thread::isAlive).forEach(Thread::interrupt);
            long hardDeadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
            for (Thread worker : workers) {
                worker.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(hardDeadline - System.nanoTime())));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        int left = depth();
        if (left > 0) {
            LOG.info("{}: stopped with {} notifications not delivered yet; they will be delivered after the restart",
                    channel.name(), left);
        }
    }

    private void run() {
        while (true) {
            DeliveryJob job;
            lock.lock();
            try {
                job = awaitDue();
                if (job == null) {
                    return;
                }
                inFlight.add(job);
            } finally {
                lock.unlock();
            }
            try {
                attempt(job);
            } catch (InterruptedException e) {
                LOG.info("{}: stopped during an attempt for {}; it is abandoned", channel.name(), job);
                return;
            } finally {
                lock.lock();
                try {
                    inFlight.remove(job);
                    changed.signalAll();
                } finally {
                    lock.unlock();
                }
            }
        }
    }

    /** The next job to attempt, once it is due, the channel is not held back and the rate limit allows; null on close. */
    private DeliveryJob awaitDue() {
        try {
            while (!closing) {
                DeliveryJob head = ready.peek();
                if (head == null) {
                    changed.await();
                    continue;
                }
                long now = nanoTime.getAsLong();
                long wait = Math.max(head.nextAttemptNanos - now, holdUntilNanos - now);
                if (wait <= 0) {
                    wait = bucket.nanosUntilToken();
                    if (wait <= 0 && bucket.tryTake()) {
                        return ready.poll();
                    }
                }
                changed.awaitNanos(Math.max(wait, 1));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return null;
    }

    private void attempt(DeliveryJob job) throws InterruptedException {
        if (job.attempts == 0 && alreadyDone.test(job)) {
            finish(job);
            sink.alreadyDone(job);
            return;
        }
        long started = nanoTime.getAsLong();
        if (job.attempts == 0) {
            job.firstAttemptAt = clock.instant();
            job.firstAttemptNanos = started;
        }
        job.attempts++;
        Delivery delivery;
        try {
            delivery = channel.deliver(job.notification());
        } catch (RuntimeException e) {
            LOG.warn("{}: attempt {} for {} failed unexpectedly: {}", channel.name(), job.attempts, job, e.toString());
            delivery = Delivery.retry(null, "unexpected failure: " + e);
        }
        metrics.attempt(channel.name(), delivery.result());
        switch (delivery.result()) {
            case DELIVERED -> report(job, DeliveryOutcome.DELIVERED, delivery, Optional.empty());
            case REJECTED -> report(job, DeliveryOutcome.REJECTED, delivery, Optional.empty());
            case RETRY -> {
                Duration sinceFirst = Duration.ofNanos(nanoTime.getAsLong() - job.firstAttemptNanos);
                Optional<Duration> wait = retry.next(job.attempts, sinceFirst, delivery.retryAfter(), random);
                if (wait.isEmpty()) {
                    String reason = job.attempts >= retry.maxAttempts() ? "max_attempts" : "max_time";
                    report(job, DeliveryOutcome.DEAD_LETTERED, delivery, Optional.of(reason));
                } else {
                    reschedule(job, wait.get(), delivery);
                }
            }
        }
    }

    private void reschedule(DeliveryJob job, Duration wait, Delivery delivery) {
        LOG.info("{}: attempt {} for {} failed ({}); next attempt in {} ms", channel.name(), job.attempts, job,
                delivery.error().orElse("?"), wait.toMillis());
        lock.lock();
        try {
            if (job.abandoned || closing) {
                if (job.abandoned) {
                    dropAbandoned(job);
                }
                return;
            }
            long now = nanoTime.getAsLong();
            job.nextAttemptNanos = now + wait.toNanos();
            if (delivery.retryAfter().isPresent()) {
                // The receiver asked the client, not this one notification, to wait.
                holdUntilNanos = Math.max(holdUntilNanos, now + delivery.retryAfter().get().toNanos());
            }
            if (!job.waitingForRetry) {
                job.waitingForRetry = true;
                retryDepth++;
            }
            ready.add(job);
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void report(DeliveryJob job, DeliveryOutcome outcome, Delivery last, Optional<String> deadLetterReason) {
        finish(job);
        Outcome result = new Outcome(job, outcome, job.attempts, job.firstAttemptAt, clock.instant(),
                Optional.of(last), deadLetterReason);
        switch (outcome) {
            case DELIVERED -> LOG.info("{}: delivered {} (attempt {})", channel.name(), job, job.attempts);
            case REJECTED -> LOG.warn("{}: {} refused for good, not retried: {}", channel.name(), job,
                    last.error().orElse("?"));
            case DEAD_LETTERED -> LOG.warn("{}: giving up on {} after {} attempts ({}): {}; it goes to the dead-letter "
                    + "topic", channel.name(), job, job.attempts, deadLetterReason.orElse("?"), last.error().orElse("?"));
        }
        sink.finished(result);
    }

    /** Removes a finished job from its group and lets the group's next job go. */
    private void finish(DeliveryJob job) {
        lock.lock();
        try {
            ArrayDeque<DeliveryJob> group = groups.get(job.notification().getGroupKey());
            if (group != null && group.remove(job)) {
                forget(job);
                if (group.isEmpty()) {
                    groups.remove(job.notification().getGroupKey());
                } else {
                    DeliveryJob next = group.peekFirst();
                    if (!inFlight.contains(next) && !ready.contains(next)) {
                        next.nextAttemptNanos = Math.max(next.nextAttemptNanos, nanoTime.getAsLong());
                        ready.add(next);
                    }
                }
            }
            changed.signalAll();
        } finally {
            lock.unlock();
        }
    }

    private void dropAbandoned(DeliveryJob job) {
        ArrayDeque<DeliveryJob> group = groups.get(job.notification().getGroupKey());
        if (group != null && group.remove(job)) {
            forget(job);
            if (group.isEmpty()) {
                groups.remove(job.notification().getGroupKey());
            }
        }
        rebuildReady();
    }

    private void forget(DeliveryJob job) {
        depth--;
        if (job.waitingForRetry) {
            job.waitingForRetry = false;
            retryDepth--;
        }
        queuedIds.remove(job.notificationId());
    }

    private void rebuildReady() {
        ready.clear();
        for (ArrayDeque<DeliveryJob> group : groups.values()) {
            DeliveryJob head = group.peekFirst();
            if (head != null && !inFlight.contains(head)) {
                ready.add(head);
            }
        }
    }

    /** For the status endpoint. */
    public Map<String, Object> health() {
        lock.lock();
        try {
            Map<String, Object> h = new HashMap<>();
            h.put("queued", depth);
            h.put("waiting_for_retry", retryDepth);
            long hold = holdUntilNanos - nanoTime.getAsLong();
            if (hold > 0) {
                h.put("held_back_ms", TimeUnit.NANOSECONDS.toMillis(hold));
            }
            return h;
        } finally {
            lock.unlock();
        }
    }
}
