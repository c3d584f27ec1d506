package io.dams.bridge.validation;

import io.dams.schemas.ingest.v1.Label;
import io.dams.schemas.ingest.v1.Sample;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Caps the number of live series per asset: a series new to an asset beyond the cap is refused, series the asset
 * already has keep being admitted, and a series not seen for the idle expiry stops counting. Thread-safe.
 *
 * <p><b>Memory.</b> A series is held as a 64-bit hash of its name and label set plus its last-seen second: 12 bytes
 * per slot in open-addressing arrays filled to at most 75%, so a full asset of 10,000 series costs about 200 KB.
 * Expired series are dropped lazily, when an asset's earliest possible expiry has passed, and an asset silent for the
 * idle expiry is dropped whole, so memory follows the live series, not the history.
 *
 * <p><b>Collisions.</b> Two different series with the same hash count as one. For an asset with {@code n} series the
 * chance that any two collide is about {@code n²/2⁶⁵}: 3·10⁻¹² for 10,000 series. A collision lets one extra series
 * past the cap; it never refuses a sample wrongly, so the trade against storing the series text is an easy one.
 */
public final class SeriesLimiter {

    // Last-seen times are whole seconds from this instant (2024-01-01T00:00:00Z) in an int: from 1956 to 2092.
    private static final long EPOCH_BASE_MS = 1_704_067_200_000L;
    private static final int INITIAL_CAPACITY = 16;
    private static final long NAME_SEED = 0xcbf29ce484222325L;
    private static final long LABEL_SEED = 0x9e3779b97f4a7c15L;
    private static final long MULTIPLIER = 0xc6a4a7935bd1e995L;
    private static final VarHandle LONGS = MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

    private final int maxSeriesPerAsset;
    private final int idleExpirySeconds;
    private final long idleExpiryMs;
    private final ConcurrentHashMap<String, AssetSeries> assets = new ConcurrentHashMap<>();
    private final AtomicLong nextIdleAssetSweepMs = new AtomicLong(Long.MIN_VALUE);

    /** Caps at {@code maxSeriesPerAsset} with {@code seriesIdleExpiry}. */
    public SeriesLimiter(ValidationLimits limits) {
        this(limits.maxSeriesPerAsset(), limits.seriesIdleExpiry());
    }

    public SeriesLimiter(int maxSeriesPerAsset, Duration idleExpiry) {
        if (maxSeriesPerAsset < 1) {
            throw new IllegalArgumentException("maxSeriesPerAsset must be at least 1: " + maxSeriesPerAsset);
        }
        if (idleExpiry.compareTo(Duration.ofSeconds(1)) < 0) {
            throw new IllegalArgumentException("idleExpiry must be at least 1s: " + idleExpiry);
        }
        this.maxSeriesPerAsset = maxSeriesPerAsset;
        this.idleExpirySeconds = (int) Math.min(Integer.MAX_VALUE / 2, idleExpiry.toSeconds());
        this.idleExpiryMs = idleExpirySeconds * 1000L;
    }

    /**
     * Records that {@code assetId} sent {@code sample} at {@code nowMs}: true when its series is one the asset already
     * has or there is room for a new one, false when it would be a new series beyond the cap.
     */
    public boolean admit(String assetId, Sample sample, long nowMs) {
        return admit(assetId, seriesHash(sample), nowMs);
    }

    boolean admit(String assetId, long seriesHash, long nowMs) {
        return admitAll(assetId, new long[] {seriesHash}, 1, nowMs) == 0;
    }

    /**
     * Records that {@code assetId} sent the series {@code seriesHashes[0..count)} at {@code nowMs}, in that order,
     * with one look-up and one lock for them all (a batch's worth): each is admitted as {@link #admit} would, and a
     * refused one is set to 0 in the array. Returns how many were refused.
     */
    int admitAll(String assetId, long[] seriesHashes, int count, long nowMs) {
        if (nowMs >= nextIdleAssetSweepMs.get()) {
            dropIdleAssets(nowMs);
        }
        int now = seconds(nowMs);
        while (true) {
            AssetSeries series = assets.get(assetId);
            if (series == null) {
                series = assets.computeIfAbsent(assetId, id -> new AssetSeries());
            }
            synchronized (series) {
                // Dropped as idle between our lookup and our lock: its replacement is in the map, go again.
                if (!series.dropped) {
                    int refused = 0;
                    for (int i = 0; i < count; i++) {
                        if (!series.admit(seriesHashes[i], now, maxSeriesPerAsset, idleExpirySeconds)) {
                            seriesHashes[i] = 0;
                            refused++;
                        }
                    }
                    return refused;
                }
            }
        }
    }

    /** The series held for {@code assetId}, counting expired ones not yet swept. */
    int trackedSeries(String assetId) {
        AssetSeries series = assets.get(assetId);
        if (series == null) {
            return 0;
        }
        synchronized (series) {
            return series.size;
        }
    }

    int trackedAssets() {
        return assets.size();
    }

    /**
     * The series identity: name and label set, independent of the order the labels arrive in. Each label pair is
     * hashed on its own ({@link #labelHash}) and the pair hashes are added, so no sorting is needed. Never 0 (0
     * marks an empty slot). The same value as the validator computes from a batch's bytes, which allocates nothing.
     */
    static long seriesHash(Sample sample) {
        long labels = 0;
        int labelCount = sample.getLabelsCount();
        for (int i = 0; i < labelCount; i++) {
            Label label = sample.getLabels(i);
            byte[] name = label.getNameBytes().toByteArray();
            byte[] value = label.getValueBytes().toByteArray();
            labels += labelHash(name, 0, name.length, value, 0, value.length);
        }
        byte[] name = sample.getNameBytes().toByteArray();
        return seriesHash(name, 0, name.length, labels);
    }

