package io.dams.bridge.ingest;

import io.dams.schemas.avro.Asset;
import io.dams.schemas.ingest.v1.AssetInfo;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topics;
import java.time.Clock;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;

/** Upserts registered assets into the compacted asset table ({@code dams.assets}). */
public final class AssetRegistrar implements AutoCloseable {

    private final KafkaProducer<String, Asset> producer;
    private final Clock clock;
    private final Set<String> seen = ConcurrentHashMap.newKeySet();

    public AssetRegistrar(String bootstrapServers, RegistrySerdes serdes, Clock clock) {
        Map<String, Object> config = new HashMap<>(serdes.producerConfig());
        config.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        config.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        config.put(ProducerConfig.ACKS_CONFIG, "all");
        config.put(ProducerConfig.CLIENT_ID_CONFIG, "dams-bridge-assets");
        // A registration is retried by the agent on its next connection; do not hold it for minutes.
        config.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 15_000);
        config.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        config.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
        this.producer = new KafkaProducer<>(config);
        this.clock = clock;
    }

    /**
     * Records the asset; completes with true when this bridge sees the asset for the first time since it started
     * (the asset table itself knows whether it is new to the whole system).
     */
    public CompletionStage<Boolean> register(AssetInfo info) {
        long now = clock.millis();
        Asset asset = Asset.newBuilder()
                .setAssetId(info.getAssetId())
                .setRegion(info.getRegion())
                .setSite(blankToNull(info.getSite()))
                .setLatitude(info.hasLatitude() ? info.getLatitude() : null)
                .setLongitude(info.hasLongitude() ? info.getLongitude() : null)
                .setHostname(blankToNull(info.getHostname()))
                .setKind(blankToNull(info.getKind()))
                .setOs(blankToNull(info.getOs()))
                .setArch(blankToNull(info.getArch()))
                .setTags(info.getTagsMap())
                .setAgentVersion(blankToNull(info.getAgentVersion()))
                .setCollectionIntervalMs(info.getCollectionIntervalMs() > 0 ? info.getCollectionIntervalMs() : 10_000)
                // The table's consumer keeps the earliest registered_at it has seen for an asset.
                .setRegisteredAt(now)
                .setUpdatedAt(now)
                .build();
        CompletableFuture<Boolean> done = new CompletableFuture<>();
        try {
            producer.send(new ProducerRecord<>(Topics.ASSETS.name(), asset.getAssetId(), asset), (metadata, error) -> {
                if (error != null) {
                    done.completeExceptionally(error);
                } else {
                    done.complete(seen.add(asset.getAssetId()));
                }
            });
        } catch (RuntimeException e) {
            done.completeExceptionally(e);
        }
        return done;
    }

    @Override
    public void close() {
        producer.close(java.time.Duration.ofSeconds(5));
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s;
    }
}
