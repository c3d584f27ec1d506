package io.dams.bridge.forward;

import io.dams.runtime.queue.DiskQueue;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.Producer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.KafkaException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Forwards accepted batches to {@code dams.metrics.raw}, keyed by asset, and completes each {@link #forward} only once
 * the batch is durable at the hub: acknowledged by Kafka ({@link Durability#KAFKA}) or appended and synced to the
 * local spool ({@link Durability#SPOOL}). Every batch is forwarded, and one asset's batches reach Kafka in the order
 * {@code forward} was called for them.
 *
 * <h2>State machine</h2>
 *
 * <pre>
 *             a send fails, or Kafka stalls (see below):
 *             every unacknowledged batch is appended to the spool, in forward order, and completes SPOOL
 *   DIRECT ─────────────────────────────────────────────────────────────────────────────▶ SPOOLING
 *     ▲                                                                                      │
 *     └──────────────────────────────────────────────────────────────────────────────────────┘
 *             the SpoolReplayer, with Kafka answering, has handed the spool's last chunk to the producer
 * </pre>
 *
 * <ul>
 *   <li><b>DIRECT</b>: {@code forward} hands the batch to the idempotent producer and remembers it as unacknowledged;
 *   Kafka's acknowledgement completes it with KAFKA. A watchdog looks at the oldest unacknowledged batch: Kafka has
 *   stalled when that batch is {@code spoolAfter} old and no acknowledgement at all came for {@code spoolAfter}, or when
 *   it is {@code 5 × spoolAfter} old whatever else was acknowledged (one partition stuck). A Kafka that acknowledges,
 *   only later than {@code spoolAfter} because the bridge offers more than it takes, has not stalled: spooling would add
 *   work where there is too much already; the bridge's bound on bytes in flight pushes back on the agents instead.
 *   "Acknowledged" is when the acknowledgement reaches the producer's callback, not when the events thread gets to it:
 *   a bridge busy with a storm of TLS handshakes may run its events thread late, and that is no reason to spool.</li>
 *   <li><b>SPOOLING</b>: {@code forward} appends the batch to the spool, which is where every earlier unacknowledged
 *   batch of its asset already is, and completes it with SPOOL once synced. The replayer drains the spool oldest first
 *   (peek, send, await every acknowledgement, remove) and backs off while Kafka is unreachable. The forwarder starts
 *   in SPOOLING when the spool is not empty, so a spool left by a previous run goes first.</li>
 * </ul>
 *
 * <p>Why order per asset holds across the switches. To DIRECT: everything the spool held has been handed to the
 * producer under the lock that appends take, so every later batch follows it in the producer, which keeps one
 * partition's sends in order; the spool records leave the spool only once acknowledged. To SPOOLING: the acknowledged batches are in Kafka; from the first unacknowledged
 * one on, every batch is in the spool in forward order, and the spool is replayed in that order. A batch spooled while
 * the producer still holds it may yet be written by the producer, before the replayed copy (the same producer keeps
 * one partition's sends in order): that is a duplicate, which the ingest job drops by (agent_id, seq), never a
 * reordering. The producer never gives up on a send by itself ({@code delivery.timeout.ms} is unbounded), because a
 * send it abandoned could be overtaken by a later one; the forwarder's own deadline, {@code spoolAfter}, decides
 * instead. A failure that {@code send} reports at once (no metadata within {@code max.block.ms = spoolAfter}, a full
 * buffer) is handled before the next batch is sent. A batch Kafka refuses for its own sake (too large) is failed, not
 * spooled.
 *
 * <p>Decisions and sends are taken under one lock, in the order {@code forward} is called. So when the producer has no
 * metadata or buffer space, {@code forward} blocks its caller, and the callers behind it, for up to {@code spoolAfter}
 * before the batches go to the spool; otherwise it returns at once. A spooled batch completes on the spool-sync thread
 * after one fsync shared with every batch appended before it; neither callers nor the events thread wait for the disk.
 *
 * <p>The spool is one for all assets: a failure anywhere spools everything, which keeps order without tracking
 * partitions. It holds Avro without registry framing ({@link SpoolCodec}), so spooling works while the registry is
 * unreachable. Batches are encoded once, before they reach the forwarder ({@link EncodedBatch}); sending frames those
 * bytes with the schema id ({@link FramedBatchSerializer}), spooling and replaying only copy them.
 */
public final class KafkaForwarder implements AutoCloseable {

    /** The producer's {@code batch.size}. */
    static final int BATCH_BYTES = 256 * 1024;
    /** An unacknowledged send this many times {@code spoolAfter} old means Kafka stalled, acks for others or not. */
    static final int STALL_FACTOR = 5;

    /** The spool's file name in {@link ForwarderSettings#spoolDir()}. */
    public static final String SPOOL_FILE = "spool.mv.db";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaForwarder.class);

    private enum Mode { DIRECT, SPOOLING }

    private final ForwarderSettings settings;
    private final Producer<String, EncodedBatch> producer;
    private final DiskQueue spool;
    private final MeterRegistry registry;
    private final List<Meter> meters = new ArrayList<>();
    private final Timer directLatency;
    private final Timer spoolLatency;
    private final Counter forwardedDirect;
    private final Counter forwardedFromSpool;
    private final Counter lateAcks;
    private final Counter rejectedTooLarge;
    private final Counter discardedUndecodable;
    /** Acknowledgements and the watchdog, one at a time, off the producer's network thread. */
    private final ScheduledExecutorService events;
    /**
     * Completes spooled batches once the spool has synced them, so that {@code forward} never waits for an fsync: one
     * fsync serves every batch appended before it (group commit), whatever thread appended it.
     */
    private final ExecutorService spoolSyncs;
    private final SpoolReplayer replayer;

    private final ReentrantLock lock = new ReentrantLock();
    /** Signalled when the mode becomes SPOOLING or the forwarder closes; the replayer waits for it. */
    private final Condition spoolingOrClosed = lock.newCondition();
    /** Signalled when the last unacknowledged batch is acknowledged; close waits for it. */
    private final Condition allAcknowledged = lock.newCondition();
    /** Sent, not yet acknowledged nor spooled; oldest first. */
    private final LinkedHashSet<Pending> unacknowledged = new LinkedHashSet<>();
    /** Written under the lock; read without it by health checks, which must not wait behind a blocked send. */
    private volatile Mode mode;
    private boolean closed;
    private long spoolingSinceNanos;
    /** When direct sending (re)started, or an acknowledgement was handled on the events thread. */
    private long lastAckNanos;
    /**
     * When Kafka last acknowledged a send, written by the producer's network thread as the acknowledgement arrives. The
     * watchdog trusts this rather than {@link #lastAckNanos}: acknowledgements queued behind a busy events thread (it
     * also runs the agents' completion callbacks) are Kafka answering, not Kafka stalled.
     */
    private volatile long lastKafkaAckNanos;
    private long replayedSinceSpooling;
    private long firstReplayAckNanos;

    /** A batch handed to the producer. Identity matters: the same batch may be forwarded twice. */
    private static final class Pending {
        final EncodedBatch batch;
        final long startNanos;
        final CompletableFuture<Durability> result = new CompletableFuture<>();
        /** Guarded by the forwarder's lock: acknowledged, spooled or failed. */
        boolean resolved;

        Pending(EncodedBatch batch, long startNanos) {
            this.batch = batch;
            this.startNanos = startNanos;
        }
    }

    /** A batch appended to the spool, to complete once the spool has synced through {@code id}. */
    private record Spooled(CompletableFuture<Durability> result, long id) {
    }

    KafkaForwarder(ForwarderSettings settings, Producer<String, EncodedBatch> producer, DiskQueue spool,
                   MeterRegistry registry) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.producer = Objects.requireNonNull(producer, "producer");
        this.spool = Objects.requireNonNull(spool, "spool");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.directLatency = register(latencyTimer("direct"));
        this.spoolLatency = register(latencyTimer("spool"));
        this.forwardedDirect = register(forwardedCounter("direct"));
        this.forwardedFromSpool = register(forwardedCounter("spool"));
        this.lateAcks = register(Counter.builder("dams.bridge.forward.late.acks")
                .description("Batches Kafka acknowledged after they had been spooled: Kafka holds them twice")
                .register(registry));
        this.rejectedTooLarge = register(Counter.builder("dams.bridge.forward.rejected")
                .description("Batches Kafka refused for their own sake and that were therefore not acknowledged")
                .tag("reason", "too_large").register(registry));
        this.discardedUndecodable = register(Counter.builder("dams.bridge.forward.rejected")
                .tag("reason", "undecodable_spool_record").register(registry));
        register(Gauge.builder("dams.bridge.spool.records", spool, DiskQueue::size)
                .description("Batches in the spool").register(registry));
        register(Gauge.builder("dams.bridge.spool.bytes", spool, DiskQueue::bytes)
                .description("Bytes of batches in the spool").baseUnit("bytes").register(registry));
        register(Gauge.builder("dams.bridge.spool.oldest.age.seconds", spool, KafkaForwarder::oldestAgeSeconds)
                .description("Age of the oldest batch in the spool; 0 when it is empty").register(registry));
        register(FunctionCounter.builder("dams.bridge.spool.dropped.records", spool, DiskQueue::droppedRecords)
                .description("Batches dropped, oldest first, because the spool was full").register(registry));
        this.events = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "dams-forwarder-events"));
        this.spoolSyncs = Executors.newSingleThreadExecutor(r -> daemon(r, "dams-forwarder-spool-sync"));
        this.replayer = new SpoolReplayer(this, spool, producer);
        this.mode = spool.size() > 0 ? Mode.SPOOLING : Mode.DIRECT;
        this.spoolingSinceNanos = System.nanoTime();
        this.lastAckNanos = spoolingSinceNanos;
    }

    /**
     * Opens the spool, creates the producer and starts forwarding; a spool left by a previous run is replayed before
     * any new batch goes to Kafka directly.
     */
    public static KafkaForwarder start(ForwarderSettings settings, MeterRegistry registry) {
        settings.validate();
        DiskQueue spool = DiskQueue.open(settings.spoolDir().resolve(SPOOL_FILE), settings.spoolCapacity());
        try {
            KafkaForwarder forwarder = new KafkaForwarder(settings, new KafkaProducer<>(producerConfig(settings)),
                    spool, registry);
            forwarder.start();
            return forwarder;
        } catch (RuntimeException e) {
            spool.close();
            throw e;
        }
    }

    /**
     * The producer's configuration: idempotent, acks=all, compressed, lingering milliseconds, values framed with the
     * registry's schema id; room for every batch the bridge may have in flight.
     */
    static Map<String, Object> producerConfig(ForwarderSettings settings) {
        Map<String, Object> config = new HashMap<>(new RegistrySerdes(settings.registryUrl()).producerConfig());
        config.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, FramedBatchSerializer.class.getName());
        // Several agents' batches per request and compression frame: fewer requests, better zstd ratios.
        config.put(ProducerConfig.BATCH_SIZE_CONFIG, BATCH_BYTES);
        // Never the limit that blocks send(): the bridge's own bound on bytes in flight comes first.
        config.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 2 * settings.maxInFlight().bytes() + 32L * 1024 * 1024);
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, settings.bootstrapServers());
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "dams-bridge-forwarder");
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, settings.compression());
        config.put(ProducerConfig.LINGER_MS_CONFIG, (int) settings.linger().toMillis());
        // The producer must never abandon a send: a later one could then overtake it. spoolAfter is the deadline.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, Integer.MAX_VALUE);
        // send() waits this long for metadata or buffer space; then the batch goes to the spool like a late one.
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, settings.spoolAfter().toMillis());
        return config;
    }

    void start() {
        long tick = Math.max(10, Math.min(200, settings.spoolAfter().toMillis() / 10));
        events.scheduleWithFixedDelay(this::checkOldestSend, tick, tick, TimeUnit.MILLISECONDS);
        replayer.start();
        if (mode == Mode.SPOOLING) {
            LOG.info("spool {} holds {} batches from before the restart: replaying them before forwarding directly",
                    spool.file(), spool.size());
        }
    }

    /**
     * Forwards one batch, keyed by its asset. Completes with where the batch is durable, or exceptionally when it
     * cannot be made durable (the spool's disk failed, Kafka refused it as too large, the forwarder is closed); the
     * agent then keeps the batch and sends it again.
     */
    public CompletionStage<Durability> forward(EncodedBatch batch) {
        Objects.requireNonNull(batch, "batch");
        Pending pending = new Pending(batch, System.nanoTime());
        List<Spooled> spooled;
        lock.lock();
        try {
            if (closed) {
                return CompletableFuture.failedFuture(new IllegalStateException("the Kafka forwarder is closed"));
            }
            if (mode == Mode.SPOOLING) {
                spooled = spool(List.of(pending));
            } else {
                spooled = send(pending);
            }
        } finally {
            lock.unlock();
        }
        completeWhenSyncedLater(spooled);
        return pending.result;
    }

    /** Mode, spool size and age, for the bridge's health endpoint. */
    public Map<String, Object> health() {
        Map<String, Object> health = new LinkedHashMap<>();
        health.put("kafka", mode == Mode.DIRECT ? "direct" : "spooling");
        health.put("spoolRecords", spool.size());
        health.put("spoolBytes", spool.bytes());
        health.put("spoolOldestAgeSeconds", oldestAgeSeconds(spool));
        health.put("spoolDroppedRecords", spool.droppedRecords());
        return health;
    }

    /** The bound on batch bytes accepted and not yet durable, which the ingest service keeps. */
    public long maxInFlightBytes() {
        return settings.maxInFlight().bytes();
    }

    /** Whether batches currently go to the spool. */
    public boolean isSpooling() {
        return mode == Mode.SPOOLING;
    }

    /**
     * Stops accepting batches, gives unacknowledged ones up to {@code spoolAfter} to be acknowledged and spools the
     * rest, then closes the producer and the spool. What the spool holds is replayed by the next forwarder on the same
     * spool folder.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            spoolingOrClosed.signalAll();
        } finally {
            lock.unlock();
        }
        replayer.stop();
        List<Spooled> spooled = List.of();
        lock.lock();
        try {
            long remaining = settings.spoolAfter().toNanos();
            while (!unacknowledged.isEmpty() && remaining > 0) {
                remaining = allAcknowledged.awaitNanos(remaining);
            }
            if (!unacknowledged.isEmpty()) {
                LOG.warn("closing: {} batches not acknowledged by Kafka within {} ms go to the spool",
                        unacknowledged.size(), settings.spoolAfter().toMillis());
                spooled = spool(new ArrayList<>(unacknowledged));
                unacknowledged.clear();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            spooled = spool(new ArrayList<>(unacknowledged));
            unacknowledged.clear();
        } finally {
            lock.unlock();
        }
        completeWhenSynced(spooled);
        // Not shutdownNow: an interrupt during the spool's file I/O would close its file channel under H2.
        events.shutdown();
        spoolSyncs.shutdown();
        try {
            events.awaitTermination(1, TimeUnit.SECONDS);
            spoolSyncs.awaitTermination(5, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            // Everything unacknowledged is in the spool now; what the producer still holds may only add duplicates.
            producer.close(Duration.ZERO);
        } finally {
            meters.forEach(registry::remove);
            long left = spool.size();
            spool.close();
            LOG.info("Kafka forwarder closed ({} batches in the spool)", left);
        }
    }

    // --- the DIRECT path ---

    /** Sends in DIRECT mode; the caller holds the lock. Returns what went to the spool meanwhile. */
    private List<Spooled> send(Pending pending) {
        unacknowledged.add(pending);
        Future<RecordMetadata> sent;
        try {
            sent = producer.send(record(pending.batch), (metadata, error) -> dispatch(pending, error));
        } catch (KafkaException e) {
            return switchToSpooling(rootMessage(e));
        } catch (RuntimeException e) {
            // The registry client's own exceptions reach us unwrapped, e.g. when the registry is unreachable.
            return switchToSpooling("the schema id cannot be resolved: " + rootMessage(e));
        }
        // A failure send() reports at once (no metadata, no buffer space) must be handled before the next batch is
        // sent: the next one could get through and overtake this one.
        if (sent.isDone()) {
            try {
                sent.get();
            } catch (ExecutionException e) {
                return failed(pending, e.getCause());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        return List.of();
    }

    /** Runs Kafka's callback on the events thread: the producer's network thread must never wait for our lock. */
    private void dispatch(Pending pending, Exception error) {
        if (error == null) {
            lastKafkaAckNanos = System.nanoTime();
        }
        try {
            events.execute(() -> acknowledged(pending, error));
        } catch (RejectedExecutionException e) {
            // Closed: the batch was spooled, or this is the abort of a send whose batch is in the spool.
        }
    }

    private void acknowledged(Pending pending, Exception error) {
        List<Spooled> spooled = List.of();
        lock.lock();
        try {
            if (pending.resolved) {
                if (error == null) {
                    lateAcks.increment();
                }
                return;
            }
            if (error != null) {
                spooled = failed(pending, error);
            } else {
                pending.resolved = true;
                lastAckNanos = System.nanoTime();
                unacknowledged.remove(pending);
                if (unacknowledged.isEmpty()) {
                    allAcknowledged.signalAll();
                }
            }
        } finally {
            lock.unlock();
        }
        if (error == null) {
            directLatency.record(System.nanoTime() - pending.startNanos, TimeUnit.NANOSECONDS);
            forwardedDirect.increment();
            pending.result.complete(Durability.KAFKA);
        }
        completeWhenSyncedLater(spooled);
    }

    /** A send that failed; the caller holds the lock. */
    private List<Spooled> failed(Pending pending, Throwable error) {
        if (pending.resolved) {
            return List.of();
        }
        if (refusedForItsOwnSake(error)) {
            // Kafka refuses this batch for its own sake: spooling would only block the spool behind it.
            pending.resolved = true;
            unacknowledged.remove(pending);
            rejectedTooLarge.increment();
            LOG.warn("Kafka refused a batch of asset {} (agent {}, seq {}): {}", pending.batch.assetId(),
                    pending.batch.agentId(), pending.batch.seq(), error.getMessage());
            pending.result.completeExceptionally(error);
            if (unacknowledged.isEmpty()) {
                allAcknowledged.signalAll();
            }
            return List.of();
        }
        return switchToSpooling(rootMessage(error));
    }

    /** The watchdog: spools when Kafka has stalled (see the class comment). */
    private void checkOldestSend() {
        List<Spooled> spooled = List.of();
        lock.lock();
        try {
            if (mode == Mode.DIRECT && !closed && !unacknowledged.isEmpty()) {
                long now = System.nanoTime();
                long spoolAfter = settings.spoolAfter().toNanos();
                long age = now - unacknowledged.iterator().next().startNanos;
                long sinceAck = now - Math.max(lastAckNanos, lastKafkaAckNanos);
                if (age >= spoolAfter && sinceAck >= spoolAfter) {
                    spooled = switchToSpooling("no acknowledgement for " + settings.spoolAfter().toMillis() + " ms");
                } else if (age >= STALL_FACTOR * spoolAfter) {
                    spooled = switchToSpooling("a batch unacknowledged for " + age / 1_000_000 + " ms");
                }
            }
        } finally {
            lock.unlock();
        }
        completeWhenSyncedLater(spooled);
    }

    /** DIRECT → SPOOLING: spools every unacknowledged batch in forward order; the caller holds the lock. */
    private List<Spooled> switchToSpooling(String reason) {
        List<Spooled> spooled = spool(new ArrayList<>(unacknowledged));
        unacknowledged.clear();
        allAcknowledged.signalAll();
        if (mode == Mode.DIRECT) {
            mode = Mode.SPOOLING;
            spoolingSinceNanos = System.nanoTime();
            replayedSinceSpooling = 0;
            firstReplayAckNanos = 0;
            LOG.warn("Kafka unreachable ({}): spooling (spool: {} records)", reason, spool.size());
            spoolingOrClosed.signalAll();
        }
        return spooled;
    }

    // --- the spool ---

    /**
     * Appends batches to the spool in the given order, fixing their place; the caller holds the lock and completes
     * them, outside it, with {@link #completeWhenSynced} (one fsync then serves many batches).
     */
    private List<Spooled> spool(List<Pending> batches) {
        List<Spooled> spooled = new ArrayList<>(batches.size());
        for (Pending pending : batches) {
            pending.resolved = true;
            try {
                spooled.add(new Spooled(pending.result, spool.add(SpoolCodec.encode(pending.batch))));
            } catch (RuntimeException e) {
                LOG.error("cannot append a batch of asset {} to the spool {}: {}", pending.batch.assetId(),
                        spool.file(), e.getMessage());
                pending.result.completeExceptionally(e);
            }
        }
        return spooled;
    }

    /** {@link #completeWhenSynced} on the spool-sync thread, so that the caller does not wait for the fsync. */
    private void completeWhenSyncedLater(List<Spooled> spooled) {
        if (spooled.isEmpty()) {
            return;
        }
        try {
            spoolSyncs.execute(() -> completeWhenSynced(spooled));
        } catch (RejectedExecutionException e) {
            completeWhenSynced(spooled); // closing: the caller waits, as close() itself does
        }
    }

    private void completeWhenSynced(List<Spooled> spooled) {
        if (spooled.isEmpty()) {
            return;
        }
        try {
            spool.awaitDurable(spooled.get(spooled.size() - 1).id());
        } catch (RuntimeException e) {
            LOG.error("cannot sync the spool {}: {}", spool.file(), e.getMessage());
            spooled.forEach(s -> s.result().completeExceptionally(e));
            return;
        }
        spooled.forEach(s -> s.result().complete(Durability.SPOOL));
    }

    // --- for the SpoolReplayer ---

    /** Blocks until batches go to the spool; false once the forwarder is closed. */
    boolean awaitSpooling() throws InterruptedException {
        lock.lock();
        try {
            while (mode == Mode.DIRECT && !closed) {
                spoolingOrClosed.await();
            }
            return !closed;
        } finally {
            lock.unlock();
        }
    }

    /** SPOOLING → DIRECT when the spool is empty; batches are appended under the same lock, so none slips past. */
    boolean returnToDirectIfDrained() {
        lock.lock();
        try {
            if (closed || mode == Mode.DIRECT || spool.size() > 0) {
                return false;
            }
            mode = Mode.DIRECT;
            long now = System.nanoTime();
            lastAckNanos = now;
            LOG.info("Kafka back: replayed {} records from the spool in {} ms (spooling lasted {} ms)",
                    replayedSinceSpooling, firstReplayAckNanos == 0 ? 0 : (now - firstReplayAckNanos) / 1_000_000,
                    (now - spoolingSinceNanos) / 1_000_000);
            return true;
        } finally {
            lock.unlock();
        }
    }

    /**
     * SPOOLING → DIRECT while the spool still holds up to a chunk: under the lock, so that no batch is appended
     * meanwhile, {@code sender} hands what the spool holds to the producer, and if it took all of it the mode becomes
     * DIRECT. Later batches then follow those records in the producer, which keeps one partition's sends in order. The
     * records leave the spool once the replayer has their acknowledgements; should Kafka fail first, they are replayed
     * again (duplicates, not reordering). Returns the sends to await, or null when nothing was sent (more than a chunk
     * left, closed, or already DIRECT).
     */
    SpoolReplayer.Sent handOver(Function<List<DiskQueue.Entry>, SpoolReplayer.Sent> sender) {
        lock.lock();
        try {
            if (closed || mode == Mode.DIRECT) {
                return null;
            }
            List<DiskQueue.Entry> rest = spool.peek(SpoolReplayer.CHUNK + 1);
            if (rest.isEmpty() || rest.size() > SpoolReplayer.CHUNK) {
                return null;
            }
            SpoolReplayer.Sent sent = sender.apply(rest);
            if (sent.failure() == null) {
                mode = Mode.DIRECT;
                long now = System.nanoTime();
                lastAckNanos = now;
                LOG.info("Kafka back: replayed {} records from the spool in {} ms, the last {} now in flight "
                                + "(spooling lasted {} ms)", replayedSinceSpooling + rest.size(),
                        firstReplayAckNanos == 0 ? 0 : (now - firstReplayAckNanos) / 1_000_000, rest.size(),
                        (now - spoolingSinceNanos) / 1_000_000);
            }
            return sent;
        } finally {
            lock.unlock();
        }
    }

    /** The replayer had these spool records acknowledged by Kafka. */
    void replayed(List<DiskQueue.Entry> entries) {
        long nowMs = System.currentTimeMillis();
        for (DiskQueue.Entry entry : entries) {
            spoolLatency.record(Math.max(0, nowMs - entry.appendedAtMs()), TimeUnit.MILLISECONDS);
        }
        forwardedFromSpool.increment(entries.size());
        lock.lock();
        try {
            if (firstReplayAckNanos == 0) {
                firstReplayAckNanos = System.nanoTime();
            }
            replayedSinceSpooling += entries.size();
        } finally {
            lock.unlock();
        }
    }

    /** The replayer discarded a spool record it cannot decode. */
    void discardedUndecodable() {
        discardedUndecodable.increment();
    }

    /** The replayer had a replayed batch refused by Kafka for its own sake. */
    void rejectedTooLarge() {
        rejectedTooLarge.increment();
    }

    static ProducerRecord<String, EncodedBatch> record(EncodedBatch batch) {
        return new ProducerRecord<>(Topics.METRICS_RAW.name(), batch.assetId(), batch);
    }

    /** Errors Kafka gives a record for what it is, not for where Kafka is: sending it again cannot help. */
    static boolean refusedForItsOwnSake(Throwable error) {
        return error instanceof RecordTooLargeException || error instanceof RecordBatchTooLargeException
                || error instanceof InvalidRecordException;
    }

    /** The error's type and every distinct message down its causes, on one line. */
    static String rootMessage(Throwable error) {
        StringBuilder text = new StringBuilder(error.getClass().getSimpleName());
        for (Throwable t = error; t != null; t = t.getCause() == t ? null : t.getCause()) {
            String message = t.getMessage();
            if (message != null && !message.isBlank() && text.indexOf(message) < 0) {
                text.append(": ").append(message);
            }
        }
        return text.toString();
    }

    private static double oldestAgeSeconds(DiskQueue spool) {
        OptionalLong oldest = spool.oldestAppendedAtMs();
        return oldest.isEmpty() ? 0 : Math.max(0, System.currentTimeMillis() - oldest.getAsLong()) / 1000.0;
    }

    private Timer latencyTimer(String path) {
        return Timer.builder("dams.bridge.forward.latency")
                .description("From forward() to Kafka's acknowledgement; path=spool: from the spool append")
                .tag("path", path)
                .publishPercentiles(0.5, 0.99)
                .register(registry);
    }

    private Counter forwardedCounter(String path) {
        return Counter.builder("dams.bridge.forwarded.batches")
                .description("Batches acknowledged by Kafka, sent directly or replayed from the spool")
                .tag("path", path)
                .register(registry);
    }

    private <M extends Meter> M register(M meter) {
        meters.add(meter);
        return meter;
    }

    static Thread daemon(Runnable r, String name) {
        Thread t = new Thread(r, name);
        t.setDaemon(true);
        return t;
    }
}
