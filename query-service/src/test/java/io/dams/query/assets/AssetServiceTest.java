package io.dams.query.assets;

import static io.dams.query.FakeFleetStore.asset;
import static io.dams.query.FakeFleetStore.withHealth;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.dams.streams.iq.AssetView;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class AssetServiceTest {

    private static final String[] REGIONS = {"eu-west", "us-east", "ap-south"};

    /** 257 assets in shuffled order, regions, tags and statuses varied by index. */
    private static List<AssetView> fleet() {
        List<AssetView> fleet = new ArrayList<>();
        for (int i = 0; i < 257; i++) {
            AssetView a = asset(String.format("asset-%04d", i), REGIONS[i % 3],
                    Map.of("rack", "r" + (i % 4), "env", i % 5 == 0 ? "prod" : "test"));
            if (i % 7 == 0) {
                a = withHealth(a, "DOWN", Map.of());
            } else if (i % 11 == 0) {
                a = withHealth(a, "UP", Map.of("critical", 1, "warning", 2));
            } else if (i % 13 == 0) {
                a = withHealth(a, "UP", Map.of("warning", 1));
            }
            fleet.add(a);
        }
        Collections.shuffle(fleet, new Random(42));
        return fleet;
    }

    private static List<String> allPages(AssetListing listing, Set<String> regions, Set<AssetStatus> statuses,
                                         List<AssetQuery.Tag> tags, int limit) {
        List<String> ids = new ArrayList<>();
        String after = null;
        int pages = 0;
        while (true) {
            AssetPage page = AssetService.page(listing, new AssetQuery(regions, statuses, tags, limit, after));
            assertThat(page.size()).isLessThanOrEqualTo(limit);
            for (int i : page.indexes()) {
                ids.add(listing.asset(i).assetId());
            }
            pages++;
            assertThat(pages).as("pages").isLessThan(1000);
            if (page.nextCursor() == null) {
                return ids;
            }
            assertThat(page.size()).as("only a full page has a next page").isEqualTo(limit);
            after = Cursor.assetId(page.nextCursor());
        }
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 2, 10, 100, 256, 257, 258, 1000})
    void shouldPageThroughTheWholeFleetWithoutDuplicatesOrGaps(int limit) {
        List<AssetView> fleet = fleet();
        AssetListing listing = AssetListing.of(fleet, 0);

        List<String> ids = allPages(listing, Set.of(), Set.of(), List.of(), limit);

        List<String> expected = fleet.stream().map(AssetView::assetId).sorted().toList();
        assertThat(ids).containsExactlyElementsOf(expected);
    }

    @ParameterizedTest
    @ValueSource(ints = {1, 3, 50})
    void shouldPageThroughAFilteredFleetWithoutDuplicatesOrGaps(int limit) {
        List<AssetView> fleet = fleet();
        AssetListing listing = AssetListing.of(fleet, 0);
        Set<String> regions = Set.of("eu-west", "ap-south");
        Set<AssetStatus> statuses = Set.of(AssetStatus.OK, AssetStatus.DOWN);
        List<AssetQuery.Tag> tags = List.of(new AssetQuery.Tag("env", "test"), new AssetQuery.Tag("rack", "r1"));

        List<String> ids = allPages(listing, regions, statuses, tags, limit);

        List<String> expected = fleet.stream()
                .filter(a -> regions.contains(a.region()))
                .filter(a -> statuses.contains(AssetStatus.of(a)))
                .filter(a -> "test".equals(a.tags().get("env")) && "r1".equals(a.tags().get("rack")))
                .map(AssetView::assetId).sorted().toList();
        assertThat(expected).isNotEmpty();
        assertThat(ids).containsExactlyElementsOf(expected);
    }

    @Test
    void shouldFilterByEachFilterAlone() {
        AssetListing listing = AssetListing.of(fleet(), 0);

        List<String> down = allPages(listing, Set.of(), Set.of(AssetStatus.DOWN), List.of(), 1000);
        List<String> usEast = allPages(listing, Set.of("us-east"), Set.of(), List.of(), 1000);
        List<String> rack2 = allPages(listing, Set.of(), Set.of(), List.of(new AssetQuery.Tag("rack", "r2")), 1000);

        assertThat(down).hasSize(37).allSatisfy(id -> assertThat(Integer.parseInt(id.substring(6)) % 7).isZero());
        assertThat(usEast).hasSize(86).allSatisfy(id -> assertThat(Integer.parseInt(id.substring(6)) % 3).isEqualTo(1));
        assertThat(rack2).hasSize(64).allSatisfy(id -> assertThat(Integer.parseInt(id.substring(6)) % 4).isEqualTo(2));
    }

    @Test
    void shouldGiveNoNextCursorWhenTheLastPageIsExactlyFull() {
        AssetListing listing = AssetListing.of(List.of(asset("a", "eu", Map.of()), asset("b", "eu", Map.of())), 0);

        AssetPage first = AssetService.page(listing, new AssetQuery(Set.of(), Set.of(), List.of(), 1, null));
        AssetPage second = AssetService.page(listing, new AssetQuery(Set.of(), Set.of(), List.of(), 1, "a"));
        AssetPage both = AssetService.page(listing, new AssetQuery(Set.of(), Set.of(), List.of(), 2, null));

        assertThat(first.nextCursor()).isEqualTo(Cursor.after("a"));
        assertThat(second.nextCursor()).isNull();
        assertThat(both.nextCursor()).isNull();
    }

    @Test
    void shouldContinueAfterTheCursorsAssetEvenWhenItWasRemovedMeanwhile() {
        AssetListing before = AssetListing.of(List.of(asset("a", "eu", Map.of()), asset("b", "eu", Map.of()),
                asset("c", "eu", Map.of()), asset("d", "eu", Map.of())), 0);
        AssetPage first = AssetService.page(before, new AssetQuery(Set.of(), Set.of(), List.of(), 2, null));
        AssetListing after = AssetListing.of(List.of(asset("a", "eu", Map.of()), asset("c", "eu", Map.of()),
                asset("bb", "eu", Map.of()), asset("d", "eu", Map.of())), 0);

        AssetPage second = AssetService.page(after,
                new AssetQuery(Set.of(), Set.of(), List.of(), 2, Cursor.assetId(first.nextCursor())));

        assertThat(ids(second)).containsExactly("bb", "c");
    }

    @Test
    void shouldSortAnUnsortedListingAndKeepOneOfEachId() {
        AssetView first = asset("b", "eu", Map.of());
        AssetListing listing = AssetListing.of(List.of(asset("c", "eu", Map.of()), first, asset("a", "eu", Map.of()),
                asset("b", "us", Map.of())), 0);

        assertThat(listing.size()).isEqualTo(3);
        assertThat(List.of(listing.asset(0).assetId(), listing.asset(1).assetId(), listing.asset(2).assetId()))
                .containsExactly("a", "b", "c");
        assertThat(listing.asset(1)).isSameAs(first);
    }

    @Test
    void shouldParseTagFiltersAndRefuseBadOnes() {
        assertThat(AssetQuery.Tag.parse("rack:r1")).isEqualTo(new AssetQuery.Tag("rack", "r1"));
        assertThat(AssetQuery.Tag.parse("url:http://x")).isEqualTo(new AssetQuery.Tag("url", "http://x"));
        for (String bad : List.of("rack", ":r1", "rack:", "")) {
            assertThatThrownBy(() -> AssetQuery.Tag.parse(bad)).isInstanceOf(IllegalArgumentException.class);
        }
    }

    private static List<String> ids(AssetPage page) {
        return java.util.Arrays.stream(page.indexes()).mapToObj(i -> page.listing().asset(i).assetId())
                .collect(Collectors.toList());
    }
}
