package io.dams.embedded.bootstrap;

import io.dams.embedded.PlatformException;
import io.dams.schemas.topics.Topic;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.stream.Collectors;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AlterConfigOp;
import org.apache.kafka.clients.admin.Config;
import org.apache.kafka.clients.admin.ConfigEntry;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * Makes the cluster's topics match the catalogue: creates the missing ones and reports, without touching them, the
 * existing ones whose settings differ. Running it again changes nothing.
 */
public final class TopicBootstrap {

    private final Admin admin;
    private final short replicationFactor;

    public TopicBootstrap(Admin admin, short replicationFactor) {
        this.admin = admin;
        this.replicationFactor = replicationFactor;
    }

    /** What one existing topic has that the catalogue does not want. */
    public record Difference(String topic, String setting, String actual, String expected) {

        /** Fixable by altering the topic's configuration; a partition count is not (it would move keys). */
        public boolean isConfig() {
            return !setting.equals("partitions");
        }

        @Override
        public String toString() {
            return "topic " + topic + ": " + setting + " is " + actual + ", the catalogue says " + expected;
        }
    }

    /** The outcome of {@link #apply}. */
    public record Report(List<String> created, List<Difference> differences) {
    }

    /** Creates every missing topic and returns what differs on the others. */
    public Report apply(Collection<Topic<?, ?>> topics) {
        Set<String> existing = existingTopics();
        List<NewTopic> missing = topics.stream()
                .filter(t -> !existing.contains(t.name()))
                .map(t -> new NewTopic(t.name(), t.partitions(), replicationFactor).configs(t.configs()))
                .toList();
        List<String> created = new ArrayList<>();
        if (!missing.isEmpty()) {
            admin.createTopics(missing).values().forEach((name, future) -> {
                try {
                    future.get();
                    created.add(name);
                } catch (ExecutionException e) {
                    if (!(e.getCause() instanceof TopicExistsException)) {
                        throw new PlatformException("cannot create topic " + name + ": " + e.getCause().getMessage(), e);
                    }
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PlatformException("interrupted while creating topic " + name, e);
                }
            });
        }
        List<Topic<?, ?>> present = topics.stream().filter(t -> existing.contains(t.name())).toList();
        return new Report(List.copyOf(created), differences(present));
    }

    /** What differs between the catalogue and the existing topics among {@code topics}. */
    public List<Difference> differences(Collection<Topic<?, ?>> topics) {
        if (topics.isEmpty()) {
            return List.of();
        }
        List<String> names = topics.stream().map(Topic::name).toList();
        Map<String, TopicDescription> descriptions = await(admin.describeTopics(names).allTopicNames(), "describe topics");
        Map<ConfigResource, Config> configs = await(admin.describeConfigs(names.stream()
                .map(n -> new ConfigResource(ConfigResource.Type.TOPIC, n)).toList()).all(), "describe topic configs");
        List<Difference> differences = new ArrayList<>();
        for (Topic<?, ?> topic : topics) {
            int partitions = descriptions.get(topic.name()).partitions().size();
            if (partitions != topic.partitions()) {
                differences.add(new Difference(topic.name(), "partitions", Integer.toString(partitions),
                        Integer.toString(topic.partitions())));
            }
            Config actual = configs.get(new ConfigResource(ConfigResource.Type.TOPIC, topic.name()));
            topic.configs().forEach((key, expected) -> {
                ConfigEntry entry = actual.get(key);
                String value = entry == null ? "unset" : entry.value();
                if (!expected.equals(value)) {
                    differences.add(new Difference(topic.name(), key, value, expected));
                }
            });
        }
        return differences;
    }

    /** The outcome of {@link #fix}: what was altered, and what was left as it is. */
    public record Fixes(List<Difference> fixed, List<Difference> left) {
    }

    /**
     * Alters the configuration of existing topics to the catalogue's; deletes nothing and leaves partition counts
     * alone.
     */
    public Fixes fix(Collection<Topic<?, ?>> topics) {
        Set<String> existing = existingTopics();
        List<Difference> differences = differences(topics.stream().filter(t -> existing.contains(t.name())).toList());
        Map<ConfigResource, Collection<AlterConfigOp>> ops = new HashMap<>();
        for (Difference d : differences) {
            if (d.isConfig()) {
                ops.computeIfAbsent(new ConfigResource(ConfigResource.Type.TOPIC, d.topic()), k -> new ArrayList<>())
                        .add(new AlterConfigOp(new ConfigEntry(d.setting(), d.expected()), AlterConfigOp.OpType.SET));
            }
        }
        if (!ops.isEmpty()) {
            await(admin.incrementalAlterConfigs(ops).all(), "alter topic configs");
        }
        Map<Boolean, List<Difference>> split = differences.stream().collect(Collectors.partitioningBy(Difference::isConfig));
        return new Fixes(split.get(true), split.get(false));
    }

    private Set<String> existingTopics() {
        return await(admin.listTopics().names(), "list topics");
    }

    private static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, String what) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new PlatformException("Kafka refused to " + what + ": " + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted while waiting to " + what, e);
        }
    }
}
