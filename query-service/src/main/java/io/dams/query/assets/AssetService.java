package io.dams.query.assets;

import io.dams.query.fleet.FleetStore;
import io.dams.streams.iq.AssetDetail;
import java.util.Arrays;
import java.util.Optional;

/** The logic of the asset routes: pages of the listing and one asset's detail. */
public final class AssetService {

    private final AssetListingCache listings;
    private final FleetStore store;

    public AssetService(AssetListingCache listings, FleetStore store) {
        this.listings = listings;
        this.store = store;
    }

    /**
     * The page after {@code query.after()}: a binary search in the sorted snapshot, then a walk that stops at the first
     * match beyond the page, which is how the page knows whether a next one exists.
     */
    public AssetPage page(AssetQuery query) {
        return page(listings.listing(), query);
    }

    static AssetPage page(AssetListing listing, AssetQuery query) {
        int start = query.after() == null ? 0 : listing.indexAfter(query.after());
        int[] indexes = new int[Math.min(query.limit(), Math.max(0, listing.size() - start))];
        int found = 0;
        String next = null;
        for (int i = start; i < listing.size(); i++) {
            if (!query.matches(listing.asset(i), listing.status(i))) {
                continue;
            }
            if (found == indexes.length) {
                next = Cursor.after(listing.asset(indexes[found - 1]).assetId());
                break;
            }
            indexes[found++] = i;
        }
        return new AssetPage(listing, found == indexes.length ? indexes : Arrays.copyOf(indexes, found), next);
    }

    /** One asset with its latest values, read from the store now (not from the listing's snapshot). */
    public Optional<AssetDetail> detail(String assetId) {
        return store.asset(assetId);
    }
}
