package io.dams.query.assets;

import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import io.dams.streams.iq.AssetView;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;

/**
 * One immutable snapshot of the fleet's listing, sorted by asset id, with each asset's status and JSON worked out
 * once when the snapshot is taken. A page is then a binary search for the cursor and a walk of at most the page size
 * (plus the assets a filter skips): no sorting and no formatting per request.
 */
public final class AssetListing {

    private final AssetView[] assets;
    private final String[] ids;
    private final AssetStatus[] statuses;
    private final byte[][] json;
    private final long takenAtNanos;

    private AssetListing(AssetView[] assets, long takenAtNanos) {
        this.assets = assets;
        this.takenAtNanos = takenAtNanos;
        int n = assets.length;
        this.ids = new String[n];
        this.statuses = new AssetStatus[n];
        this.json = new byte[n][];
        ByteArrayBuilder buffer = new ByteArrayBuilder(512);
        for (int i = 0; i < n; i++) {
            ids[i] = assets[i].assetId();
            statuses[i] = AssetStatus.of(assets[i]);
            json[i] = AssetJson.render(assets[i], statuses[i], buffer);
        }
    }

    /**
     * A snapshot of {@code assets}. The store returns them sorted; should it not (or repeat an id), the snapshot sorts
     * and keeps the first of each id, once here rather than on every request.
     */
    public static AssetListing of(List<AssetView> assets, long takenAtNanos) {
        AssetView[] sorted = assets.stream().filter(a -> a != null && a.assetId() != null).toArray(AssetView[]::new);
        if (!strictlyAscending(sorted)) {
            Arrays.sort(sorted, Comparator.comparing(AssetView::assetId));
            int kept = 0;
            for (int i = 0; i < sorted.length; i++) {
                if (kept == 0 || !sorted[kept - 1].assetId().equals(sorted[i].assetId())) {
                    sorted[kept++] = sorted[i];
                }
            }
            sorted = Arrays.copyOf(sorted, kept);
        }
        return new AssetListing(sorted, takenAtNanos);
    }

    public int size() {
        return assets.length;
    }

    public AssetView asset(int index) {
        return assets[index];
    }

    public AssetStatus status(int index) {
        return statuses[index];
    }

    /** The asset's JSON object, compact UTF-8. Callers must not change the array. */
    byte[] json(int index) {
        return json[index];
    }

    /** The index of the first asset whose id sorts after {@code assetId} (which need not exist any more). */
    public int indexAfter(String assetId) {
        int i = Arrays.binarySearch(ids, assetId);
        return i >= 0 ? i + 1 : -i - 1;
    }

    /** When the snapshot was taken, on the {@link System#nanoTime()} scale. */
    public long takenAtNanos() {
        return takenAtNanos;
    }

    private static boolean strictlyAscending(AssetView[] assets) {
        for (int i = 1; i < assets.length; i++) {
            if (assets[i - 1].assetId().compareTo(assets[i].assetId()) >= 0) {
                return false;
            }
        }
        return true;
    }
}
