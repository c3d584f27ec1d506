package io.dams.rules.catalog;

import static org.assertj.core.api.Assertions.assertThat;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.rules.AlertRule;
import io.dams.rules.check.RuleChecker;
import io.dams.rules.check.RuleFile;
import io.dams.rules.check.RuleFiles;
import io.dams.schemas.avro.Rule;
import io.dams.schemas.topics.Topics;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/** The catalogue on the real embedded platform: Kafka (KRaft) and the schema registry. */
@ExtendWith(EmbeddedPlatformExtension.class)
class RuleCatalogIT {

    private static final Instant NOW = Instant.parse("2025-06-01T12:00:00Z");

    @TempDir
    Path tmp;

    @Test
    void shouldApplyReadBackIdempotentlyAndTombstoneARuleRemovedFromTheFile(Endpoints platform) throws Exception {
        RuleCatalog catalog = new RuleCatalog(Map.of("bootstrap.servers", platform.bootstrapServers()),
                platform.registryUrl(), Clock.fixed(NOW, ZoneOffset.UTC), Duration.ofSeconds(60));
        assertThat(catalog.read()).as("a fresh platform has no rules").isEmpty();

        // apply the shipped file
        Path policies = tmp.resolve("policies.yaml");
        Files.copy(Path.of("policies.yaml"), policies);
        List<AlertRule> desired = load(policies);
        RuleDiff first = RuleDiff.between(catalog.read(), desired);
        assertThat(first.added()).hasSize(desired.size());
        RuleCatalog.Applied applied = catalog.apply(first, "it-user");
        assertThat(applied.published()).containsExactlyElementsOf(desired.stream().map(AlertRule::name).toList());

        // read back: the same rules, stamped
        Map<String, Rule> back = catalog.read();
        assertThat(back).containsOnlyKeys(desired.stream().map(AlertRule::name).toList());
        Map<String, AlertRule> byName = desired.stream().collect(Collectors.toMap(AlertRule::name, Function.identity()));
        back.forEach((name, rule) -> {
            assertThat(AlertRule.fromAvro(rule)).isEqualTo(byName.get(name));
            assertThat(rule.getUpdatedAt()).isEqualTo(NOW.toEpochMilli());
            assertThat(rule.getUpdatedBy()).isEqualTo("it-user");
        });

        // applying the same file again changes nothing, not even the topic
        long endBefore = endOffset(platform);
        RuleDiff second = RuleDiff.between(back, load(policies));
        assertThat(second.isEmpty()).isTrue();
        assertThat(catalog.apply(second, "it-user").published()).isEmpty();
        assertThat(endOffset(platform)).isEqualTo(endBefore);

        // remove a rule from the file
        Path reduced = tmp.resolve("reduced.yaml");
        Files.writeString(reduced, withoutRule(Files.readString(policies), "disk-filling-fast"));
        List<AlertRule> fewer = load(reduced);
        assertThat(fewer).hasSize(desired.size() - 1);
        RuleDiff removal = RuleDiff.between(catalog.read(), fewer);
        assertThat(removal.plan()).containsExactly("- disk-filling-fast");
        assertThat(catalog.apply(removal, "it-user").deleted()).containsExactly("disk-filling-fast");

        // a tombstone is the topic's last record for that key
        List<ConsumerRecord<String, byte[]>> raw = rawRecords(platform);
        ConsumerRecord<String, byte[]> last = raw.stream().filter(r -> r.key().equals("disk-filling-fast"))
                .reduce((a, b) -> b).orElseThrow();
        assertThat(last.value()).isNull();
        assertThat(raw.get(raw.size() - 1)).isSameAs(last);

        // read back without it, and nothing left to do
        Map<String, Rule> afterRemoval = catalog.read();
        assertThat(afterRemoval).doesNotContainKey("disk-filling-fast").hasSize(desired.size() - 1);
        assertThat(RuleDiff.between(afterRemoval, fewer).isEmpty()).isTrue();
    }

    private static List<AlertRule> load(Path file) {
        RuleFile rules = RuleFiles.load(file, RuleChecker.STANDARD_CHANNELS);
        assertThat(rules.problems()).as(rules.report()).isEmpty();
        return rules.rules();
    }

    /** The file's text without the list item of rule {@code name} (up to the next comment or item). */
    private static String withoutRule(String yaml, String name) {
        List<String> out = new ArrayList<>();
        boolean skipping = false;
        for (String line : yaml.split("\n", -1)) {
            if (line.equals("  - name: " + name)) {
                skipping = true;
                continue;
            }
            if (skipping && (line.startsWith("  - ") || line.startsWith("  #"))) {
                skipping = false;
            }
            if (!skipping) {
                out.add(line);
            }
        }
        assertThat(out).doesNotContain("  - name: " + name);
        return String.join("\n", out);
    }

    private static long endOffset(Endpoints platform) {
        try (KafkaConsumer<String, byte[]> consumer = rawConsumer(platform)) {
            TopicPartition p = new TopicPartition(Topics.RULES.name(), 0);
            return consumer.endOffsets(List.of(p)).get(p);
        }
    }

    private static List<ConsumerRecord<String, byte[]>> rawRecords(Endpoints platform) {
        try (KafkaConsumer<String, byte[]> consumer = rawConsumer(platform)) {
            TopicPartition p = new TopicPartition(Topics.RULES.name(), 0);
            consumer.assign(List.of(p));
            consumer.seekToBeginning(List.of(p));
            long end = consumer.endOffsets(List.of(p)).get(p);
            List<ConsumerRecord<String, byte[]>> records = new ArrayList<>();
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (consumer.position(p) < end && System.nanoTime() < deadline) {
                consumer.poll(Duration.ofMillis(200)).forEach(records::add);
            }
            assertThat(consumer.position(p)).isEqualTo(end);
            return records;
        }
    }

    private static KafkaConsumer<String, byte[]> rawConsumer(Endpoints platform) {
        return new KafkaConsumer<>(Map.<String, Object>of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers(),
                ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false,
                ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed"),
                new StringDeserializer(), new ByteArrayDeserializer());
    }
}
