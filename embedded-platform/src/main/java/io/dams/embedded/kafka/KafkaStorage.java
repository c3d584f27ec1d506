package io.dams.embedded.kafka;

import io.dams.embedded.PlatformException;

import org.apache.kafka.common.Uuid;
import org.apache.kafka.metadata.bootstrap.BootstrapDirectory;
import org.apache.kafka.metadata.properties.MetaProperties;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble;
import org.apache.kafka.metadata.properties.MetaPropertiesEnsemble.VerificationFlag;
import org.apache.kafka.metadata.storage.Formatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.OptionalInt;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Checks that a data directory holds this installation's Kafka data, and formats it when it holds none.
 *
 * <p>Nothing here deletes or rewrites Kafka's files: a directory that does not fit is refused with a message, and
 * the operator decides what to do with it.
 */
final class KafkaStorage {

    static final int NODE_ID = 1;
    static final String CONTROLLER_LISTENER = "CONTROLLER";

    private static final Logger LOG = LoggerFactory.getLogger(KafkaStorage.class);
    private static final String META_PROPERTIES = MetaPropertiesEnsemble.META_PROPERTIES_NAME;
    /** Files a format that stopped half-way may leave before meta.properties; they hold no data. */
    private static final Set<String> FORMAT_LEFTOVERS = Set.of(".lock", BootstrapDirectory.BINARY_BOOTSTRAP_FILENAME,
            BootstrapDirectory.BINARY_BOOTSTRAP_FILENAME + ".tmp");

    /** What start-up does with the storage: use it as cluster {@code clusterId}, formatting it first if asked. */
    record Plan(String clusterId, boolean format) {
    }

    private KafkaStorage() {
    }

    /** Reads the recorded cluster id and Kafka's meta.properties and refuses anything that is not ours. */
    static Plan inspect(KafkaLayout layout) {
        refuseKafkaDataAtTop(layout);
        Optional<String> recorded = readMarker(layout);
        MetaPropertiesEnsemble ensemble = load(layout);
        if (!ensemble.errorLogDirs().isEmpty()) {
            throw inconsistent(layout, "cannot read "
                    + Path.of(ensemble.errorLogDirs().iterator().next(), META_PROPERTIES));
        }
        Map<String, MetaProperties> formatted = new TreeMap<>(ensemble.logDirProps());
        if (formatted.isEmpty()) {
            refuseUnformattedData(layout, layout.metadataDir());
            refuseUnformattedData(layout, layout.logDir());
            // A recorded id without Kafka data means the Kafka directories were removed; keep the cluster's identity.
            return new Plan(recorded.orElseGet(() -> Uuid.randomUuid().toString()), true);
        }
        // The other cluster's identity comes first: it is the likeliest cause and the clearest message.
        for (MetaProperties props : formatted.values()) {
            String theirs = props.clusterId().orElse("unknown");
            OptionalInt node = props.nodeId();
            if (recorded.isEmpty()) {
                throw new PlatformException("data directory " + layout.dataDir() + " holds Kafka data of cluster "
                        + theirs + " (" + nodeLabel(node) + ") that this DAMS installation did not create (no "
                        + layout.marker().getFileName() + "); use another --data-dir or move " + layout.kafkaDir()
                        + " away");
            }
            if (!theirs.equals(recorded.get()) || node.isEmpty() || node.getAsInt() != NODE_ID) {
                throw foreign(layout, theirs, node, recorded.get());
            }
        }
        if (!ensemble.emptyLogDirs().isEmpty()) {
            throw inconsistent(layout, Path.of(ensemble.emptyLogDirs().iterator().next(), META_PROPERTIES)
                    + " is missing while " + Path.of(formatted.keySet().iterator().next(), META_PROPERTIES) + " exists");
        }
        try {
            ensemble.verify(recorded, OptionalInt.of(NODE_ID),
                    EnumSet.of(VerificationFlag.REQUIRE_AT_LEAST_ONE_VALID, VerificationFlag.REQUIRE_METADATA_LOG_DIR));
        } catch (RuntimeException e) {
            throw inconsistent(layout, e.getMessage());
        }
        return new Plan(recorded.get(), false);
    }

