package io.dams.query.assets;

import io.dams.query.fleet.FleetStore;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The fleet's listing as the API serves it: a snapshot fetched from the store and reused for {@code refreshAfter},
 * because fetching and parsing the whole fleet (10,000 assets) on every request would cost far more than the page.
 * An older snapshot is still served while one fetch runs in the background (so that no request waits for it); one
 * older than {@code maxAge} is not served: requests then wait for a fetch and get its error if it fails. With
 * {@code refreshAfter} 0 every request waits for a fetch of its own time. At most one fetch runs at a time, however
 * many requests ask.
 */
public final class AssetListingCache {

    private static final Logger LOG = LoggerFactory.getLogger(AssetListingCache.class);

    private final FleetStore store;
    private final long refreshAfterNanos;
    private final long maxAgeNanos;
    private final LongSupplier nanoTime;
    private final Executor fetcher;
    private final AtomicReference<CompletableFuture<AssetListing>> inFlight = new AtomicReference<>();
    private volatile AssetListing current;
    private volatile boolean failing;

    /**
     * @param fetcher  runs the background fetches
     * @param nanoTime the clock ({@link System#nanoTime} outside tests)
     */
    public AssetListingCache(FleetStore store, Duration refreshAfter, Duration maxAge, Executor fetcher,
                             LongSupplier nanoTime) {
        this.store = store;
        this.refreshAfterNanos = refreshAfter.toNanos();
        this.maxAgeNanos = Math.max(maxAge.toNanos(), refreshAfterNanos);
        this.fetcher = fetcher;
        this.nanoTime = nanoTime;
    }

    /** The listing to answer from now; throws the store's exception when there is no recent enough one. */
    public AssetListing listing() {
        AssetListing listing = current;
        long now = nanoTime.getAsLong();
        if (listing != null) {
            long age = now - listing.takenAtNanos();
            if (age < refreshAfterNanos) {
                return listing;
            }
            if (age < maxAgeNanos && refreshAfterNanos > 0) {
                fetch();
                return listing;
            }
        }
        try {
            return fetch().join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /**
     * Starts a fetch in the background (when caching is on), so that the first request after start-up finds a
     * listing; a failure is logged and the first request tries again.
     */
    public void prefetch() {
        if (refreshAfterNanos > 0 && current == null) {
            fetch();
        }
    }

    /** The snapshot served now, if any, without fetching (for health and gauges). */
    public AssetListing peek() {
        return current;
    }

    private CompletableFuture<AssetListing> fetch() {
        CompletableFuture<AssetListing> mine = new CompletableFuture<>();
        while (!inFlight.compareAndSet(null, mine)) {
            CompletableFuture<AssetListing> running = inFlight.get();
            if (running != null) {
                return running;
            }
        }
        try {
            fetcher.execute(() -> complete(mine));
        } catch (RuntimeException e) {
            inFlight.set(null);
            mine.completeExceptionally(e);
        }
        return mine;
    }

    private void complete(CompletableFuture<AssetListing> mine) {
        try {
            long startedAt = nanoTime.getAsLong();
            AssetListing listing = AssetListing.of(store.assets(), startedAt);
            current = listing;
            if (failing) {
                failing = false;
                LOG.info("fleet listing available again: {} assets", listing.size());
            }
            mine.complete(listing);
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warn("cannot fetch the fleet listing: {}", e.getMessage());
            }
            mine.completeExceptionally(e);
        } finally {
            inFlight.compareAndSet(mine, null);
            if (!mine.isDone()) {
                mine.completeExceptionally(new IllegalStateException("the fleet listing fetch failed"));
            }
        }
    }
}
