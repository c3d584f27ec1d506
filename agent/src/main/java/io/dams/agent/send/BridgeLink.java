package io.dams.agent.send;

import com.google.protobuf.InvalidProtocolBufferException;
import io.dams.runtime.queue.DiskQueue;
import io.dams.runtime.tls.MutualTls;
import io.dams.schemas.ingest.v1.Ack;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.ingest.v1.Batch;
import io.dams.schemas.ingest.v1.IngestGrpc;
import io.dams.schemas.ingest.v1.RegisterRequest;
import io.grpc.ManagedChannel;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.grpc.stub.StreamObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's link to its bridge: drains the outbox (a disk queue of batches, oldest first) over a mutual-TLS
 * Publish stream, and removes a batch only once the bridge has acknowledged it. While the bridge is unreachable the
 * outbox keeps filling on disk; on reconnect, with backoff and jitter, every unacknowledged batch is sent again in
 * order (the bridge drops the ones it already had).
 *
 * <p>The outbox's record id is the batch's {@code seq}: strictly increasing and, because the queue persists its next
 * id, continuing across agent restarts.
 */
public final class BridgeLink implements AutoCloseable {

    /** Unacknowledged batches in flight on one stream. */
    static final int WINDOW = 64;

    private static final Logger LOG = LoggerFactory.getLogger(BridgeLink.class);

    private final String target;
    private final String authority;
    private final MutualTls tls;
    private final DiskQueue outbox;
    private final Backoff backoff;
    private final AssetInfo asset;
    private final Thread thread;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final Set<Long> acked = new ConcurrentSkipListSet<>();
    private final AtomicReference<Instant> lastAck = new AtomicReference<>();
    private final AtomicReference<String> lastError = new AtomicReference<>("not connected yet");
    private final Counter sent;
    private final Counter acks;
    private final Counter duplicates;
    private final Counter reconnects;
    private final Counter unreadable;
    private final CountDownLatch closing = new CountDownLatch(1);
    private boolean pending;
    private volatile boolean running = true;
    private volatile boolean connected;
    private volatile Throwable streamError;
    /** The newest outbox record found unreadable and counted; the link thread's alone. */
    private long lastUnreadable = Long.MIN_VALUE;

    /**
     * @param target    the bridge, host:port
     * @param authority the name the bridge's certificate must carry (its DNS SAN); null to use the target's host
     */
    public BridgeLink(String target, String authority, MutualTls tls, DiskQueue outbox, Backoff backoff,
                      AssetInfo asset, MeterRegistry registry) {
        this.target = target;
        this.authority = authority;
        this.tls = tls;
        this.outbox = outbox;
        this.backoff = backoff;
        this.asset = asset;
        this.sent = Counter.builder("dams.agent.batches.sent").register(registry);
        this.acks = Counter.builder("dams.agent.batches.acked").register(registry);
        this.duplicates = Counter.builder("dams.agent.batches.duplicate").register(registry);
        this.reconnects = Counter.builder("dams.agent.reconnects").register(registry);
        this.unreadable = Counter.builder("dams.agent.buffer.unreadable.batches")
                .description("Outbox records that are no batch, dropped so that the batches after them can go")
                .register(registry);
        registry.gauge("dams.agent.connected", this, l -> l.connected ? 1 : 0);
        this.thread = new Thread(this::run, "dams-bridge-link");
        this.thread.setDaemon(true);
    }

    public BridgeLink start() {
        thread.start();
        return this;
    }

    /** Wakes the sender: a new batch is in the outbox. */
    public void outboxChanged() {
        signal();
    }

    public boolean connected() {
        return connected;
    }

    /** When the bridge last acknowledged a batch. */
    public Optional<Instant> lastAcknowledged() {
        return Optional.ofNullable(lastAck.get());
    }

    public String lastError() {
        return lastError.get();
    }