    /** Formats both directories for {@code clusterId}, records the id, and returns the id as Kafka wrote it. */
    static String format(KafkaLayout layout, String clusterId) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try {
            new Formatter()
                    // The formatter talks to System.out by default; the broker must stay quiet on the console.
                    .setPrintStream(new PrintStream(out, true, StandardCharsets.UTF_8))
                    .setNodeId(NODE_ID)
                    .setClusterId(clusterId)
                    .setControllerListenerName(CONTROLLER_LISTENER)
                    .setMetadataLogDirectory(layout.metadataDir().toString())
                    .setDirectories(List.of(layout.metadataDir().toString(), layout.logDir().toString()))
                    // Static voters (controller.quorum.voters), not a KIP-853 dynamic quorum: the controller's
                    // address then comes from the config at every start instead of being frozen into the metadata
                    // log, so a controller port picked anew at each start keeps working.
                    .setHasDynamicQuorum(false)
                    .run();
        } catch (Exception e) {
            throw new PlatformException("cannot format Kafka storage in " + layout.kafkaDir() + " (" + e.getMessage()
                    + "); check free space and permissions, or choose another --data-dir", e);
        }
        LOG.debug("Kafka formatter said: {}", out.toString(StandardCharsets.UTF_8).trim());
        if (readMarker(layout).isEmpty()) {
            writeMarker(layout, clusterId);
        }
        String written = load(layout).clusterId().orElseThrow(() -> inconsistent(layout,
                "no cluster.id in " + layout.metadataDir().resolve(META_PROPERTIES) + " right after formatting"));
        LOG.info("Formatted Kafka storage in {} for cluster {}", layout.kafkaDir(), written);
        return written;
    }

    static Optional<String> readMarker(KafkaLayout layout) {
        if (!Files.exists(layout.marker())) {
            return Optional.empty();
        }
        Properties props = new Properties();
        try (Reader in = Files.newBufferedReader(layout.marker(), StandardCharsets.UTF_8)) {
            props.load(in);
        } catch (IOException | IllegalArgumentException e) {
            throw new PlatformException("cannot read " + layout.marker() + " (" + e.getMessage() + "); restore it or"
                    + " move " + layout.kafkaDir() + " away", e);
        }
        String id = props.getProperty("cluster.id", "").trim();
        if (id.isEmpty()) {
            throw new PlatformException(layout.marker() + " records no cluster.id; restore it or move "
                    + layout.kafkaDir() + " away");
        }
        return Optional.of(id);
    }

    private static void writeMarker(KafkaLayout layout, String clusterId) {
        Properties props = new Properties();
        props.setProperty("cluster.id", clusterId);
        props.setProperty("created-at", Instant.now().toString());
        Path tmp = layout.marker().resolveSibling(layout.marker().getFileName() + ".tmp");
        try {
            try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
                props.store(w, "Kafka cluster of this DAMS data directory; a different cluster.id in meta.properties"
                        + " means the Kafka data is not ours");
            }
            // Readers see the old file or the whole new one, never half of it.
            Files.move(tmp, layout.marker(), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new PlatformException("cannot write " + layout.marker() + " (" + e.getMessage() + "); check free"
                    + " space and permissions", e);
        }
    }

    private static MetaPropertiesEnsemble load(KafkaLayout layout) {
        try {
            return new MetaPropertiesEnsemble.Loader()
                    .addMetadataLogDir(layout.metadataDir().toString())
                    .addLogDirs(List.of(layout.logDir().toString()))
                    .load();
        } catch (IOException e) {
            throw inconsistent(layout, "cannot read meta.properties: " + e.getMessage());
        }
    }

    /** A plain Kafka pointed at the kafka directory itself leaves meta.properties there, beside our directories. */
    private static void refuseKafkaDataAtTop(KafkaLayout layout) {
        if (!Files.exists(layout.kafkaDir().resolve(META_PROPERTIES))) {
            return;
        }
        MetaPropertiesEnsemble top;
        try {
            top = new MetaPropertiesEnsemble.Loader().addLogDirs(List.of(layout.kafkaDir().toString())).load();
        } catch (IOException e) {
            throw inconsistent(layout, "cannot read " + layout.kafkaDir().resolve(META_PROPERTIES));
        }
        throw new PlatformException("data directory " + layout.dataDir() + " holds Kafka data of cluster "
                + top.clusterId().orElse("unknown") + " (" + nodeLabel(top.nodeId()) + ") directly in "
                + layout.kafkaDir() + ", not in DAMS's layout; use another --data-dir or move " + layout.kafkaDir()
                + " away");
    }

    /** Partition data without meta.properties is someone's data all the same; formatting over it would adopt it. */
    private static void refuseUnformattedData(KafkaLayout layout, Path dir) {
        if (!Files.isDirectory(dir)) {
            return;
        }
        try (Stream<Path> entries = Files.list(dir)) {
            Optional<Path> data = entries.filter(p -> !FORMAT_LEFTOVERS.contains(p.getFileName().toString()))
                    .findFirst();
            if (data.isPresent()) {
                throw inconsistent(layout, dir + " holds " + data.get().getFileName() + " but no " + META_PROPERTIES);
            }
        } catch (IOException e) {
            throw inconsistent(layout, "cannot list " + dir + ": " + e.getMessage());
        }
    }

    static PlatformException foreign(KafkaLayout layout, String theirCluster, OptionalInt theirNode, String ours) {
        return new PlatformException("data directory " + layout.dataDir() + " holds Kafka data of cluster "
                + theirCluster + " (" + nodeLabel(theirNode) + "), not of this DAMS installation (cluster " + ours
                + ", node " + NODE_ID + "); use another --data-dir or move " + layout.kafkaDir() + " away");
    }

    static PlatformException inconsistent(KafkaLayout layout, String reason) {
        return new PlatformException("data directory " + layout.dataDir() + " holds inconsistent Kafka data ("
                + reason + "); use another --data-dir or move " + layout.kafkaDir() + " away");
    }

    private static String nodeLabel(OptionalInt node) {
        return node.isPresent() ? "node " + node.getAsInt() : "no node id";
    }
}
