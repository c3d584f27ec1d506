package io.dams.streams.iq;

import java.util.List;

/** One asset with the latest value of each of its series, sorted by name then labels. */
public record AssetDetail(AssetView asset, List<SeriesValue> series) {
}