    @Override
    public void close() {
        running = false;
        closing.countDown();
        signal();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(5));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void run() {
        int attempt = 0;
        while (running) {
            ManagedChannel channel = channel();
            try {
                register(channel);
                attempt = stream(channel) ? 0 : attempt;
            } catch (StatusRuntimeException e) {
                lastError.set(describe(e.getStatus()));
                LOG.warn("bridge {}: {}", target, lastError.get());
            } catch (RuntimeException e) {
                lastError.set(e.toString());
                LOG.warn("bridge {}: {}", target, e.toString());
            } finally {
                connected = false;
                channel.shutdownNow();
            }
            if (!running) {
                break;
            }
            reconnects.increment();
            Duration wait = backoff.delay(attempt++);
            try {
                // Only close() ends a backoff early; new batches just wait in the outbox.
                closing.await(wait.toMillis(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private ManagedChannel channel() {
        NettyChannelBuilder builder = NettyChannelBuilder.forTarget(target).sslContext(tls.context())
                .keepAliveTime(30, TimeUnit.SECONDS);
        if (authority != null) {
            builder.overrideAuthority(authority);
        }
        return builder.build();
    }

    private void register(ManagedChannel channel) {
        IngestGrpc.newBlockingStub(channel).withDeadlineAfter(15, TimeUnit.SECONDS)
                .register(RegisterRequest.newBuilder().setAsset(asset).build());
    }

    /** Sends the outbox over one Publish stream until it fails or the link closes; true if any ack arrived. */
    private boolean stream(ManagedChannel channel) {
        streamError = null;
        acked.clear();
        boolean[] progressed = {false};
        StreamObserver<Batch> requests = IngestGrpc.newStub(channel).publish(new StreamObserver<>() {
            @Override
            public void onNext(Ack ack) {
                acked.add(ack.getSeq());
                acks.increment();
                if (ack.getDuplicate()) {
                    duplicates.increment();
                }
                lastAck.set(Instant.now());
                progressed[0] = true;
                signal();
            }

            @Override
            public void onError(Throwable t) {
                streamError = t;
                signal();
            }

            @Override
            public void onCompleted() {
                streamError = Status.UNAVAILABLE.withDescription("the bridge ended the stream").asRuntimeException();
                signal();
            }
        });
        connected = true;
        lastError.set("");
        long sentThrough = Long.MIN_VALUE;
        try {
            while (running && streamError == null) {
                List<DiskQueue.Entry> head = outbox.peek(WINDOW);
                long ackedThrough = Long.MIN_VALUE;
                for (DiskQueue.Entry entry : head) {
                    if (!acked.remove(entry.id())) {
                        break;
                    }
                    ackedThrough = entry.id();
                }
                if (ackedThrough != Long.MIN_VALUE) {
                    outbox.removeThrough(ackedThrough);
                    continue;
                }
                for (DiskQueue.Entry entry : head) {
                    if (entry.id() > sentThrough) {
                        Optional<Batch> batch = batch(entry);
                        if (batch.isPresent()) {
                            requests.onNext(batch.get());
                            sent.increment();
                        } else {
                            // Counts as acknowledged: it leaves the outbox in order with the batches around it.
                            acked.add(entry.id());
                            signal();
                        }
                        sentThrough = entry.id();
                    }
                }
                await(1_000);
            }
        } finally {
            if (streamError == null) {
                requests.onCompleted();
            } else if (streamError instanceof StatusRuntimeException sre) {
                lastError.set(describe(sre.getStatus()));
                LOG.warn("bridge {}: {}", target, lastError.get());
            }
        }
        return progressed[0];
    }

    /**
     * The outbox record as the batch to send, or empty when it is no batch (a damaged file): that one is dropped and
     * counted, where sending nothing at all would hold back every batch after it for good.
     */
    private Optional<Batch> batch(DiskQueue.Entry entry) {
        try {
            return Optional.of(Batch.parseFrom(entry.payload()).toBuilder().setSeq(entry.id()).build());
        } catch (InvalidProtocolBufferException e) {
            // Found again after a reconnect if the batches before it were not acknowledged yet: counted once.
            if (entry.id() > lastUnreadable) {
                lastUnreadable = entry.id();
                unreadable.increment();
                LOG.error("outbox record {} ({} bytes) is not a batch and is dropped: {}", entry.id(),
                        entry.payload().length, e.getMessage());
            }
            return Optional.empty();
        }
    }

    private void signal() {
        lock.lock();
        try {
            pending = true;
            wake.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /** Waits for a signal (one that came since the last wait counts) or {@code millis}. */
    private void await(long millis) {
        lock.lock();
        try {
            if (!pending) {
                wake.await(millis, TimeUnit.MILLISECONDS);
            }
            pending = false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        } finally {
            lock.unlock();
        }
    }

    private static String describe(Status status) {
        String d = status.getDescription();
        return status.getCode() + (d == null ? "" : ": " + d)
                + (status.getCause() != null ? " (" + status.getCause().getMessage() + ")" : "");
    }
}