    /** The series identity from its name, the UTF-8 bytes {@code bytes[at..at+length)}, and its label hashes' sum. */
    static long seriesHash(byte[] bytes, int at, int length, long labelHashSum) {
        long hash = mix(mix(hash(bytes, at, length, NAME_SEED ^ length)) + labelHashSum);
        return hash == 0 ? 1 : hash;
    }

    /**
     * One label pair's share of the series identity, from the UTF-8 bytes of its name and value; lengths are mixed in
     * so that {ab="c"} and {a="bc"} differ.
     */
    static long labelHash(byte[] names, int nameAt, int nameLength, byte[] values, int valueAt, int valueLength) {
        return mix(hash(values, valueAt, valueLength, hash(names, nameAt, nameLength, LABEL_SEED ^ nameLength)
                ^ valueLength));
    }

    private void dropIdleAssets(long nowMs) {
        long due = nextIdleAssetSweepMs.get();
        // One thread sweeps; the others carry on.
        if (nowMs < due || !nextIdleAssetSweepMs.compareAndSet(due, nowMs + idleExpiryMs)) {
            return;
        }
        int now = seconds(nowMs);
        for (Map.Entry<String, AssetSeries> entry : assets.entrySet()) {
            AssetSeries series = entry.getValue();
            synchronized (series) {
                if (now - series.lastSeen >= idleExpirySeconds) {
                    series.dropped = true;
                    assets.remove(entry.getKey(), series);
                }
            }
        }
    }

    private static int seconds(long epochMs) {
        long s = Math.floorDiv(epochMs - EPOCH_BASE_MS, 1000L);
        return (int) Math.max(Integer.MIN_VALUE / 2, Math.min(Integer.MAX_VALUE / 2, s));
    }

    /**
     * Eight bytes per multiply (by MurmurHash2's constant): the chain of multiplies is the cost of hashing, and at one
     * byte per multiply it would be the larger part of validating a sample. Each step is a bijection of the state, so
     * inputs that differ collide only by chance; {@link #mix} then spreads the result over all 64 bits.
     */
    private static long hash(byte[] bytes, int at, int length, long seed) {
        long h = seed;
        int i = 0;
        for (; i + Long.BYTES <= length; i += Long.BYTES) {
            h = Long.rotateLeft((h ^ (long) LONGS.get(bytes, at + i)) * MULTIPLIER, 29);
        }
        if (i < length) {
            // The last one to seven bytes in one word too; the length, in the seed, tells "a" from "a\0".
            long word = 0;
            for (int shift = 0; i < length; i++, shift += Byte.SIZE) {
                word |= (bytes[at + i] & 0xffL) << shift;
            }
            h = Long.rotateLeft((h ^ word) * MULTIPLIER, 29);
        }
        return h;
    }

    // MurmurHash3's finaliser: a multiply only carries bits upwards; this brings the high ones back down.
    private static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        h ^= h >>> 33;
        return h;
    }

    /** One asset's series: an open-addressing hash set of series hashes with their last-seen seconds. */
    private static final class AssetSeries {

        private long[] hashes = new long[INITIAL_CAPACITY];
        private int[] lastSeenBySlot = new int[INITIAL_CAPACITY];
        private int size;
        private int lastSeen;
        // No series can expire before this, since last-seen times only move forward: sweeping earlier finds nothing.
        private long nextExpiry = Long.MAX_VALUE;
        private boolean dropped;

        boolean admit(long hash, int now, int max, int expiry) {
            lastSeen = now;
            if (now >= nextExpiry) {
                rebuild(now, expiry);
            }
            int mask = hashes.length - 1;
            int slot = slot(hash, mask);
            while (hashes[slot] != 0) {
                if (hashes[slot] == hash) {
                    lastSeenBySlot[slot] = now;
                    return true;
                }
                slot = (slot + 1) & mask;
            }
            if (size >= max) {
                return false;
            }
            hashes[slot] = hash;
            lastSeenBySlot[slot] = now;
            size++;
            nextExpiry = Math.min(nextExpiry, (long) now + expiry);
            if (size * 4L > hashes.length * 3L) {
                rebuild(now, expiry);
            }
            return true;
        }

        /** Drops the expired series and resizes the table to the survivors (so it also grows and shrinks). */
        private void rebuild(int now, int expiry) {
            long[] oldHashes = hashes;
            int[] oldLastSeen = lastSeenBySlot;
            int survivors = 0;
            for (int i = 0; i < oldHashes.length; i++) {
                if (oldHashes[i] != 0 && now - oldLastSeen[i] < expiry) {
                    survivors++;
                }
            }
            int capacity = INITIAL_CAPACITY;
            // Room for the survivors at under 50% full, so the table does not rebuild again right away.
            while (capacity < survivors * 2L + 2) {
                capacity <<= 1;
            }
            hashes = new long[capacity];
            lastSeenBySlot = new int[capacity];
            size = 0;
            nextExpiry = Long.MAX_VALUE;
            int mask = capacity - 1;
            for (int i = 0; i < oldHashes.length; i++) {
                long hash = oldHashes[i];
                if (hash != 0 && now - oldLastSeen[i] < expiry) {
                    int slot = slot(hash, mask);
                    while (hashes[slot] != 0) {
                        slot = (slot + 1) & mask;
                    }
                    hashes[slot] = hash;
                    lastSeenBySlot[slot] = oldLastSeen[i];
                    size++;
                    nextExpiry = Math.min(nextExpiry, (long) oldLastSeen[i] + expiry);
                }
            }
        }

        private static int slot(long hash, int mask) {
            return (int) (hash ^ (hash >>> 32)) & mask;
        }
    }
}
