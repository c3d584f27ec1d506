package io.dams.embedded.kafka;

import io.dams.embedded.PlatformException;

import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.DescribeClusterOptions;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.errors.InconsistentClusterIdException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.BindException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** An in-process Kafka 4.1 KRaft node (broker and controller in one) serving one DAMS installation. */
public final class KafkaBroker implements AutoCloseable {

    /** Interface the broker and controller listen on; the broker is advertised under the caller's host name. */
    static final String BIND_ADDRESS = "127.0.0.1";
    static final Duration START_DEADLINE = Duration.ofSeconds(60);

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);

    private final KafkaRaftServer server;
    private final DataDirLock lock;
    private final String bootstrapServers;
    private final String clusterId;
    private final int port;
    private final int controllerPort;
    private boolean closed;

    private KafkaBroker(KafkaRaftServer server, DataDirLock lock, String bootstrapServers, String clusterId, int port,
                        int controllerPort) {
        this.server = server;
        this.lock = lock;
        this.bootstrapServers = bootstrapServers;
        this.clusterId = clusterId;
        this.port = port;
        this.controllerPort = controllerPort;
    }

    /**
     * Starts a broker on {@code dataDir}, formatting its storage on first use, and returns once it serves clients.
     *
     * @param brokerPort     the clients' port; 0 picks a free one
     * @param controllerPort the KRaft controller's port; 0 picks a free one
     * @param host           the name clients are told to connect to
     * @throws PlatformException with a one-line cause and remedy when the broker cannot start
     */
    public static KafkaBroker start(Path dataDir, int brokerPort, int controllerPort, String host) {
        if (host == null || host.isBlank()) {
            throw new IllegalArgumentException("the advertised host must be a host name or address, not '" + host + "'");
        }
        long startedAt = System.nanoTime();
        long deadline = startedAt + START_DEADLINE.toNanos();
        KafkaLayout layout = KafkaLayout.of(dataDir);
        DataDirLock lock = DataDirLock.acquire(layout);
        try {
            KafkaStorage.Plan plan = KafkaStorage.inspect(layout);
            Ports.Chosen ports = Ports.choose(BIND_ADDRESS, brokerPort, controllerPort);
            String clusterId = plan.format() ? KafkaStorage.format(layout, plan.clusterId()) : plan.clusterId();
            lock.recordOwner();
            KafkaRaftServer server = launch(serverProperties(layout, ports, host), layout, ports);
            KafkaBroker broker = new KafkaBroker(server, lock, host + ":" + ports.broker(), clusterId, ports.broker(),
                    ports.controller());
            try {
                broker.awaitServing(deadline);
            } catch (RuntimeException e) {
                broker.close();
                throw e instanceof PlatformException platform ? platform : new PlatformException("cannot reach the"
                        + " Kafka broker at " + broker.bootstrapServers + " (" + e.getMessage() + "); check that "
                        + host + " resolves to this machine", e);
            }
            LOG.info("Kafka broker serving on {} (cluster {}, {} storage in {}) after {} ms", broker.bootstrapServers,
                    clusterId, plan.format() ? "new" : "existing", layout.kafkaDir(), elapsedMs(startedAt));
            return broker;
        } catch (RuntimeException e) {
            lock.close();
            throw e;
        }
    }

    /** host:port for clients' {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return bootstrapServers;
    }

    /** The KRaft cluster id, as formatted into this data directory's meta.properties. */
    public String clusterId() {
        return clusterId;
    }

    /** The clients' port. */
    public int port() {
        return port;
    }

    /** The KRaft controller's port, which only this node uses. */
    public int controllerPort() {
        return controllerPort;
    }

    /** Stops the broker and waits until it has released its ports and files; later calls do nothing. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long stoppingAt = System.nanoTime();
        try {
            server.shutdown();
            server.awaitShutdown();
        } finally {
            lock.close();
        }
        LOG.info("Kafka broker on {} stopped after {} ms", bootstrapServers, elapsedMs(stoppingAt));
    }

    static Map<String, String> serverProperties(KafkaLayout layout, Ports.Chosen ports, String host) {
        String controller = KafkaStorage.CONTROLLER_LISTENER;
        Map<String, String> props = new LinkedHashMap<>();
        props.put("process.roles", "broker,controller");
        props.put("node.id", Integer.toString(KafkaStorage.NODE_ID));
        props.put("controller.quorum.voters", KafkaStorage.NODE_ID + "@" + BIND_ADDRESS + ":" + ports.controller());
        props.put("controller.listener.names", controller);
        props.put("listeners", "PLAINTEXT://" + BIND_ADDRESS + ":" + ports.broker() + "," + controller + "://"
                + BIND_ADDRESS + ":" + ports.controller());
        props.put("advertised.listeners", "PLAINTEXT://" + host + ":" + ports.broker());
        props.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT," + controller + ":PLAINTEXT");
        props.put("inter.broker.listener.name", "PLAINTEXT");
        props.put("log.dirs", layout.logDir().toString());
        props.put("metadata.log.dir", layout.metadataDir().toString());
        // One machine, one replica: every internal topic must be satisfiable by this single node.
        props.put("num.partitions", "1");
        props.put("default.replication.factor", "1");
        props.put("min.insync.replicas", "1");
        props.put("offsets.topic.replication.factor", "1");
        props.put("transaction.state.log.replication.factor", "1");
        props.put("transaction.state.log.min.isr", "1");
        props.put("share.coordinator.state.topic.replication.factor", "1");
        props.put("share.coordinator.state.topic.min.isr", "1");
        // No other members can be on their way, so waiting for them only delays every first rebalance.
        props.put("group.initial.rebalance.delay.ms", "0");
        // Topics come from the DAMS catalogue; a typo in a client must fail, not create a topic.
        props.put("auto.create.topics.enable", "false");
        // Kafka's default waits forever for start-up; we give up, and say so, at the same deadline as our own wait.
        props.put("server.max.startup.time.ms", Long.toString(START_DEADLINE.toMillis()));
        return props;
    }

    private static KafkaRaftServer launch(Map<String, String> props, KafkaLayout layout, Ports.Chosen ports) {
        KafkaRaftServer server = null;
        try {
            server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
            server.startup();
            return server;
        } catch (Exception e) {
            // Kafka's Scala code throws checked exceptions it does not declare, hence Exception.
            if (server != null) {
                stopQuietly(server);
            }
            throw translate(e, layout, ports);
        }
    }

    private void awaitServing(long deadline) {
        Map<String, Object> config = Map.of(
                AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers,
                AdminClientConfig.CLIENT_ID_CONFIG, "dams-kafka-readiness");
        Throwable last = null;
        try (Admin admin = Admin.create(config)) {
            while (System.nanoTime() < deadline) {
                int remainingMs = (int) Math.max(1, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
                try {
                    Collection<Node> nodes = admin.describeCluster(new DescribeClusterOptions().timeoutMs(remainingMs))
                            .nodes().get();
                    if (nodes.stream().anyMatch(node -> node.id() == KafkaStorage.NODE_ID)) {
                        return;
                    }
                    Thread.sleep(100);
                } catch (ExecutionException e) {
                    last = e.getCause();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    throw new PlatformException("interrupted while waiting for the Kafka broker on " + bootstrapServers
                            + " to serve", e);
                }
            }
        }
        throw new PlatformException("the Kafka broker started but did not answer on " + bootstrapServers + " within "
                + START_DEADLINE.toSeconds() + " s" + (last == null ? "" : " (" + last.getMessage() + ")")
                + "; check that this host name resolves to this machine", last);
    }

    /** Kafka's start-up failures, turned into the operator's one line where we recognise the cause. */
    static PlatformException translate(Exception failure, KafkaLayout layout, Ports.Chosen ports) {
        Throwable root = failure;
        for (Throwable t = failure; t != null; t = t.getCause()) {
            root = t;
            String message = String.valueOf(t.getMessage());
            if (t instanceof PlatformException platform) {
                return platform;
            }
            if (t instanceof InconsistentClusterIdException) {
                return new PlatformException("data directory " + layout.dataDir() + " holds Kafka data of another"
                        + " cluster (" + message + "); use another --data-dir or move " + layout.kafkaDir() + " away",
                        failure);
            }
            if (t instanceof BindException || message.contains("failed to bind")) {
                // Kafka's message reads "Socket server failed to bind to 127.0.0.1:9093: Address already in use."
                boolean controller = message.contains(":" + ports.controller() + ":");
                int port = controller ? ports.controller() : ports.broker();
                return new PlatformException("port " + port + " (Kafka " + (controller ? "controller" : "broker")
                        + ") is already in use; stop what uses it or choose another port with "
                        + (controller ? "--controller-port" : "--kafka-port"), failure);
            }
            if (message.contains("Failed to acquire lock on file .lock")) {
                return DataDirLock.inUse(layout, "a Kafka process holds a .lock file in " + layout.kafkaDir());
            }
            if (message.startsWith("Invalid cluster.id") || message.startsWith("Stored node id")
                    || message.startsWith("Duplicate directory ID") || message.startsWith("Found unexpected metadata")
                    || message.startsWith("No `meta.properties` found")) {
                return KafkaStorage.inconsistent(layout, message);
            }
            if (t instanceof TimeoutException) {
                return new PlatformException("the Kafka broker did not start within " + START_DEADLINE.toSeconds()
                        + " s (" + message + "); see the log for what it was waiting for", failure);
            }
        }
        return new PlatformException("the Kafka broker failed to start (" + root.getClass().getSimpleName() + ": "
                + root.getMessage() + "); see the log for details", failure);
    }

    private static void stopQuietly(KafkaRaftServer server) {
        try {
            server.shutdown();
            server.awaitShutdown();
        } catch (RuntimeException e) {
            LOG.debug("Stopping a Kafka broker that failed to start failed too", e);
        }
    }

    private static long elapsedMs(long since) {
        return TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - since);
    }
}
