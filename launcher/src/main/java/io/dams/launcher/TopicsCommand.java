package io.dams.launcher;

import io.dams.embedded.PlatformException;
import io.dams.embedded.bootstrap.TopicBootstrap;
import io.dams.schemas.serde.RegistrySerdes;
import io.dams.schemas.topics.Topic;
import io.dams.schemas.topics.Topics;
import java.io.PrintWriter;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.WakeupException;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.Deserializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code dams topics}: look at DAMS's topics and what flows through them. */
@Command(name = "topics",
        mixinStandardHelpOptions = true,
        description = "Lists, reads and repairs DAMS topics.",
        subcommands = {TopicsCommand.ListTopics.class, TopicsCommand.Tail.class, TopicsCommand.Fix.class})
final class TopicsCommand implements Runnable {

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    static Admin admin(Clusters.Target target) {
        return Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers(),
                // An operator's command should fail within seconds when the cluster is not there, not after a minute.
                AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000,
                AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000));
    }

    static <T> T await(org.apache.kafka.common.KafkaFuture<T> future, Clusters.Target target) {
        try {
            return future.get();
        } catch (ExecutionException e) {
            throw new PlatformException("Kafka at " + target.bootstrapServers() + " did not answer: "
                    + e.getCause().getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new PlatformException("interrupted", e);
        }
    }

    /** {@code dams topics list}. */
    @Command(name = "list", mixinStandardHelpOptions = true,
            description = "Lists the topics of the cluster: the catalogue's with their settings and any others.")
    static final class ListTopics implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Clusters clusters;

        @Override
        public Integer call() {
            Clusters.Target target = clusters.resolve();
            PrintWriter out = spec.commandLine().getOut();
            try (Admin admin = admin(target)) {
                Set<String> names = new TreeSet<>(await(admin.listTopics().names(), target));
                Map<String, TopicDescription> descriptions = names.isEmpty() ? Map.of()
                        : await(admin.describeTopics(names).allTopicNames(), target);
                List<Topic<?, ?>> present = Topics.ALL.stream().filter(t -> names.contains(t.name())).toList();
                List<TopicBootstrap.Difference> differences = new TopicBootstrap(admin, (short) 1).differences(present);
                out.printf("%-28s %10s %-8s %-9s %-16s %s%n", "TOPIC", "PARTITIONS", "POLICY", "RETENTION",
                        "VALUE", "STATUS");
                for (Topic<?, ?> topic : Topics.ALL) {
                    TopicDescription d = descriptions.get(topic.name());
                    List<String> problems = differences.stream().filter(x -> x.topic().equals(topic.name()))
                            .map(x -> x.setting() + " is " + x.actual()).toList();
                    String status = d == null ? "missing" : problems.isEmpty() ? "ok" : String.join(", ", problems);
                    out.printf("%-28s %10s %-8s %-9s %-16s %s%n", topic.name(),
                            d == null ? "-" : d.partitions().size(), topic.cleanupPolicy().config(),
                            topic.retention().map(r -> r.toDays() + "d").orElse("-"),
                            topic.valueType().getSimpleName(), status);
                }
                for (String name : names) {
                    if (Topics.byName(name).isEmpty()) {
                        out.printf("%-28s %10d %-8s %-9s %-16s %s%n", name, descriptions.get(name).partitions().size(),
                                "", "", "", "not in the catalogue");
                    }
                }
            }
            out.flush();
            return 0;
        }
    }

    /** {@code dams topics tail}. */
    @Command(name = "tail", mixinStandardHelpOptions = true,
            description = {"Prints the records of a topic as one JSON object per line, values decoded with their"
                + " schema from the registry.",
                "Follows new records until Ctrl-C, or stops after --count records."})
    static final class Tail implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Clusters clusters;

        @Parameters(paramLabel = "TOPIC", description = "Topic name, e.g. dams.metrics.raw.")
        String topic;

        @Option(names = "--count", paramLabel = "N", description = "Stop after N records.")
        Long count;

        @Option(names = "--from-beginning", description = "Start at the oldest record instead of the newest.")
        boolean fromBeginning;

        @Option(names = "--key", paramLabel = "KEY", description = "Only records with this key, e.g. an asset id.")
        String key;

        @Option(names = "--timeout", paramLabel = "DURATION",
                description = "With --count, give up after this long (ISO-8601, e.g. PT30S; default: wait for ever).")
        Duration timeout;

        @Override
        public Integer call() {
            Clusters.Target target = clusters.resolve();
            PrintWriter out = spec.commandLine().getOut();
            PrintWriter err = spec.commandLine().getErr();
            List<TopicPartition> partitions = partitions(target);
            Deserializer<GenericRecord> values = new RegistrySerdes(target.registryUrl()).genericValueDeserializer();
            Properties props = new Properties();
            props.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, target.bootstrapServers());
            props.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
            props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
            AtomicBoolean stopping = new AtomicBoolean();
            long printed = 0;
            long undecodable = 0;
            long deadline = timeout == null ? Long.MAX_VALUE : System.nanoTime() + timeout.toNanos();
            try (KafkaConsumer<String, byte[]> consumer =
                         new KafkaConsumer<>(props, new StringDeserializer(), new ByteArrayDeserializer())) {
                Thread main = Thread.currentThread();
                Thread hook = new Thread(() -> {
                    stopping.set(true);
                    consumer.wakeup();
                    try {
                        main.join(5_000);
                    } catch (InterruptedException ignored) {
                        Thread.currentThread().interrupt();
                    }
                });
                Runtime.getRuntime().addShutdownHook(hook);
                consumer.assign(partitions);
                if (fromBeginning) {
                    consumer.seekToBeginning(partitions);
                } else {
                    consumer.seekToEnd(partitions);
                }
                while (!stopping.get() && (count == null || printed < count) && System.nanoTime() < deadline) {
                    for (ConsumerRecord<String, byte[]> record : consumer.poll(Duration.ofMillis(500))) {
                        if (count != null && printed >= count) {
                            break;
                        }
                        if (key != null && !key.equals(record.key())) {
                            continue;
                        }
                        try {
                            GenericRecord value = record.value() == null ? null
                                    : values.deserialize(record.topic(), record.value());
                            out.println(json(record, value));
                            printed++;
                        } catch (RuntimeException e) {
                            undecodable++;
                            err.println("dams: partition " + record.partition() + " offset " + record.offset()
                                    + " is not a registry-framed Avro value: " + e.getMessage());
                        }
                    }
                    out.flush();
                }
                if (!stopping.get()) {
                    Runtime.getRuntime().removeShutdownHook(hook);
                }
            } catch (WakeupException e) {
                // Ctrl-C: stop quietly.
            }
            out.flush();
            if (undecodable > 0) {
                err.println("dams: " + undecodable + " records could not be decoded");
                err.flush();
            }
            return count != null && printed < count ? 1 : 0;
        }

        private List<TopicPartition> partitions(Clusters.Target target) {
            try (Admin admin = admin(target)) {
                Set<String> names = await(admin.listTopics().names(), target);
                if (!names.contains(topic)) {
                    throw new PlatformException("topic " + topic + " does not exist on " + target.bootstrapServers()
                            + "; `dams topics list` shows the topics");
                }
                TopicDescription d = await(admin.describeTopics(List.of(topic)).allTopicNames(), target).get(topic);
                List<TopicPartition> partitions = new ArrayList<>();
                d.partitions().forEach(p -> partitions.add(new TopicPartition(topic, p.partition())));
                return partitions;
            }
        }

        static String json(ConsumerRecord<String, ?> record, GenericRecord value) {
            StringBuilder line = new StringBuilder(256)
                    .append("{\"partition\":").append(record.partition())
                    .append(",\"offset\":").append(record.offset())
                    .append(",\"timestamp\":").append(record.timestamp())
                    .append(",\"key\":");
            if (record.key() == null) {
                line.append("null");
            } else {
                line.append('"');
                escape(record.key(), line);
                line.append('"');
            }
            // Avro's own rendering of a generic record is JSON with the record's field names.
            return line.append(",\"value\":").append(value == null ? "null" : GenericData.get().toString(value))
                    .append('}').toString();
        }

        private static void escape(String s, StringBuilder out) {
            for (int i = 0; i < s.length(); i++) {
                char c = s.charAt(i);
                switch (c) {
                    case '"' -> out.append("\\\"");
                    case '\\' -> out.append("\\\\");
                    case '\n' -> out.append("\\n");
                    case '\r' -> out.append("\\r");
                    case '\t' -> out.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            out.append(String.format("\\u%04x", (int) c));
                        } else {
                            out.append(c);
                        }
                    }
                }
            }
        }
    }

    /** {@code dams topics fix}. */
    @Command(name = "fix", mixinStandardHelpOptions = true,
            description = {"Alters the configuration of existing DAMS topics (cleanup.policy, retention.ms) to the"
                + " catalogue's. Deletes nothing; partition counts are reported, not changed."})
    static final class Fix implements Callable<Integer> {
        @CommandLine.Spec
        CommandLine.Model.CommandSpec spec;

        @Mixin
        Clusters clusters;

        @Override
        public Integer call() {
            Clusters.Target target = clusters.resolve();
            PrintWriter out = spec.commandLine().getOut();
            try (Admin admin = admin(target)) {
                TopicBootstrap.Fixes fixes = new TopicBootstrap(admin, (short) 1).fix(Topics.ALL);
                fixes.fixed().forEach(d -> out.println("fixed: " + d));
                fixes.left().forEach(d -> out.println("not changed: " + d + " (changing partitions moves keys to"
                        + " other partitions; recreate the topic if that is acceptable)"));
                if (fixes.fixed().isEmpty() && fixes.left().isEmpty()) {
                    out.println("every DAMS topic matches the catalogue");
                }
                out.flush();
                return fixes.left().isEmpty() ? 0 : 1;
            }
        }
    }
}
