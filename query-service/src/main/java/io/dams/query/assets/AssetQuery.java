package io.dams.query.assets;

import io.dams.query.http.ApiErrors;
import io.dams.streams.iq.AssetView;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A listing request: the filters (each absent or empty filter matches everything) and the page.
 *
 * @param regions  any of these regions
 * @param statuses any of these statuses
 * @param tags     every one of these tags (key and value)
 * @param after    the asset id the previous page ended with, or null for the first page
 */
public record AssetQuery(Set<String> regions, Set<AssetStatus> statuses, List<Tag> tags, int limit, String after) {

    /** One {@code key:value} tag filter. */
    public record Tag(String key, String value) {

        /** Reads {@code key:value}; the value may contain colons, neither part may be empty. */
        public static Tag parse(String text) {
            int colon = text.indexOf(':');
            if (colon <= 0 || colon == text.length() - 1) {
                throw new IllegalArgumentException(
                        ApiErrors.quote(text) + " is not a tag filter; write key:value, e.g. tag=rack:r12");
            }
            return new Tag(text.substring(0, colon), text.substring(colon + 1));
        }
    }

    public AssetQuery {
        regions = Set.copyOf(regions);
        statuses = Set.copyOf(statuses);
        tags = List.copyOf(tags);
        if (limit < 1) {
            throw new IllegalArgumentException("limit must be at least 1");
        }
    }

    boolean matches(AssetView asset, AssetStatus status) {
        if (!statuses.isEmpty() && !statuses.contains(status)) {
            return false;
        }
        if (!regions.isEmpty() && (asset.region() == null || !regions.contains(asset.region()))) {
            return false;
        }
        if (!tags.isEmpty()) {
            Map<String, String> assetTags = asset.tags();
            if (assetTags == null) {
                return false;
            }
            for (Tag tag : tags) {
                if (!tag.value().equals(assetTags.get(tag.key()))) {
                    return false;
                }
            }
        }
        return true;
    }
}
