package io.dams.runtime.queue;

import io.dams.runtime.config.ByteSize;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreException;
import org.h2.mvstore.type.ByteArrayDataType;
import org.h2.mvstore.type.LongDataType;
import org.h2.mvstore.type.StringDataType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A persistent, bounded FIFO of byte[] records in one H2 MVStore file: the agent's buffer while the bridge is
 * unreachable and the bridge's spool while Kafka is unreachable.
 *
 * <p>Records get increasing ids that survive restarts; a reader {@link #peek}s the oldest ones, delivers them and
 * {@link #removeThrough removes} them once delivered, so a crash between the two repeats records rather than losing
 * them. When an append would exceed the capacity, the oldest records are dropped and counted
 * ({@link #droppedRecords()}, {@link #droppedBytes()}); the counters survive restarts. The capacity bounds the records'
 * payload bytes; the file is larger by MVStore's page overhead and by freed space not reused yet (measured: up to about
 * twice the queued bytes while filling, close to them while draining).
 *
 * <p>Durability follows the {@link SyncPolicy}. Every commit is taken under the same lock as the changes, so the file
 * always holds a consistent state of records and counters. Thread-safe.
 */
public final class DiskQueue implements AutoCloseable {

    /** When appended records reach the disk. */
    public record SyncPolicy(Duration interval) {

        /**
         * {@link #append} returns once its record is committed and fsync'd. Appends that wait at the same time share
         * one fsync (group commit), so concurrent appenders pay for far fewer than one fsync each.
         */
        public static final SyncPolicy EVERY_APPEND = new SyncPolicy(Duration.ZERO);

        public SyncPolicy {
            Objects.requireNonNull(interval, "interval");
            if (interval.isNegative()) {
                throw new IllegalArgumentException("a sync interval cannot be negative: " + interval);
            }
        }

        /**
         * {@link #append} returns at once; a background thread commits and fsyncs every {@code interval}. A crash
         * (of the process or the machine) loses at most the records appended during the last interval.
         */
        public static SyncPolicy interval(Duration interval) {
            if (interval.isZero()) {
                throw new IllegalArgumentException("a sync interval must be positive; use EVERY_APPEND to sync always");
            }
            return new SyncPolicy(interval);
        }

        boolean everyAppend() {
            return interval.isZero();
        }
    }

    /** One queued record: its id, its bytes and when it was appended (ms since the epoch). */
    public record Entry(long id, byte[] payload, long appendedAtMs) {

        @Override
        public boolean equals(Object o) {
            return o instanceof Entry e && id == e.id && appendedAtMs == e.appendedAtMs
                    && Arrays.equals(payload, e.payload);
        }

        @Override
        public int hashCode() {
            return Long.hashCode(id) * 31 + Arrays.hashCode(payload);
        }

        @Override
        public String toString() {
            return "Entry[id=" + id + ", " + payload.length + " bytes, appendedAtMs=" + appendedAtMs + "]";
        }
    }

    private static final Logger LOG = LoggerFactory.getLogger(DiskQueue.class);

    private static final String RECORDS = "records";
    private static final String META = "meta";
    private static final String NEXT_ID = "nextId";
    private static final String BYTES = "bytes";
    private static final String DROPPED_RECORDS = "droppedRecords";
    private static final String DROPPED_BYTES = "droppedBytes";
    /** Each stored value is the append time followed by the payload. */
    private static final int HEADER = Long.BYTES;
    /** Below this share of the capacity a queue that has been dropping is no longer "full" (for the log). */
    private static final double REFILL_MARK = 0.9;
    /** Chunks less full than this (percent) are rewritten at the next commit... */
    private static final int COMPACT_BELOW_FILL_RATE = 50;
    /** ...up to this many bytes per commit, so that no single append pays for a large rewrite. */
    private static final int COMPACT_WRITE_BYTES = 256 * 1024;

    private final Path file;
    private final long capacity;
    private final SyncPolicy syncPolicy;
    private final MVStore store;
    private final MVMap<Long, byte[]> records;
    private final MVMap<String, Long> meta;
    /** Guards every change and every commit, so that a commit never sees half a change. */
    private final ReentrantLock lock = new ReentrantLock();
    /** Serialises fsyncs; a waiter finding its record already synced by another returns without its own. */
    private final ReentrantLock syncLock = new ReentrantLock();
    private final ScheduledExecutorService syncer;

    private long nextId;
    private volatile long count;
    private volatile long bytes;
    private volatile long droppedRecords;
    private volatile long droppedBytes;
    private volatile long durableThrough;
    private boolean dropping;
    private volatile boolean closed;

    private DiskQueue(Path file, long capacity, SyncPolicy syncPolicy, MVStore store) {
        this.file = file;
        this.capacity = capacity;
        this.syncPolicy = syncPolicy;
        this.store = store;
        this.records = store.openMap(RECORDS, new MVMap.Builder<Long, byte[]>()
                .keyType(LongDataType.INSTANCE).valueType(ByteArrayDataType.INSTANCE));
        this.meta = store.openMap(META, new MVMap.Builder<String, Long>()
                .keyType(StringDataType.INSTANCE).valueType(LongDataType.INSTANCE));
        Long last = records.lastKey();
        // nextId is written with every append, but never trust it below what the records themselves show.
        this.nextId = Math.max(meta.getOrDefault(NEXT_ID, 1L), last == null ? 1L : last + 1);
        this.count = records.sizeAsLong();
        this.bytes = meta.getOrDefault(BYTES, 0L);
        this.droppedRecords = meta.getOrDefault(DROPPED_RECORDS, 0L);
        this.droppedBytes = meta.getOrDefault(DROPPED_BYTES, 0L);
        this.durableThrough = nextId - 1;
        if (syncPolicy.everyAppend()) {
            this.syncer = null;
        } else {
            this.syncer = Executors.newSingleThreadScheduledExecutor(r -> {
                Thread t = new Thread(r, "dams-disk-queue-sync-" + file.getFileName());
                t.setDaemon(true);
                return t;
            });
            long ms = syncPolicy.interval().toMillis();
            syncer.scheduleWithFixedDelay(this::syncQuietly, ms, ms, TimeUnit.MILLISECONDS);
        }
    }

    /** Opens (or creates) the queue in {@code file}, syncing every append. */
    public static DiskQueue open(Path file, ByteSize capacity) {
        return open(file, capacity, SyncPolicy.EVERY_APPEND);
    }

    /**
     * Opens (or creates) the queue in {@code file}; its folder is created when missing.
     *
     * @throws UncheckedIOException when the file cannot be opened, e.g. because another process has it open
     */
    public static DiskQueue open(Path file, ByteSize capacity, SyncPolicy syncPolicy) {
        Objects.requireNonNull(file, "file");
        Objects.requireNonNull(syncPolicy, "syncPolicy");
        if (capacity.bytes() <= 0) {
            throw new IllegalArgumentException("the capacity of " + file + " must be positive");
        }
        Path absolute = file.toAbsolutePath().normalize();
        try {
            if (absolute.getParent() != null) {
                Files.createDirectories(absolute.getParent());
            }
            // Commits are ours alone: MVStore's background commit could persist a record without its counters.
            MVStore store = new MVStore.Builder()
                    .fileName(absolute.toString())
                    .autoCommitDisabled()
                    .open();
            // MVStore keeps freed space unused for 45 s by default, in case the OS has not written the newer chunks
            // yet; at one commit per append that grows the file by 45 s of commits (measured: 160 MB for 200 KB
            // queued). Every commit here is fsync'd before the next one can reuse space, or within the interval.
            store.setRetentionTime(syncPolicy.everyAppend() ? 0 : (int) Math.min(Integer.MAX_VALUE,
                    2 * syncPolicy.interval().toMillis()));
            DiskQueue queue = new DiskQueue(absolute, capacity.bytes(), syncPolicy, store);
            if (queue.count > 0 || queue.droppedRecords > 0) {
                LOG.info("{}: reopened with {} records ({} bytes), {} dropped so far", absolute, queue.count,
                        queue.bytes, queue.droppedRecords);
            }
            return queue;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the folder of " + absolute + ": " + e.getMessage(), e);
        } catch (MVStoreException e) {
            throw new UncheckedIOException("cannot open " + absolute + ": " + e.getMessage(),
                    new IOException(e.getMessage(), e));
        }
    }

    /**
     * Appends a record at the tail and returns its id, once it is as durable as the {@link SyncPolicy} makes it.
     * When the capacity would be exceeded, the oldest records are dropped first.
     *
     * @throws IllegalArgumentException when the record alone is larger than the capacity
     */
    public long append(byte[] record) {
        long id = add(record);
        awaitDurable(id);
        return id;
    }

    /**
     * Appends a record and returns its id at once, before it is synced; {@link #awaitDurable} then waits for it.
     * The record's place in the queue is fixed when this returns, so a caller can decide the order under its own
     * lock and wait for the disk outside it.
     */
    public long add(byte[] record) {
        Objects.requireNonNull(record, "record");
        if (record.length > capacity) {
            throw new IllegalArgumentException("a record of " + record.length + " bytes does not fit in " + file
                    + " (capacity " + new ByteSize(capacity) + ")");
        }
        lock.lock();
        try {
            checkOpen();
            long freed = 0;
            long freedRecords = 0;
            while (bytes + record.length > capacity) {
                Long oldest = records.firstKey();
                byte[] value = records.remove(oldest);
                long length = value.length - HEADER;
                bytes -= length;
                count--;
                freed += length;
                freedRecords++;
            }
            if (freedRecords > 0) {
                droppedRecords += freedRecords;
                droppedBytes += freed;
                meta.put(DROPPED_RECORDS, droppedRecords);
                meta.put(DROPPED_BYTES, droppedBytes);
                if (!dropping) {
                    dropping = true;
                    LOG.warn("{} is full ({}): dropping the oldest records ({} dropped in all so far)", file,
                            new ByteSize(capacity), droppedRecords);
                }
            }
            long id = nextId++;
            records.put(id, frame(System.currentTimeMillis(), record));
            bytes += record.length;
            count++;
            meta.put(NEXT_ID, nextId);
            meta.put(BYTES, bytes);
            return id;
        } finally {
            lock.unlock();
        }
    }

    /**
     * Returns once the record {@code id} and every record before it are on disk. Under {@link SyncPolicy#interval}
     * returns at once: the background sync makes them durable within the interval.
     */
    public void awaitDurable(long id) {
        if (!syncPolicy.everyAppend() || durableThrough >= id) {
            return;
        }
        syncLock.lock();
        try {
            if (durableThrough >= id) {
                return; // the fsync of a caller that came first covered this record too
            }
            commit(true);
        } finally {
            syncLock.unlock();
        }
    }

    /** Up to {@code max} of the oldest records, oldest first. */
    public List<Entry> peek(int max) {
        if (max < 1) {
            throw new IllegalArgumentException("max must be at least 1: " + max);
        }
        List<Entry> entries = new ArrayList<>((int) Math.min(max, Math.min(count, 1024)));
        // Under the lock because freed space is reused at once: a reader of an older version could meet a page
        // that a commit has just overwritten.
        lock.lock();
        try {
            checkOpen();
            Iterator<Map.Entry<Long, byte[]>> it = records.entrySet().iterator();
            while (it.hasNext() && entries.size() < max) {
                Map.Entry<Long, byte[]> e = it.next();
                entries.add(unframe(e.getKey(), e.getValue()));
            }
        } finally {
            lock.unlock();
        }
        return entries;
    }

    /**
     * Removes every record with an id up to and including {@code id}, and commits (and syncs, under
     * {@link SyncPolicy#EVERY_APPEND}). A crash before the removal is on disk only brings records back, which a reader
     * then delivers again.
     */
    public void removeThrough(long id) {
        syncLock.lock();
        try {
            lock.lock();
            try {
                checkOpen();
                boolean removed = false;
                for (Long first = records.firstKey(); first != null && first <= id; first = records.firstKey()) {
                    byte[] value = records.remove(first);
                    bytes -= value.length - HEADER;
                    count--;
                    removed = true;
                }
                if (!removed) {
                    return;
                }
                meta.put(BYTES, bytes);
                if (dropping && bytes < capacity * REFILL_MARK) {
                    dropping = false;
                }
            } finally {
                lock.unlock();
            }
            commit(syncPolicy.everyAppend());
        } finally {
            syncLock.unlock();
        }
    }

    /** Records in the queue. */
    public long size() {
        return count;
    }

    /** Payload bytes in the queue; at most the capacity. */
    public long bytes() {
        return bytes;
    }

    /** Records dropped because the queue was full, since the file was created. */
    public long droppedRecords() {
        return droppedRecords;
    }

    /** Payload bytes dropped because the queue was full, since the file was created. */
    public long droppedBytes() {
        return droppedBytes;
    }

    /** When the oldest record was appended (ms since the epoch); empty when the queue is empty or closed. */
    public OptionalLong oldestAppendedAtMs() {
        if (closed) {
            return OptionalLong.empty();
        }
        lock.lock();
        try {
            Long first = closed ? null : records.firstKey();
            return first == null ? OptionalLong.empty()
                    : OptionalLong.of(ByteBuffer.wrap(records.get(first)).getLong());
        } finally {
            lock.unlock();
        }
    }

    public Path file() {
        return file;
    }

    /** Commits, syncs and closes the file. Later calls do nothing; appends, peeks and removals then throw. */
    @Override
    public void close() {
        if (syncer != null) {
            syncer.shutdown();
            try {
                syncer.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        syncLock.lock();
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
            store.close(); // commits what is pending and syncs
        } finally {
            lock.unlock();
            syncLock.unlock();
        }
    }

    /**
     * Commits under the change lock and fsyncs outside it, so that appends continue meanwhile. The caller holds
     * syncLock: no commit may reuse space freed by a commit that is not on disk yet.
     */
    private void commit(boolean sync) {
        long through;
        lock.lock();
        try {
            checkOpen();
            through = nextId - 1;
            // Every commit rewrites the newest leaf page, so chunks keep only a few live pages each; rewriting those
            // of sparse chunks keeps the file near twice the queued bytes rather than four times (measured).
            store.compact(COMPACT_BELOW_FILL_RATE, COMPACT_WRITE_BYTES);
            store.commit();
        } finally {
            lock.unlock();
        }
        if (sync) {
            store.sync();
            durableThrough = through;
        }
    }

    private void syncQuietly() {
        syncLock.lock();
        try {
            if (!closed) {
                commit(true);
            }
        } catch (RuntimeException e) {
            LOG.error("{}: background sync failed: {}", file, e.getMessage());
        } finally {
            syncLock.unlock();
        }
    }

    private void checkOpen() {
        if (closed) {
            throw new IllegalStateException(file + " is closed");
        }
    }

    private static byte[] frame(long appendedAtMs, byte[] payload) {
        return ByteBuffer.allocate(HEADER + payload.length).putLong(appendedAtMs).put(payload).array();
    }

    private static Entry unframe(long id, byte[] value) {
        ByteBuffer buffer = ByteBuffer.wrap(value);
        long appendedAtMs = buffer.getLong();
        return new Entry(id, Arrays.copyOfRange(value, HEADER, value.length), appendedAtMs);
    }
}
