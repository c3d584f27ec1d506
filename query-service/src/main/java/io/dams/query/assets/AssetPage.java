package io.dams.query.assets;

/**
 * One page of the listing: positions in a snapshot, and the cursor of the next page (null on the last page).
 */
public record AssetPage(AssetListing listing, int[] indexes, String nextCursor) {

    public int size() {
        return indexes.length;
    }
}
