package io.dams.embedded.kafka;

import java.nio.file.Path;

/**
 * Where the embedded broker keeps its files under a DAMS data directory.
 *
 * <p>The metadata log has its own directory so that Kafka's raft manager locks it before touching it; with one shared
 * directory only the log manager locks it, and that happens after the metadata log is already open.
 */
record KafkaLayout(Path dataDir, Path kafkaDir, Path logDir, Path metadataDir, Path marker, Path lockFile) {

    static final String MARKER_NAME = "dams-cluster.properties";
    static final String LOCK_NAME = "dams.lock";

    static KafkaLayout of(Path dataDir) {
        Path root = dataDir.toAbsolutePath().normalize();
        Path kafka = root.resolve("kafka");
        return new KafkaLayout(root, kafka, kafka.resolve("log"), kafka.resolve("metadata"), kafka.resolve(MARKER_NAME),
                kafka.resolve(LOCK_NAME));
    }
}
