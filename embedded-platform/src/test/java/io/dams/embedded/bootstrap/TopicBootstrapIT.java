package io.dams.embedded.bootstrap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.dams.embedded.Endpoints;
import io.dams.embedded.junit.EmbeddedPlatformExtension;
import io.dams.schemas.avro.Asset;
import io.dams.schemas.topics.CleanupPolicy;
import io.dams.schemas.topics.Topic;
import io.dams.schemas.topics.Topics;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(EmbeddedPlatformExtension.class)
class TopicBootstrapIT {

    @Test
    void shouldCreateTheCatalogueOnceAndChangeNothingTheSecondTime(Endpoints platform) throws Exception {
        try (Admin admin = admin(platform)) {
            assertThat(admin.listTopics().names().get())
                    .containsAll(Topics.ALL.stream().map(Topic::name).toList());

            TopicBootstrap.Report again = new TopicBootstrap(admin, (short) 1).apply(Topics.ALL);

            assertThat(again.created()).isEmpty();
            assertThat(again.differences()).isEmpty();
        }
    }

    @Test
    void shouldReportAWrongCleanupPolicyAndFixItWithoutDeletingAnything(Endpoints platform) throws Exception {
        Topic<String, Asset> table = new Topic<>("it.table." + UUID.randomUUID(), String.class, Asset.class, 2,
                CleanupPolicy.COMPACT, Optional.empty(), "a table created with the wrong policy");
        try (Admin admin = admin(platform)) {
            admin.createTopics(List.of(new NewTopic(table.name(), 2, (short) 1)
                    .configs(Map.of("cleanup.policy", "delete")))).all().get();
            awaitVisible(admin, table.name());
            TopicBootstrap bootstrap = new TopicBootstrap(admin, (short) 1);

            TopicBootstrap.Report report = bootstrap.apply(List.of(table));

            assertThat(report.created()).isEmpty();
            assertThat(report.differences()).singleElement().satisfies(d -> {
                assertThat(d.setting()).isEqualTo("cleanup.policy");
                assertThat(d.toString()).isEqualTo("topic " + table.name()
                        + ": cleanup.policy is delete, the catalogue says compact");
            });
            assertThat(admin.listTopics().names().get()).contains(table.name());

            TopicBootstrap.Fixes fixes = bootstrap.fix(List.of(table));

            assertThat(fixes.fixed()).hasSize(1);
            assertThat(fixes.left()).isEmpty();
            assertThat(bootstrap.differences(List.of(table))).isEmpty();
        }
    }

    @Test
    void shouldReportButNotChangeAPartitionCount(Endpoints platform) throws Exception {
        Topic<String, Asset> topic = new Topic<>("it.partitions." + UUID.randomUUID(), String.class, Asset.class, 3,
                CleanupPolicy.COMPACT, Optional.empty(), "created with one partition");
        try (Admin admin = admin(platform)) {
            admin.createTopics(List.of(new NewTopic(topic.name(), 1, (short) 1)
                    .configs(Map.of("cleanup.policy", "compact")))).all().get();
            awaitVisible(admin, topic.name());

            TopicBootstrap.Fixes fixes = new TopicBootstrap(admin, (short) 1).fix(List.of(topic));

            assertThat(fixes.fixed()).isEmpty();
            assertThat(fixes.left()).singleElement().satisfies(d -> assertThat(d.setting()).isEqualTo("partitions"));
            assertThat(admin.describeTopics(List.of(topic.name())).allTopicNames().get()
                    .get(topic.name()).partitions()).hasSize(1);
        }
    }

    /** A new topic reaches the broker's metadata a moment after the controller created it. */
    private static void awaitVisible(Admin admin, String topic) {
        await().atMost(Duration.ofSeconds(30)).until(() -> admin.listTopics().names().get().contains(topic));
    }

    private static Admin admin(Endpoints platform) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, platform.bootstrapServers()));
    }
}
