package io.dams.bridge.ingest;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The bridge's bound on batch bytes accepted from agents and not yet durable, across all streams. A stream asks for its
 * next message only while the bridge is under the bound ({@link #whenRoom}); otherwise it waits, first come first
 * served, until releases make room. A message already received is always taken, so the bound is exceeded by at most
 * one batch per stream. gRPC's flow control then holds the agents back, and they keep their batches on disk.
 */
final class InFlightBudget {

    private final long limit;
    private final ArrayDeque<Runnable> waiting = new ArrayDeque<>();
    private final AtomicLong waits = new AtomicLong();
    private long used;

    InFlightBudget(long limit) {
        if (limit <= 0) {
            throw new IllegalArgumentException("limit must be positive, not " + limit);
        }
        this.limit = limit;
    }

    /** Counts {@code bytes} of a batch that is now in flight. */
    synchronized void take(long bytes) {
        used += bytes;
    }

    /** The batch of {@code bytes} is durable (or given up): runs the waiters that now fit, oldest first. */
    void release(long bytes) {
        List<Runnable> ready = new ArrayList<>();
        synchronized (this) {
            used -= bytes;
            if (used < limit) {
                // Each waiter asks for one message: let as many go as there were waiting; they take bytes later.
                ready.addAll(waiting);
                waiting.clear();
            }
        }
        ready.forEach(Runnable::run);
    }

    /** Runs {@code next} now while under the bound, else once a release brings it under. */
    void whenRoom(Runnable next) {
        synchronized (this) {
            if (used >= limit) {
                waiting.add(next);
                waits.incrementAndGet();
                return;
            }
        }
        next.run();
    }

    synchronized long used() {
        return used;
    }

    synchronized int waiting() {
        return waiting.size();
    }

    /** How many times a stream had to wait for room. */
    long waits() {
        return waits.get();
    }
}
