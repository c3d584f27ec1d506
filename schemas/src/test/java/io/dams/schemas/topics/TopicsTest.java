package io.dams.schemas.topics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.avro.MetricBatch;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificData;
import org.junit.jupiter.api.Test;

class TopicsTest {

    @Test
    void shouldNameEveryTopicOnceUnderTheDamsPrefix() {
        Set<String> names = Topics.ALL.stream().map(Topic::name).collect(Collectors.toSet());
        assertThat(names).hasSameSizeAs(Topics.ALL);
        assertThat(names).allMatch(n -> n.startsWith("dams."));
    }

    @Test
    void shouldListEveryConstantInAll() throws IllegalAccessException {
        for (var field : Topics.class.getFields()) {
            if (field.getType() == Topic.class) {
                assertThat(Topics.ALL).as(field.getName()).contains((Topic<?, ?>) field.get(null));
            }
        }
    }

    @Test
    void shouldCoPartitionEverythingKeyedByAsset() {
        assertThat(Topics.ALL.stream()
                .filter(t -> t.valueType().getSimpleName().matches("MetricBatch|Asset|AssetHealth|AssetEvent|Rollup|Anomaly")))
                .isNotEmpty()
                .allMatch(t -> t.partitions() == Topics.ASSET_PARTITIONS);
    }

    @Test
    void shouldKeepTablesCompactedAndStreamsRetained() {
        assertThat(Topics.ASSETS.configs()).containsEntry("cleanup.policy", "compact").doesNotContainKey("retention.ms");
        assertThat(Topics.RULES.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
        assertThat(Topics.SILENCES.cleanupPolicy()).isEqualTo(CleanupPolicy.COMPACT);
        assertThat(Topics.METRICS_RAW.configs())
                .containsEntry("cleanup.policy", "delete")
                .containsEntry("retention.ms", Long.toString(Duration.ofDays(1).toMillis()));
    }

    @Test
    void shouldRefuseACompactedTopicWithRetention() {
        assertThatThrownBy(() -> new Topic<>("x", String.class, Asset.class, 1, CleanupPolicy.COMPACT,
                Optional.of(Duration.ofDays(1)), ""))
                .hasMessageContaining("compacted");
    }

    @Test
    void shouldFindTopicsByName() {
        assertThat(Topics.byName("dams.metrics.raw")).contains(Topics.METRICS_RAW);
        assertThat(Topics.byName("nope")).isEmpty();
        assertThat(Topics.METRICS_RAW.valueSubject()).isEqualTo("dams.metrics.raw-value");
    }

    @Test
    void shouldGiveEveryValueSchemaDocumentationAndDefaultsForOptionalFields() {
        for (Topic<?, ?> topic : Topics.ALL) {
            Schema schema = SpecificData.get().getSchema(topic.valueType());
            assertThat(schema.getDoc()).as(topic.name()).isNotBlank();
            for (Schema.Field field : schema.getFields()) {
                if (field.schema().isNullable()) {
                    // A nullable field without a default could never be added to a schema compatibly.
                    assertThat(field.hasDefaultValue()).as(topic.name() + "." + field.name()).isTrue();
                }
            }
        }
        assertThat(SpecificData.get().getSchema(MetricBatch.class).getField("samples")).isNotNull();
    }
}
