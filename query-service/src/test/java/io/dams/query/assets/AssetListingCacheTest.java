package io.dams.query.assets;

import static io.dams.query.FakeFleetStore.asset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.query.FakeFleetStore;
import io.dams.query.fleet.StoreUnavailableException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class AssetListingCacheTest {

    private final FakeFleetStore store = new FakeFleetStore().put(asset("a", "eu", Map.of()));
    private final AtomicLong nanos = new AtomicLong(1_000_000_000L);
    private final HeldExecutor fetcher = new HeldExecutor();
    private final AssetListingCache cache = new AssetListingCache(store, Duration.ofSeconds(1), Duration.ofSeconds(30),
            fetcher, nanos::get);

    /** Runs fetches at once, or while held keeps them until the test releases them. */
    private static final class HeldExecutor implements Executor {
        final Queue<Runnable> pending = new ArrayDeque<>();
        boolean held;

        @Override
        public void execute(Runnable command) {
            if (held) {
                pending.add(command);
            } else {
                command.run();
            }
        }

        void release() {
            held = false;
            Runnable r;
            while ((r = pending.poll()) != null) {
                r.run();
            }
        }
    }

    private void advance(Duration d) {
        nanos.addAndGet(d.toNanos());
    }

    @Test
    void shouldFetchOnceAndServeTheSnapshotUntilItIsDueForRefresh() {
        AssetListing first = cache.listing();
        advance(Duration.ofMillis(999));

        assertThat(cache.listing()).isSameAs(first);
        assertThat(store.listings()).isEqualTo(1);
    }

    @Test
    void shouldServeTheOldSnapshotWhileOneBackgroundFetchRuns() {
        AssetListing first = cache.listing();
        store.put(asset("b", "eu", Map.of()));
        advance(Duration.ofSeconds(1));
        fetcher.held = true;

        assertThat(cache.listing()).isSameAs(first);
        assertThat(cache.listing()).isSameAs(first);
        assertThat(cache.listing()).isSameAs(first);
        assertThat(fetcher.pending).as("one fetch however many requests").hasSize(1);

        fetcher.release();
        AssetListing fresh = cache.listing();
        assertThat(fresh.size()).isEqualTo(2);
        assertThat(store.listings()).isEqualTo(2);
    }

    @Test
    void shouldKeepServingTheLastSnapshotWhileRefreshesFailUntilItIsTooOld() {
        AssetListing first = cache.listing();
        store.unavailable(new StoreUnavailableException("rebalancing", Duration.ofSeconds(3)));
        advance(Duration.ofSeconds(5));

        assertThat(cache.listing()).isSameAs(first);

        advance(Duration.ofSeconds(30));
        assertThatThrownBy(cache::listing).isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(((StoreUnavailableException) e).retryAfterSeconds()).isEqualTo(3));
    }

    @Test
    void shouldFailWithoutAnySnapshotAndRecoverOnceTheStoresAnswer() {
        store.unavailable(new StoreUnavailableException("restoring", Duration.ofMillis(1500)));

        assertThatThrownBy(cache::listing).isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(((StoreUnavailableException) e).retryAfterSeconds()).isEqualTo(2));
        assertThat(cache.peek()).isNull();

        store.unavailable(null);
        assertThat(cache.listing().size()).isEqualTo(1);
    }

    @Test
    void shouldFetchOnEveryRequestWhenRefreshIsZero() {
        AssetListingCache uncached = new AssetListingCache(store, Duration.ZERO, Duration.ofSeconds(30), fetcher,
                nanos::get);

        uncached.listing();
        uncached.listing();
        store.put(asset("b", "eu", Map.of()));

        assertThat(uncached.listing().size()).isEqualTo(2);
        assertThat(store.listings()).isEqualTo(3);
    }

    @Test
    void shouldPrefetchInTheBackgroundOnlyWhenCaching() {
        fetcher.held = true;
        cache.prefetch();
        cache.prefetch();
        assertThat(fetcher.pending).hasSize(1);
        assertThat(cache.peek()).isNull();

        fetcher.release();

        assertThat(cache.peek()).isNotNull();
        AssetListingCache uncached = new AssetListingCache(store, Duration.ZERO, Duration.ofSeconds(30), fetcher,
                nanos::get);
        uncached.prefetch();
        assertThat(store.listings()).isEqualTo(1);
    }
}
