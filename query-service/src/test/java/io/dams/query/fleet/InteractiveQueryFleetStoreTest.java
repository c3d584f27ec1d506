package io.dams.query.fleet;

import static io.dams.query.FakeFleetStore.asset;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.streams.iq.AssetView;
import io.dams.streams.iq.SeriesValue;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The adapter over the ingest job's real client, against instances that speak the contract on loopback. */
class InteractiveQueryFleetStoreTest {

    private final FakeInteractiveQueryServer first = new FakeInteractiveQueryServer();
    private final FakeInteractiveQueryServer second = new FakeInteractiveQueryServer();

    @AfterEach
    void stop() {
        first.close();
        second.close();
    }

    private static URI closedPort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return URI.create("http://127.0.0.1:" + socket.getLocalPort());
        }
    }

    private static InteractiveQueryFleetStore store(URI... endpoints) {
        return new InteractiveQueryFleetStore(List.of(endpoints), Duration.ofSeconds(5), Duration.ofSeconds(5));
    }

    @Test
    void shouldReadTheListingAndOneAssetThroughTheContract() {
        first.store.put(asset("b", "eu", Map.of("rack", "r1")),
                new SeriesValue("cpu_percent", Map.of("core", "0"), 1_700_000_000_000L, 42.5));
        first.store.put(asset("a", "us", Map.of()));
        InteractiveQueryFleetStore store = store(first.uri());

        List<AssetView> assets = store.assets();

        assertThat(assets).extracting(AssetView::assetId).containsExactly("a", "b");
        assertThat(assets.get(1)).isEqualTo(asset("b", "eu", Map.of("rack", "r1")));
        assertThat(store.asset("b")).hasValueSatisfying(d -> assertThat(d.series())
                .containsExactly(new SeriesValue("cpu_percent", Map.of("core", "0"), 1_700_000_000_000L, 42.5)));
        assertThat(store.asset("nope")).isEmpty();
    }

    @Test
    void shouldAskTheNextEndpointWhenOneCannotBeReachedOrIsRebalancing() throws IOException {
        second.store.put(asset("a", "eu", Map.of()));
        first.unavailable(4);

        assertThat(store(closedPort(), second.uri()).assets()).extracting(AssetView::assetId).containsExactly("a");
        assertThat(store(first.uri(), second.uri()).asset("a")).isPresent();
    }

    @Test
    void shouldKeepAskingTheEndpointThatAnsweredLast() {
        first.unavailable(1);
        InteractiveQueryFleetStore store = store(first.uri(), second.uri());
        store.assets();
        int askedFirst = first.requests.get();

        store.assets();
        store.assets();

        assertThat(first.requests.get()).isEqualTo(askedFirst);
        assertThat(second.requests.get()).isEqualTo(3);
    }

    @Test
    void shouldBeUnavailableWithTheShortestRetryAfterWhenEveryEndpointRebalances() {
        first.unavailable(7);
        second.unavailable(3);

        assertThatThrownBy(() -> store(first.uri(), second.uri()).assets())
                .isInstanceOf(StoreUnavailableException.class)
                .satisfies(e -> assertThat(((StoreUnavailableException) e).retryAfterSeconds()).isEqualTo(3));
        assertThatThrownBy(() -> store(first.uri(), second.uri()).asset("a"))
                .isInstanceOf(StoreUnavailableException.class);
    }

    @Test
    void shouldBeUnavailableWhenNoEndpointCanBeReached() throws IOException {
        assertThatThrownBy(() -> store(closedPort(), closedPort()).assets())
                .isInstanceOf(StoreUnavailableException.class)
                .hasMessageContaining("cannot reach any interactive-query endpoint")
                .satisfies(e -> assertThat(((StoreUnavailableException) e).retryAfterSeconds()).isEqualTo(5));
    }

    @Test
    void shouldProbeEveryEndpoint() throws IOException {
        URI closed = closedPort();
        second.unavailable(2);

        List<EndpointHealth> health = store(first.uri(), second.uri(), closed).probe();

        assertThat(health).hasSize(3);
        assertThat(health.get(0)).isEqualTo(new EndpointHealth(first.uri().toString(), true, "RUNNING"));
        assertThat(health.get(1).answering()).isFalse();
        assertThat(health.get(1).detail()).contains("REBALANCING");
        assertThat(health.get(2).answering()).isFalse();
        assertThat(health.get(2).detail()).startsWith("not reachable");
    }
}
