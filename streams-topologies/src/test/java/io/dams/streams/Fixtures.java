package io.dams.streams;

import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.MetricBatch;
import io.dams.schemas.avro.Sample;
import java.util.List;
import java.util.Map;

/** Test data: assets, batches and samples as the bridge writes them. */
public final class Fixtures {

    private Fixtures() {
    }

    public static Sample sample(String name, Map<String, String> labels, long timestampMs, double value) {
        return new Sample(name, labels, timestampMs, value);
    }

    public static Sample sample(String name, long timestampMs, double value) {
        return sample(name, Map.of(), timestampMs, value);
    }

    public static MetricBatch batch(String assetId, String agentId, long seq, String region, List<Sample> samples) {
        return MetricBatch.newBuilder()
                .setAssetId(assetId)
                .setAgentId(agentId)
                .setSeq(seq)
                .setRegion(region)
                .setSentAt(samples.isEmpty() ? 0 : samples.get(0).getTimestampMs())
                .setReceivedAt(0)
                .setSamples(samples)
                .build();
    }

    public static Asset asset(String assetId, String region, String site, Map<String, String> tags, long intervalMs) {
        return Asset.newBuilder()
                .setAssetId(assetId)
                .setRegion(region)
                .setSite(site)
                .setHostname(assetId + ".example")
                .setKind("server")
                .setTags(tags)
                .setCollectionIntervalMs(intervalMs)
                .setRegisteredAt(1)
                .setUpdatedAt(1)
                .build();
    }
}
